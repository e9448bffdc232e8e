-- Failed statements are counted per (role, database, query id, SQLSTATE); caught errors are not
-- failures; the query id, text and message only for the statement's own role and pg_read_all_stats.
SET pg_perfgate.track_utility = off;
SELECT pg_perfgate_reset() IS NOT NULL AS t;
CREATE TABLE err_items (id int PRIMARY KEY, qty int CHECK (qty >= 0));
INSERT INTO err_items VALUES (1, 1);

INSERT INTO err_items VALUES (1, 5);      -- unique_violation
INSERT INTO err_items VALUES (1, 6);      -- the same query id again
INSERT INTO err_items VALUES (2, -1);     -- check_violation, same query id
SELECT 1 / (qty - 1) FROM err_items;      -- division_by_zero
INSERT INTO err_items VALUES (3, 3);      -- succeeds
SELECT 1 / (qty - 1) FROM err_items WHERE id = 3;   -- succeeds: another query id

-- An error caught by an EXCEPTION block is handled, not a failure.
DO $$ BEGIN PERFORM 1 / 0; EXCEPTION WHEN division_by_zero THEN NULL; END $$;
-- A syntax error has no query id: counted, without a query.
SELEC 1;

-- With pg_perfgate.track = none nothing is recorded, errors included.
SET pg_perfgate.track = none;
SELECT 1 / 0 AS untracked;
RESET pg_perfgate.track;

SELECT sqlstate, errors, queryid IS NOT NULL AS has_queryid, query, message
  FROM pg_perfgate_errors ORDER BY sqlstate COLLATE "C", query COLLATE "C";

-- The hot queries count errors of top-level statements beside their calls.
SELECT calls, errors, query FROM pg_perfgate_hot_queries
 WHERE query LIKE '%err_items%' ORDER BY query COLLATE "C";

-- Another role sees the counts of the errors of others, not what they were about.
CREATE ROLE regress_err_other;
GRANT SELECT ON err_items TO regress_err_other;
SET ROLE regress_err_other;
SELECT 1 / (qty - 1) FROM err_items;
SELECT r.rolname = current_user AS mine, e.sqlstate, e.errors, e.queryid IS NOT NULL AS has_queryid,
       e.query IS NOT NULL AS has_query, e.message IS NOT NULL AS has_message
  FROM pg_perfgate_errors e JOIN pg_roles r ON r.oid = e.userid
 WHERE e.sqlstate = '22012' ORDER BY mine;
RESET ROLE;

-- A reset of one query id drops its errors too.
SELECT pg_perfgate_reset(0, 0, queryid) IS NOT NULL AS t
  FROM pg_perfgate_errors WHERE sqlstate = '23505';
SELECT sqlstate, errors FROM pg_perfgate_errors ORDER BY sqlstate COLLATE "C", errors;
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SELECT count(*) FROM pg_perfgate_errors;
DROP TABLE err_items;
DROP ROLE regress_err_other;
