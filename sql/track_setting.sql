-- The tracking rule is worked out when pg_perfgate.track changes, not per statement: it must follow
-- every way the setting changes (SET, SET LOCAL undone by ROLLBACK or ended by COMMIT, a function's
-- SET clause) and hold for nested statements too.
SET pg_perfgate.track_utility = off;
CREATE TABLE tr_t (id int);
INSERT INTO tr_t VALUES (1), (2);
CREATE FUNCTION tr_f() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM tr_t WHERE id > 0';
CREATE FUNCTION tr_g() RETURNS bigint LANGUAGE sql SET pg_perfgate.track = 'none'
  AS 'SELECT count(*) FROM tr_t WHERE id > 1';
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SET pg_perfgate.track = 'all';
SELECT tr_f();
SET pg_perfgate.track = 'top';
SELECT tr_f();
BEGIN;
SET LOCAL pg_perfgate.track = 'none';
SELECT count(*) FROM tr_t;
ROLLBACK;
SELECT count(*) FROM tr_t;
BEGIN;
SET LOCAL pg_perfgate.track = 'all';
SELECT tr_f();
COMMIT;
SELECT tr_f();
SET pg_perfgate.track = 'all';
SELECT tr_g();
SELECT tr_f();
RESET pg_perfgate.track;
SELECT query, toplevel, calls FROM pg_perfgate_statements
 WHERE query LIKE '%tr\_%' AND query NOT LIKE '%pg_perfgate%' ORDER BY query, toplevel;
