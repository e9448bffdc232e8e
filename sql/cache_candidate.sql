-- cache_candidate (issue 20): the same read-only query with the same values, run many times in a
-- short window across sessions, on tables that did not change. The role regress_cc_app checks every
-- execution (sample rate 1) and needs 20 runs; the default samples 1 in 16 and needs 200.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_perfgate;
RESET client_min_messages;
\set VERBOSITY terse
-- The runs below are \gexec loops, not echoed (ECHO none) and their rows not shown (\o /dev/null).
CREATE TABLE cc_item (id int PRIMARY KEY, name text);
INSERT INTO cc_item SELECT g, 'n' || g FROM generate_series(1, 100) g;
CREATE TABLE cc_log (id int);
CREATE ROLE regress_cc_app LOGIN;
CREATE ROLE regress_cc_other LOGIN;
ALTER ROLE regress_cc_app SET pg_perfgate.cache_candidate_sample_rate = 1;
ALTER ROLE regress_cc_app SET pg_perfgate.cache_candidate_calls = 20;
GRANT SELECT, UPDATE ON cc_item TO regress_cc_app;
GRANT INSERT, TRUNCATE ON cc_log TO regress_cc_app;
CREATE FUNCTION cc_touch() RETURNS void LANGUAGE sql AS $$ UPDATE cc_item SET name = name WHERE id = 100 $$;
GRANT EXECUTE ON FUNCTION cc_touch() TO regress_cc_app;
SELECT current_user AS su \gset
-- The shape of a finding, without its times.
CREATE VIEW cc_findings AS
  SELECT kind, query, occurrences, calls, largest, related_rows,
         regexp_replace(regexp_replace(detail, '[0-9]+ s \([0-9.]+/s\)', 'N s (R/s)'),
                        'last changed .*', 'last changed T') AS detail
    FROM pg_perfgate_antipatterns WHERE kind = 'cache_candidate';
GRANT SELECT ON cc_findings TO regress_cc_app;
-- The findings are read in the session that ran the reads: its view query writes what it has not
-- yet written (a session that ends writes it as it exits, which may be after the next one reads).
SELECT pg_perfgate_reset() IS NOT NULL AS t;
-- The bad habit: one lookup, the same id, 10 times in one session and 10 in another.
\c - regress_cc_app
\o /dev/null
\set ECHO none
SELECT 'SELECT name FROM cc_item WHERE id = 7' FROM generate_series(1, 10) \gexec
\c - regress_cc_app
SELECT 'SELECT name FROM cc_item WHERE id = 7' FROM generate_series(1, 10) \gexec
\set ECHO all
\o
SELECT * FROM cc_findings;
-- More runs of the same window add to the finding; they are not a new occurrence.
\o /dev/null
\set ECHO none
SELECT 'SELECT name FROM cc_item WHERE id = 7' FROM generate_series(1, 5) \gexec
\set ECHO all
\o
SELECT * FROM cc_findings;
\c - :su
-- Another role sees that there is a finding, not its query or detail.
SET ROLE regress_cc_other;
SELECT kind, queryid IS NULL AS no_queryid, query IS NULL AS no_query, detail IS NULL AS no_detail, advice
  FROM pg_perfgate_antipatterns WHERE kind = 'cache_candidate';
RESET ROLE;
-- Quiet: below the threshold (19 runs).
SELECT pg_perfgate_reset() IS NOT NULL AS t;
\c - regress_cc_app
\o /dev/null
\set ECHO none
SELECT 'SELECT name FROM cc_item WHERE id = 8' FROM generate_series(1, 19) \gexec
-- Quiet: other values each time.
SELECT format('SELECT name FROM cc_item WHERE id = %s', 20 + g) FROM generate_series(1, 40) g \gexec
-- Quiet: the table changes between the reads (another row of it, by an UPDATE; then by an UPDATE
-- inside a function, a nested statement).
SELECT q FROM generate_series(1, 25) g,
  LATERAL (VALUES (1, 'SELECT name FROM cc_item WHERE id = 9'),
                  (2, format('UPDATE cc_item SET name = name WHERE id = %s', 50 + g % 2))) v(o, q)
  ORDER BY g, o \gexec
SELECT q FROM generate_series(1, 25) g,
  LATERAL (VALUES (1, 'SELECT name FROM cc_item WHERE id = 10'), (2, 'SELECT cc_touch()')) v(o, q)
  ORDER BY g, o \gexec
-- Quiet: a TRUNCATE, of any table, between the reads.
SELECT q FROM generate_series(1, 25) g,
  LATERAL (VALUES (1, 'SELECT name FROM cc_item WHERE id = 11'), (2, 'TRUNCATE cc_log')) v(o, q)
  ORDER BY g, o \gexec
-- Quiet: functions whose result may change between runs.
SELECT 'SELECT name, now() FROM cc_item WHERE id = 12' FROM generate_series(1, 25) \gexec
SELECT 'SELECT name FROM cc_item WHERE id = 13 AND random() < 2' FROM generate_series(1, 25) \gexec
SELECT 'SELECT name FROM cc_item WHERE id = 14 AND current_timestamp > ''2000-01-01''' FROM generate_series(1, 25) \gexec
-- Quiet: no table (a pool's ping), a catalog, FOR UPDATE.
SELECT 'SELECT 1' FROM generate_series(1, 25) \gexec
SELECT 'SELECT typname FROM pg_type WHERE oid = 23' FROM generate_series(1, 25) \gexec
SELECT 'BEGIN; SELECT name FROM cc_item WHERE id = 15 FOR UPDATE; COMMIT' FROM generate_series(1, 25) \gexec
\set ECHO all
\o
SELECT count(*) AS quiet_findings FROM pg_perfgate_antipatterns WHERE kind = 'cache_candidate';
-- An INSERT into another table does not restart the count; the write's table is not read.
\o /dev/null
\set ECHO none
SELECT q FROM generate_series(1, 20) g,
  LATERAL (VALUES (1, 'SELECT name FROM cc_item WHERE id = 16'), (2, 'INSERT INTO cc_log VALUES (1)')) v(o, q)
  ORDER BY g, o \gexec
\set ECHO all
\o
SELECT * FROM cc_findings;
\c - :su
-- The bound parameters of a prepared statement are values too: the same one 20 times is found,
-- another one each time is not.
SELECT pg_perfgate_reset() IS NOT NULL AS t;
\c - regress_cc_app
PREPARE cc_lookup(int) AS SELECT name FROM cc_item WHERE id = $1;
\o /dev/null
\set ECHO none
SELECT 'EXECUTE cc_lookup(2)' FROM generate_series(1, 20) \gexec
SELECT format('EXECUTE cc_lookup(%s)', 20 + g) FROM generate_series(1, 40) g \gexec
\set ECHO all
\o
SELECT * FROM cc_findings;
\c - :su
-- Its *_action: a warning at the run that makes it a finding.
SELECT pg_perfgate_reset() IS NOT NULL AS t;
\c - regress_cc_app
SET pg_perfgate.cache_candidate_action = warning;
\o /dev/null
\set ECHO none
SELECT 'SELECT name FROM cc_item WHERE id = 3' FROM generate_series(1, 20) \gexec
\set ECHO all
\o
-- Its SQLSTATE: PF012.
\set VERBOSITY sqlstate
\o /dev/null
\set ECHO none
SELECT 'SELECT name FROM cc_item WHERE id = 5' FROM generate_series(1, 20) \gexec
\set ECHO all
\o
\set VERBOSITY terse
\c - :su
-- Off: pg_perfgate.cache_candidate_calls = 0.
SELECT pg_perfgate_reset() IS NOT NULL AS t;
ALTER ROLE regress_cc_app SET pg_perfgate.cache_candidate_calls = 0;
\c - regress_cc_app
\o /dev/null
\set ECHO none
SELECT 'SELECT name FROM cc_item WHERE id = 4' FROM generate_series(1, 30) \gexec
\set ECHO all
\o
SELECT count(*) AS off_findings FROM pg_perfgate_antipatterns WHERE kind = 'cache_candidate';
\c - :su
DROP VIEW cc_findings;
DROP FUNCTION cc_touch();
DROP TABLE cc_item, cc_log;
DROP OWNED BY regress_cc_app, regress_cc_other;
DROP ROLE regress_cc_app;
DROP ROLE regress_cc_other;
SELECT pg_perfgate_reset() IS NOT NULL AS t;
