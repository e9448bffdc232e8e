-- Texts and query ids are shown only to the statement's own role and to pg_read_all_stats;
-- resetting is not granted to PUBLIC.
SET pg_perfgate.track_utility = off;
CREATE ROLE regress_alice;
CREATE ROLE regress_bob;
CREATE ROLE regress_stats IN ROLE pg_read_all_stats;
SELECT pg_perfgate_reset() IS NOT NULL AS t;

SET ROLE regress_alice;
SELECT upper('alice secret');
RESET ROLE;
SET ROLE regress_bob;
SELECT lower('bob query');
SELECT r.rolname, s.query, s.queryid IS NOT NULL AS has_queryid, s.calls
  FROM pg_perfgate_statements s JOIN pg_roles r ON r.oid = s.userid
 WHERE r.rolname LIKE 'regress_%' AND coalesce(s.query, '') !~ 'pg_perfgate' ORDER BY r.rolname;
SELECT pg_perfgate_reset();
RESET ROLE;

SET ROLE regress_stats;
SELECT r.rolname, s.query, s.queryid IS NOT NULL AS has_queryid, s.calls
  FROM pg_perfgate_statements s JOIN pg_roles r ON r.oid = s.userid
 WHERE r.rolname IN ('regress_alice', 'regress_bob') AND s.query !~ 'pg_perfgate'
 ORDER BY r.rolname;
RESET ROLE;

-- Grouped views apply the same rule.
SET ROLE regress_bob;
SELECT count(*) FILTER (WHERE query = 'SELECT lower($1)' AND queryid IS NOT NULL) AS mine,
       count(*) FILTER (WHERE query = 'SELECT upper($1)') AS theirs,
       count(*) FILTER (WHERE query IS NULL AND queryid IS NULL) > 0 AS others_hidden
  FROM pg_perfgate_hot_queries;
RESET ROLE;

-- A statement is recorded under the role it started as, the role its activity slot shows, even when
-- it changes the current role itself (pg_stat_statements would count it under the role it ended as).
GRANT regress_bob TO regress_alice;
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SET ROLE regress_alice;
SELECT set_config('role', 'regress_bob', false) IS NOT NULL AS switched;
SELECT current_user;
RESET ROLE;
SELECT r.rolname, s.query, s.calls
  FROM pg_perfgate_statements s JOIN pg_roles r ON r.oid = s.userid
 WHERE s.query ~ 'set_config|current_user' ORDER BY s.query;
REVOKE regress_bob FROM regress_alice;

DROP ROLE regress_alice;
DROP ROLE regress_bob;
DROP ROLE regress_stats;
