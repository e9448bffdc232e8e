-- Regression (issue 9.3): independent requests of a pooled connection, each its own autocommit
-- transaction 30 ms apart, were one N+1 loop and one row-by-row burst (bursts crossed transactions
-- within 100 ms). A burst now crosses a transaction only after an idle gap of at most
-- pg_perfgate.burst_window (10 ms), and a pool's reset statement ends it; a loop in autocommit
-- mode, without pauses, is still found.
SET pg_perfgate.track_utility = off;
\set VERBOSITY terse
CREATE TABLE pool_user (id int PRIMARY KEY, name text);
CREATE TABLE pool_log (id serial PRIMARY KEY, user_id int, at text);
INSERT INTO pool_user SELECT g, 'u' || g FROM generate_series(1, 100) g;
SELECT pg_perfgate_reset() IS NOT NULL AS t;
\o /dev/null
-- Each column is a message of its own: a pause, a lookup, an insert.
SELECT 'SELECT pg_sleep(0.03)', format('SELECT name FROM pool_user WHERE id = %s', g),
       format('INSERT INTO pool_log (user_id, at) VALUES (%s, ''x'')', g)
  FROM generate_series(1, 12) g \gexec
\o
SELECT count(*) AS pooled_findings FROM pg_perfgate_antipatterns WHERE query NOT LIKE '%pg_perfgate%';
-- The same statements without the pauses, in autocommit: one loop, one burst of writes. The window
-- is widened here so that a loaded machine (a gap of more than 10 ms between two statements) does
-- not split the burst; the pauses above are what it must not join.
SET pg_perfgate.burst_window = '1s';
SELECT pg_perfgate_reset() IS NOT NULL AS t;
\o /dev/null
SELECT format('SELECT name FROM pool_user WHERE id = %s', g) FROM generate_series(1, 12) g \gexec
SELECT format('INSERT INTO pool_log (user_id, at) VALUES (%s, ''y'')', g) FROM generate_series(1, 12) g \gexec
\o
SELECT kind, query, calls FROM pg_perfgate_antipatterns WHERE query NOT LIKE '%pg_perfgate%'
 ORDER BY kind;
RESET pg_perfgate.burst_window;
-- A pool's reset statements end every burst: six lookups before and six after each is no loop.
SELECT pg_perfgate_reset() IS NOT NULL AS t;
CREATE ROLE regress_pool_app;
GRANT SELECT ON pool_user TO regress_pool_app;
\o /dev/null
SELECT format('SELECT name FROM pool_user WHERE id = %s', g) FROM generate_series(1, 6) g \gexec
DISCARD ALL;
SELECT format('SELECT name FROM pool_user WHERE id = %s', g) FROM generate_series(1, 6) g \gexec
RESET ALL;
SELECT format('SELECT name FROM pool_user WHERE id = %s', g) FROM generate_series(1, 6) g \gexec
SET ROLE regress_pool_app;
SELECT format('SELECT name FROM pool_user WHERE id = %s', g) FROM generate_series(1, 6) g \gexec
RESET ROLE;
SELECT format('SELECT name FROM pool_user WHERE id = %s', g) FROM generate_series(1, 6) g \gexec
SET SESSION AUTHORIZATION regress_pool_app;
SELECT format('SELECT name FROM pool_user WHERE id = %s', g) FROM generate_series(1, 6) g \gexec
RESET SESSION AUTHORIZATION;
\o
SELECT count(*) AS findings_across_resets FROM pg_perfgate_antipatterns WHERE query NOT LIKE '%pg_perfgate%';
DROP OWNED BY regress_pool_app;
DROP ROLE regress_pool_app;
