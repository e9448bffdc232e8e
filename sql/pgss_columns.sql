-- pg_perfgate_statements has every column pg_stat_statements has on this server's major, with the
-- same name and type (15 and 16: 1.10; 17: 1.11, shared_blk_*_time, local_blk_*_time, jit_deform_*;
-- 18: 1.12, also wal_buffers_full and parallel_workers_*), so a dashboard written for one reads the
-- other. pg_stat_statements need not be preloaded to be created and described.
-- stats_since and minmax_stats_since (17 and later) are left out here: another change adds them.
CREATE EXTENSION pg_stat_statements;
SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type
  FROM pg_attribute a
 WHERE a.attrelid = 'pg_stat_statements'::regclass AND a.attnum > 0
   AND a.attname NOT IN ('stats_since', 'minmax_stats_since')
EXCEPT
SELECT a.attname, format_type(a.atttypid, a.atttypmod)
  FROM pg_attribute a
 WHERE a.attrelid = 'pg_perfgate_statements'::regclass AND a.attnum > 0
 ORDER BY 1;
-- And no column under a name that pg_stat_statements gave up on this major (blk_read_time on 17).
SELECT a.attname
  FROM pg_attribute a
 WHERE a.attrelid = 'pg_perfgate_statements'::regclass AND a.attnum > 0
   AND a.attname ~ '^(blk_|shared_blk_|local_blk_)[a-z]+_time$'
EXCEPT
SELECT a.attname
  FROM pg_attribute a
 WHERE a.attrelid = 'pg_stat_statements'::regclass AND a.attnum > 0;
-- The new counters count: temporary-table I/O time under track_io_timing shows in
-- local_blk_*_time on 17 and later (before 17 PostgreSQL does not time local blocks), never in the
-- shared (blk_*_time) column.
SET track_io_timing = on;
SELECT pg_perfgate_reset();
SET temp_buffers = '1MB';
CREATE TEMP TABLE pgss_cols_tmp AS SELECT g AS id, repeat('x', 500) AS pad FROM generate_series(1, 20000) g;
SELECT (local_blk_write_time > 0) = (current_setting('server_version_num')::int >= 170000) AS local_time_as_counted,
       -- shared write time only for shared blocks this statement wrote itself (catalog pages it
       -- had to evict), never for the temporary table's
       (blk_write_time = 0 OR shared_blks_written > 0) AS no_temp_time_as_shared
  FROM pg_perfgate_internal(true, 0) WHERE query LIKE 'CREATE TEMP TABLE pgss_cols_tmp%';
DISCARD TEMP;
RESET track_io_timing;
DROP EXTENSION pg_stat_statements;
