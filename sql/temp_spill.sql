-- temp_spill: a sort or hash that did not fit in work_mem wrote temporary files. A real spill: a
-- sort of 50,000 rows in 64 kB of work_mem. The finding names the node and the memory it needed.
SET pg_perfgate.track_utility = off;
CREATE TABLE spill_rows (id int, v text);
INSERT INTO spill_rows SELECT g, md5(g::text) FROM generate_series(1, 50000) g;
ANALYZE spill_rows;
SELECT pg_perfgate_reset() IS NOT NULL AS t;

SET work_mem = '64kB';
SET max_parallel_workers_per_gather = 0;
SELECT count(*) FROM (SELECT v FROM spill_rows ORDER BY v OFFSET 10) s;
SELECT count(*) FROM (SELECT v FROM spill_rows ORDER BY v OFFSET 10) s;
SELECT count(*) FROM (SELECT a.v FROM spill_rows a JOIN spill_rows b USING (id)) s;
-- A sort in enough memory writes nothing.
SET work_mem = '64MB';
SELECT count(*) FROM (SELECT v FROM spill_rows ORDER BY v DESC OFFSET 10) s;
RESET work_mem;
RESET max_parallel_workers_per_gather;

SELECT kind, occurrences, calls, largest > 1024 AS needs_more_than_1mb,
       regexp_replace(detail, '[0-9]+ kB', 'N kB') AS detail,
       regexp_replace(advice, '[0-9]+', 'N', 'g') AS advice,
       query
  FROM pg_perfgate_antipatterns WHERE kind = 'temp_spill' ORDER BY query COLLATE "C";
-- The statement that fit in memory is not a finding; its temp_blks_written is 0.
SELECT temp_blks_written = 0 AS in_memory FROM pg_perfgate_statements WHERE query LIKE '%v DESC%';
-- The advice is in whole megabytes, and at least the memory the sort needed.
SELECT substring(advice FROM '''([0-9]+)MB''')::int * 1024 >= largest AS enough
  FROM pg_perfgate_antipatterns WHERE kind = 'temp_spill' AND detail LIKE 'Sort%';
DROP TABLE spill_rows;
