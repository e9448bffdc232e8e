-- Calls and rows for selects, inserts, updates and deletes; timing properties, never values.
CREATE EXTENSION pg_perfgate;
SET pg_perfgate.track_utility = off;
SELECT pg_perfgate_reset() IS NOT NULL AS t;

CREATE TABLE items (id int PRIMARY KEY, name text, qty int);
INSERT INTO items SELECT g, 'item' || g, g % 10 FROM generate_series(1, 100) g;
SELECT name FROM items WHERE id = 1;
SELECT name FROM items WHERE id = 2;
SELECT name FROM items WHERE id = 3;
SELECT count(*) FROM items WHERE qty = 3;
UPDATE items SET qty = qty + 1 WHERE id <= 10;
DELETE FROM items WHERE id > 90;
INSERT INTO items VALUES (1000, 'x', 1);
INSERT INTO items VALUES (1001, 'y', 2);
SELECT name FROM items WHERE id = 4242;   -- no row

SELECT toplevel, calls, rows, query FROM pg_perfgate_statements
 WHERE query NOT LIKE '%pg_perfgate%' ORDER BY query COLLATE "C";

-- Every entry has a plan id, sane times, percentiles in order, and timestamps.
SELECT bool_and(planid <> 0) AS planned,
       bool_and(total_exec_time > 0 AND min_exec_time > 0 AND min_exec_time <= mean_exec_time
                AND mean_exec_time <= max_exec_time) AS times_ok,
       bool_and(p50_exec_time >= min_exec_time AND p50_exec_time <= p95_exec_time
                AND p95_exec_time <= p99_exec_time AND p99_exec_time <= max_exec_time) AS percentiles_ok,
       bool_and(first_seen <= last_seen AND last_seen <= now()) AS seen_ok,
       bool_and(dbid = (SELECT oid FROM pg_database WHERE datname = current_database())) AS this_db,
       bool_and(userid = (SELECT oid FROM pg_roles WHERE rolname = current_user)) AS this_user
  FROM pg_perfgate_statements WHERE query NOT LIKE '%pg_perfgate%';

-- The point select was a single-row lookup: a buffer hit or read per call, and no WAL.
SELECT shared_blks_hit + shared_blks_read >= calls AS touched_buffers, wal_records = 0 AS no_wal
  FROM pg_perfgate_statements WHERE query = 'SELECT name FROM items WHERE id = $1';
-- The writes wrote WAL.
SELECT query, wal_records > 0 AS wrote_wal, wal_bytes > 0 AS wal_bytes
  FROM pg_perfgate_statements WHERE query ~ '^(UPDATE|DELETE)' ORDER BY query COLLATE "C";

-- The standard deviation of a single call is zero, of several calls not negative.
SELECT calls, stddev_exec_time = 0 AS zero FROM pg_perfgate_statements WHERE query LIKE 'UPDATE%';

-- The statement counts agree with the hot-queries view, and shares add up to 100%.
SELECT sum(calls) FILTER (WHERE query NOT LIKE '%pg_perfgate%') AS calls,
       round(sum(time_share_pct)) AS total_share FROM pg_perfgate_hot_queries WHERE toplevel;

-- A parallel query is counted once, by its leader, with every worker's rows and buffers in it.
CREATE TABLE wide AS SELECT g AS id, g % 7 AS k FROM generate_series(1, 50000) g;
ANALYZE wide;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SELECT count(*) FROM wide WHERE k = 3;
SELECT count(*) FROM wide WHERE k = 5;
SELECT calls, rows,
       shared_blks_hit + shared_blks_read >= 2 * (SELECT relpages FROM pg_class WHERE relname = 'wide') AS read_whole_table_twice
  FROM pg_perfgate_statements WHERE query = 'SELECT count(*) FROM wide WHERE k = $1';
SELECT plan ~ 'Parallel Seq Scan' AS parallel FROM pg_perfgate_plans
 WHERE query = 'SELECT count(*) FROM wide WHERE k = $1';
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- The local, temp and WAL counters are added only when an execution had any (io_more): a temporary
-- table's blocks, a write's WAL and a spilled sort's temp blocks still reach the entry and its
-- recent window, repeated executions included (the remembered-entry path).
SET work_mem = '64kB';
CREATE TEMP TABLE sel_tmp AS SELECT g AS id, md5(g::text) AS t FROM generate_series(1, 5000) g;
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SELECT count(*) FROM sel_tmp WHERE id > 0;
SELECT count(*) FROM sel_tmp WHERE id > 0;
SELECT count(*) FROM (SELECT t FROM sel_tmp ORDER BY t OFFSET 1) s;
SELECT count(*) FROM (SELECT t FROM sel_tmp ORDER BY t OFFSET 1) s;
UPDATE items SET qty = qty WHERE id = 1;
UPDATE items SET qty = qty WHERE id = 1;
SELECT count(*) FROM items;
SELECT count(*) FROM items;
SELECT query, calls, local_blks_hit + local_blks_read > 0 AS local_blocks, temp_blks_written > 0 AS temp_blocks,
       wal_records >= calls AS wal
  FROM pg_perfgate_statements WHERE query ~ '^(SELECT count|UPDATE items)' ORDER BY query COLLATE "C";
SELECT r.query, sum(r.calls) AS calls, sum(r.local_blks_hit + r.local_blks_read) > 0 AS local_blocks,
       sum(r.temp_blks_written) > 0 AS temp_blocks, sum(r.wal_bytes) > 0 AS wal
  FROM pg_perfgate_recent_internal(true, 0, 0) r WHERE r.query ~ '^(SELECT count|UPDATE items)'
 GROUP BY r.query ORDER BY r.query COLLATE "C";
RESET work_mem;
