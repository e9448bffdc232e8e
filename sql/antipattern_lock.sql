-- Regression (issue 11): a loop inside a function, called again and again under track = all, took
-- the one anti-pattern lock exclusively twice per call (at the loop's threshold and at its end).
-- Findings are now aggregated per backend and written to shared memory at once only when new, then
-- about once a second: fifty calls take the lock a few times, and every call is counted.
SET pg_perfgate.track_utility = off;
CREATE TABLE lock_user (id int PRIMARY KEY, name text);
INSERT INTO lock_user SELECT g, 'u' || g FROM generate_series(1, 20) g;
CREATE FUNCTION names_one_by_one() RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  c int := 0;
BEGIN
  FOR i IN 1..12 LOOP
    PERFORM name FROM lock_user WHERE id = i;
    c := c + 1;
  END LOOP;
  RETURN c;
END $$;
SET pg_perfgate.track = 'all';
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SELECT antipattern_flushes AS flushes_before FROM pg_perfgate_backend_state() \gset
\o /dev/null
SELECT 'SELECT names_one_by_one()' FROM generate_series(1, 50) \gexec
\o
SELECT antipattern_flushes - :flushes_before < 10 AS few_flushes FROM pg_perfgate_backend_state();
-- Reading the view writes this backend's aggregate first: all 50 loops, 600 calls.
SELECT kind, occurrences, calls FROM pg_perfgate_antipatterns WHERE query LIKE '%lock_user%';
-- Another session sees them once this one has written them.
SELECT pg_perfgate_reset() IS NOT NULL AS t;
\o /dev/null
SELECT 'SELECT names_one_by_one()' FROM generate_series(1, 20) \gexec
\o
SELECT pg_backend_pid() AS old_pid \gset
\c
-- The old backend writes its aggregate as it exits, before it leaves pg_stat_activity.
CREATE FUNCTION wait_gone(p int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN 1..1000 LOOP
    EXIT WHEN NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = p);
    PERFORM pg_sleep(0.01);
  END LOOP;
END $$;
SELECT wait_gone(:old_pid);
SELECT kind, occurrences, calls FROM pg_perfgate_antipatterns WHERE query LIKE '%lock_user%';
