-- Nested statements (PL/pgSQL) are recorded under track = all, as non-top-level entries, and not
-- under track = top; the calling statement is top level either way.
SET pg_perfgate.track_utility = off;
CREATE TABLE stock (id int PRIMARY KEY, qty int);
INSERT INTO stock SELECT g, g FROM generate_series(1, 50) g;
CREATE FUNCTION total_stock(n int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  s int := 0;
  q int;
BEGIN
  FOR i IN 1..n LOOP
    SELECT qty INTO q FROM stock WHERE id = i;
    s := s + q;
  END LOOP;
  RETURN s;
END $$;

SET pg_perfgate.track = 'all';
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SELECT total_stock(20);
SELECT total_stock(5);
SELECT toplevel, calls, rows, query FROM pg_perfgate_statements
 WHERE query NOT LIKE '%pg_perfgate%' ORDER BY query COLLATE "C", toplevel;

SET pg_perfgate.track = 'top';
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SELECT total_stock(7);
SELECT toplevel, calls, rows, query FROM pg_perfgate_statements
 WHERE query NOT LIKE '%pg_perfgate%' ORDER BY query COLLATE "C", toplevel;

SET pg_perfgate.track = 'none';
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SELECT total_stock(3);
SET pg_perfgate.track = 'top';
SELECT count(*) AS recorded FROM pg_perfgate_statements WHERE query LIKE '%total_stock%';

-- Deep recursion: more statements running at once than pg_perfgate follows on its own stack
-- (16); the deeper ones fall back to the executor's instrumentation and are all counted.
CREATE FUNCTION depth(n int) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  IF n = 0 THEN
    RETURN 0;
  END IF;
  RETURN 1 + depth(n - 1);
END $$;
SET pg_perfgate.track = 'all';
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SELECT depth(40);
SELECT calls, rows, total_exec_time > 0 AS timed, min_exec_time > 0 AS each_timed, query
  FROM pg_perfgate_statements WHERE query LIKE '%depth%' ORDER BY query COLLATE "C";
SET pg_perfgate.track = 'top';

-- Errors: the nesting level is restored where PostgreSQL recovers (a subtransaction's abort, the
-- next client message), so statements after an error keep their right level.
SET pg_perfgate.track = 'all';
SET pg_perfgate.track_utility = off;
CREATE FUNCTION guarded_div(d int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  r int;
BEGIN
  BEGIN
    SELECT 100 / d INTO r;
  EXCEPTION WHEN division_by_zero THEN
    r := -1;
  END;
  PERFORM qty FROM stock WHERE id = 1;
  RETURN r;
END $$;
CREATE PROCEDURE two_transactions() LANGUAGE plpgsql AS $$
BEGIN
  PERFORM qty FROM stock WHERE id = 2;
  COMMIT;
  PERFORM qty FROM stock WHERE id = 3;
  ROLLBACK;
  PERFORM qty FROM stock WHERE id = 4;
END $$;
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SELECT 1 / 0 AS planner_error;
SELECT qty FROM stock WHERE id = 5;
SELECT guarded_div(0);
SELECT guarded_div(4);
SELECT qty FROM stock WHERE id = 6;
CALL two_transactions();
SELECT qty FROM stock WHERE id = 7;
BEGIN;
SELECT qty FROM stock WHERE id = 0 / 0;
ROLLBACK;
SELECT qty FROM stock WHERE id = 8;
SELECT toplevel, calls, query FROM pg_perfgate_statements
 WHERE query NOT LIKE '%pg_perfgate%' ORDER BY query COLLATE "C", toplevel;
SET pg_perfgate.track = 'top';

-- A procedure that commits inside a FOR loop over a query: the loop's query goes on across the
-- COMMITs and is recorded once, with its nested statements.
CREATE PROCEDURE bump_each() LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT id FROM stock WHERE id <= 5 ORDER BY id LOOP
    UPDATE stock SET qty = qty + 1 WHERE id = r.id;
    COMMIT;
  END LOOP;
END $$;
SET pg_perfgate.track = 'all';
SELECT pg_perfgate_reset() IS NOT NULL AS t;
CALL bump_each();
SELECT toplevel, calls, query FROM pg_perfgate_statements
 WHERE query LIKE '%stock%' ORDER BY query COLLATE "C";
SET pg_perfgate.track = 'top';
