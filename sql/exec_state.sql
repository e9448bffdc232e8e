-- Regression (issue 8): the running-statement stack went stale. A cursor opened before a savepoint
-- whose FETCH then failed never reached ExecutorEnd and stayed on the stack; with track = all,
-- failed FETCHes inside BEGIN ... EXCEPTION blocks filled every slot, after which the huge-fetch
-- detector went silent for the rest of the session. Each sequence below must leave only the
-- statement asking on the stack (pg_perfgate_backend_state() counts itself when tracked).
SET pg_perfgate.track_utility = off;
SET pg_perfgate.huge_fetch_rows = 1000;
\set VERBOSITY terse
SELECT running_statements, subtransactions, nesting_level FROM pg_perfgate_backend_state();

-- A cursor opened before a savepoint, its FETCH failing inside it.
BEGIN;
DECLARE c CURSOR FOR SELECT 1 / (x - 3) FROM generate_series(1, 5) x;
SAVEPOINT s;
FETCH 5 FROM c;
ROLLBACK TO s;
SELECT running_statements AS in_transaction FROM pg_perfgate_backend_state();
COMMIT;
SELECT running_statements, subtransactions FROM pg_perfgate_backend_state();

-- A cursor opened inside a savepoint that is rolled back, one outside that stays open.
BEGIN;
DECLARE keep CURSOR FOR SELECT x FROM generate_series(1, 3) x;
SAVEPOINT s;
DECLARE gone CURSOR FOR SELECT x FROM generate_series(1, 3) x;
FETCH 1 FROM gone;
ROLLBACK TO s;
FETCH 1 FROM keep;
SELECT running_statements AS keep_open FROM pg_perfgate_backend_state();
COMMIT;
SELECT running_statements FROM pg_perfgate_backend_state();

-- The statement that fails inside an EXCEPTION block, 40 times, with track = all, and cursors
-- opened outside the block whose FETCH fails inside it.
SET pg_perfgate.track = 'all';
DO $$
DECLARE
  c refcursor;
  r record;
BEGIN
  FOR i IN 1..40 LOOP
    OPEN c FOR SELECT 1 / (x - 2) AS v FROM generate_series(1, 5) x;
    BEGIN
      FETCH c INTO r;
      FETCH c INTO r;
    EXCEPTION WHEN division_by_zero THEN NULL;
    END;
    CLOSE c;
    BEGIN
      PERFORM 1 / (i - i);
    EXCEPTION WHEN division_by_zero THEN NULL;
    END;
  END LOOP;
END $$;
SET pg_perfgate.track = 'top';
-- The huge-fetch detector still fires afterwards (before anything else runs: a failing statement
-- would clear the stack by its abort).
SELECT pg_perfgate_reset() IS NOT NULL AS t;
\o /dev/null
SELECT x FROM generate_series(1, 2000) x;
\o
SELECT kind, largest FROM pg_perfgate_antipatterns WHERE kind = 'unstreamed_fetch';
SELECT running_statements, subtransactions, nesting_level FROM pg_perfgate_backend_state();
