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
