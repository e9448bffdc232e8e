-- Constants are normalized into one entry whose text shows $n, as pg_stat_statements shows it.
SET pg_perfgate.track_utility = off;
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SELECT 1 + 2 AS three;
SELECT 3 + 4 AS three;
SELECT 'a' || 'b' AS s;
SELECT 'xyz' || 'b' AS s;
SELECT abs(-5) AS neg;
SELECT abs(-7) AS neg;
SELECT * FROM (VALUES (1, 'one'), (2, 'two')) v(n, s) WHERE n = 1;
SELECT * FROM (VALUES (8, 'eight'), (9, 'nine')) v(n, s) WHERE n = 9;
-- Two statements in one query string get their own entries.
SELECT 10 * 2 AS ten \; SELECT upper('x') AS ex;
SELECT 11 * 3 AS ten \; SELECT upper('y') AS ex;
-- Comments and white space do not make another entry; the first text seen is kept.
SELECT 1 + 2   AS three /* a comment */;
SELECT calls, rows, query FROM pg_perfgate_statements
 WHERE query NOT LIKE '%pg_perfgate%' ORDER BY query COLLATE "C";
-- A client's statement keeps its own text when a nested one with the same query id was parsed
-- first: under track = all, the PL/pgSQL loop bound "1" below and the client's SELECT 42 AS after
-- are both a SELECT of one constant (one query id), and the client's entry must not read "$1".
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SET pg_perfgate.track = 'all';
DO $$
BEGIN
  FOR i IN 1..1 LOOP
    EXECUTE 'SELECT 5 + 6';
  END LOOP;
END $$;
SELECT 42 AS after;
SELECT toplevel, query FROM pg_perfgate_statements
 WHERE query NOT LIKE '%pg_perfgate%' AND query NOT LIKE 'DO%' AND query NOT LIKE 'SET%'
 ORDER BY toplevel, query COLLATE "C";
RESET pg_perfgate.track;
