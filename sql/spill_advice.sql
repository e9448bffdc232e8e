-- Advice that works when applied (issue 18): each numeric advice is applied and the statement run
-- again. The advised work_mem keeps a sort, a hash join and a hash aggregate in memory, also where the
-- earlier advice (twice the disk figure, in power-of-two MB) was too small; a spill seen again after
-- an advice was applied advises more; the advised index is used and the scan finding goes away.
SET pg_perfgate.track_utility = off;
SET max_parallel_workers_per_gather = 0;
CREATE TABLE sp_two (a int, b int);
INSERT INTO sp_two SELECT (g * 7919) % 200003, g FROM generate_series(1, 200000) g;
CREATE TABLE sp_txt AS SELECT g AS id, md5(g::text) AS t FROM generate_series(1, 100000) g;
CREATE TABLE sp_big AS SELECT g AS id, md5(g::text) AS t, g % 100000 AS k FROM generate_series(1, 300000) g;
-- No statistics: the planner takes the text column for 32 bytes wide, its values are 1 to 3.
CREATE TABLE sp_narrow (a int, t text) WITH (autovacuum_enabled = off);
INSERT INTO sp_narrow SELECT g, (g % 997)::text FROM generate_series(1, 200000) g;
ANALYZE sp_two, sp_txt, sp_big;
-- Whether a statement spills: its EXPLAIN (ANALYZE) says so.
CREATE FUNCTION spills(q text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  l text;
BEGIN
  FOR l IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q LOOP
    IF l ~ 'external|Disk:|Disk Usage|Batches: ([2-9]|[1-9][0-9]+) ' THEN
      RETURN true;
    END IF;
  END LOOP;
  RETURN false;
END $$;
-- The advice's work_mem, and the one the earlier formula gave: twice the kB on disk, rounded up to
-- a power of two in MB.
CREATE VIEW advised AS
  SELECT query, substring(advice FROM 'work_mem = ''([0-9]+MB)''') AS work_mem,
         (2 ^ ceil(log(2, greatest(2 * substring(detail FROM '([0-9]+) kB on disk')::numeric / 1024, 1))))::int
           || 'MB' AS old_work_mem,
         largest
    FROM pg_perfgate_antipatterns WHERE kind = 'temp_spill';

-- 1. A sort of narrow rows (two ints) needs four times its disk figure: the old advice spilled.
SET work_mem = '1MB';
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SELECT count(*) FROM (SELECT * FROM sp_two ORDER BY a OFFSET 1) s;
SELECT work_mem AS wm, old_work_mem AS old_wm FROM advised WHERE query LIKE '%sp_two%' \gset
BEGIN;
SET LOCAL work_mem = :'old_wm';
SELECT spills('SELECT count(*) FROM (SELECT * FROM sp_two ORDER BY a OFFSET 1) s') AS old_advice_spills;
SET LOCAL work_mem = :'wm';
SELECT spills('SELECT count(*) FROM (SELECT * FROM sp_two ORDER BY a OFFSET 1) s') AS advice_spills;
COMMIT;

-- 2. A sort of an int and a 32-character text.
SELECT count(*) FROM (SELECT * FROM sp_txt ORDER BY t OFFSET 1) s;
SELECT work_mem AS wm, old_work_mem AS old_wm FROM advised WHERE query LIKE '%sp_txt%' \gset
BEGIN;
SET LOCAL work_mem = :'old_wm';
SELECT spills('SELECT count(*) FROM (SELECT * FROM sp_txt ORDER BY t OFFSET 1) s') AS old_advice_spills;
SET LOCAL work_mem = :'wm';
SELECT spills('SELECT count(*) FROM (SELECT * FROM sp_txt ORDER BY t OFFSET 1) s') AS advice_spills;
COMMIT;

-- 3. A hash join: the planner, too, must think the inner side fits, or it plans batches anyway.
SET enable_mergejoin = off;
SET enable_nestloop = off;
SELECT count(*) FROM sp_big a JOIN sp_big b ON a.t = b.t;
SELECT work_mem AS wm FROM advised WHERE query LIKE '%JOIN sp_big%' \gset
BEGIN;
SET LOCAL work_mem = :'wm';
SELECT spills('SELECT count(*) FROM sp_big a JOIN sp_big b ON a.t = b.t') AS advice_spills;
COMMIT;
RESET enable_mergejoin;
RESET enable_nestloop;

-- 4. A hash aggregate over 100,000 groups.
SET enable_sort = off;
SELECT count(*) FROM (SELECT k, count(*) FROM sp_big GROUP BY k) s;
SELECT work_mem AS wm FROM advised WHERE query LIKE '%GROUP BY k%' \gset
BEGIN;
SET LOCAL work_mem = :'wm';
SELECT spills('SELECT count(*) FROM (SELECT k, count(*) FROM sp_big GROUP BY k) s') AS advice_spills;
COMMIT;
RESET enable_sort;

-- 5. When the planner's width is wrong the sort's first estimate is too small; the finding seen
-- again with that work_mem says so and advises more, until the sort fits.
SELECT count(*) FROM (SELECT * FROM sp_narrow ORDER BY t OFFSET 1) s;
SELECT work_mem AS wm, largest AS need1 FROM advised WHERE query LIKE '%sp_narrow%' \gset
BEGIN;
SET LOCAL work_mem = :'wm';
SELECT spills('SELECT count(*) FROM (SELECT * FROM sp_narrow ORDER BY t OFFSET 1) s') AS first_advice_spills;
SELECT count(*) FROM (SELECT * FROM sp_narrow ORDER BY t OFFSET 1) s;
COMMIT;
SELECT largest > :need1 AS advises_more, detail ~ ('with work_mem ' || (replace(:'wm', 'MB', '')::int * 1024)::text || ' kB') AS says_so
  FROM pg_perfgate_antipatterns WHERE kind = 'temp_spill' AND query LIKE '%sp_narrow%';
SELECT work_mem AS wm FROM advised WHERE query LIKE '%sp_narrow%' \gset
BEGIN;
SET LOCAL work_mem = :'wm';
SELECT spills('SELECT count(*) FROM (SELECT * FROM sp_narrow ORDER BY t OFFSET 1) s') AS second_advice_spills;
COMMIT;
RESET work_mem;

-- 6. The advised index is one the planner uses, and the scan finding goes away.
SET pg_perfgate.sample_rate = 1;
CREATE TABLE sp_orders (id int, customer int, note text);
INSERT INTO sp_orders SELECT g, g % 5000, 'n' FROM generate_series(1, 50000) g;
ANALYZE sp_orders;
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SELECT count(*) FROM sp_orders WHERE customer = 42;
SELECT detail, advice FROM pg_perfgate_antipatterns WHERE kind = 'filter_heavy_seq_scan';
SELECT format('CREATE INDEX ON %s', detail) FROM pg_perfgate_antipatterns WHERE kind = 'filter_heavy_seq_scan' \gexec
ANALYZE sp_orders;
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SELECT count(*) FROM sp_orders WHERE customer = 42;
SELECT count(*) AS scan_findings FROM pg_perfgate_antipatterns WHERE kind = 'filter_heavy_seq_scan';
SELECT plan ~ 'Index' AS uses_index FROM pg_perfgate_plans WHERE query LIKE '%sp_orders WHERE customer%';
RESET pg_perfgate.sample_rate;
DROP TABLE sp_two, sp_txt, sp_big, sp_narrow, sp_orders CASCADE;
DROP FUNCTION spills(text);
