-- Accepted findings (issue 18): a DBA mutes a finding (kind x query id, optionally one role and one
-- database) with a note. It leaves pg_perfgate_antipatterns and the *_action checks, stays counted in
-- pg_perfgate_antipatterns_all and pg_perfgate_hot_queries.muted_findings, and comes back when unmuted.
-- Labels mean what they say: a loop's parent shows the loop in parent_of, not as its own kind.
SET pg_perfgate.track_utility = off;
\set VERBOSITY terse
CREATE TABLE m_order (id int PRIMARY KEY, customer int);
CREATE TABLE m_customer (id int PRIMARY KEY, name text);
INSERT INTO m_customer SELECT g, 'c' || g FROM generate_series(1, 30) g;
INSERT INTO m_order SELECT g, g FROM generate_series(1, 30) g;
ANALYZE m_order, m_customer;
-- The ORM shape: the orders, then each order's customer, one query per order.
CREATE FUNCTION each_customer() RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  o record;
  c int := 0;
BEGIN
  FOR o IN SELECT id, customer FROM m_order ORDER BY id LOOP
    PERFORM name FROM m_customer WHERE id = o.customer;
    c := c + 1;
  END LOOP;
  RETURN c;
END $$;
SET pg_perfgate.track = 'all';
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SELECT each_customer();
SELECT kind, query, related_rows, calls FROM pg_perfgate_antipatterns WHERE query LIKE '%m_customer%';
-- The orders query is the loop's parent, not a loop itself.
SELECT query, antipatterns, parent_of, muted_findings FROM pg_perfgate_hot_queries
 WHERE query LIKE '%m_order%' OR query LIKE '%m_customer%' ORDER BY query COLLATE "C";

-- Bad input is refused with a message naming what is wrong.
SELECT pg_perfgate_mute('n+1', 1, 'x');
SELECT pg_perfgate_mute('n_plus_one', 0, 'x');
SELECT pg_perfgate_mute('n_plus_one', NULL, 'x');
SELECT pg_perfgate_mute('n_plus_one', 1, '');
SELECT pg_perfgate_mute('n_plus_one', 1, NULL);
SELECT pg_perfgate_mute(NULL, 1, 'x');

-- error mode stops the loop ...
SET pg_perfgate.n_plus_one_action = 'error';
SELECT each_customer();
-- ... until the finding is accepted: then the loop runs, is counted, and is not shown by default.
SELECT queryid AS loop_id FROM pg_perfgate_antipatterns WHERE query LIKE '%m_customer%' \gset
SELECT pg_perfgate_mute('n_plus_one', :loop_id, 'the customers are cached by the app server; accepted by the DBA team');
SELECT each_customer();
SELECT count(*) AS shown FROM pg_perfgate_antipatterns WHERE query LIKE '%m_customer%';
SELECT kind, muted, mute_note, occurrences FROM pg_perfgate_antipatterns_all WHERE query LIKE '%m_customer%';
SELECT query, antipatterns, parent_of, muted_findings FROM pg_perfgate_hot_queries
 WHERE query LIKE '%m_order%' OR query LIKE '%m_customer%' ORDER BY query COLLATE "C";
SELECT kind, queryid = :loop_id AS same_query, rolname, datname, note, muted_by IS NOT NULL AS by_known
  FROM pg_perfgate_mutes;
-- Muting again replaces the note.
SELECT pg_perfgate_mute('n_plus_one', :loop_id, 'cached; see ticket 42');
SELECT count(*) AS mutes, min(note) AS note FROM pg_perfgate_mutes;

-- A mute limited to another role does not cover this role's finding.
CREATE ROLE regress_mute_other;
SELECT pg_perfgate_unmute('n_plus_one', :loop_id) AS removed;
SELECT pg_perfgate_mute('n_plus_one', :loop_id, 'only for the other role', 'regress_mute_other'::regrole);
SELECT each_customer();
SELECT pg_perfgate_unmute('n_plus_one', :loop_id, 'regress_mute_other'::regrole) AS removed;
SELECT pg_perfgate_unmute('n_plus_one', :loop_id) AS removed_none;
SELECT count(*) AS mutes FROM pg_perfgate_mutes;
RESET pg_perfgate.n_plus_one_action;

-- Who may mute: not every role (muting changes what every role is told), and the list is for
-- pg_read_all_stats.
SET ROLE regress_mute_other;
SELECT pg_perfgate_mute('n_plus_one', 1, 'x');
SELECT pg_perfgate_unmute('n_plus_one', 1);
SELECT count(*) FROM pg_perfgate_mutes;
SELECT count(*) >= 0 AS can_count FROM pg_perfgate_antipatterns_all;
RESET ROLE;
DROP ROLE regress_mute_other;
SET pg_perfgate.track = 'top';
