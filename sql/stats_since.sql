-- Each row says since when its figures run (stats_since, minmax_stats_since: pg_stat_statements
-- 1.11's columns), and pg_perfgate_reset(..., minmax_only => true) starts only the min/max times
-- afresh, as pg_stat_statements_reset(..., minmax_only) does.
SET pg_perfgate.track_utility = off;
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SELECT now() AS t0 \gset
SELECT pg_sleep(0.02) AS slow;
SELECT pg_sleep(0.001) AS slow;
SELECT 'other' AS other;
SELECT calls, min_exec_time < max_exec_time AS spread, stats_since >= :'t0' AS since_after_reset,
       minmax_stats_since = stats_since AS same
  FROM pg_perfgate_statements WHERE query = 'SELECT pg_sleep($1) AS slow';
-- Grouped rows and the other views say it too.
SELECT count(*) AS rows_with_since FROM pg_perfgate_plans
 WHERE query = 'SELECT pg_sleep($1) AS slow' AND stats_since IS NOT NULL AND minmax_stats_since IS NOT NULL;
SELECT stats_since IS NOT NULL AND minmax_stats_since IS NOT NULL AS has_since
  FROM pg_perfgate_hot_queries WHERE query = 'SELECT pg_sleep($1) AS slow';
SELECT stats_since AS since, minmax_stats_since AS minmax_since FROM pg_perfgate_statements
 WHERE query = 'SELECT pg_sleep($1) AS slow' \gset

-- A min/max-only reset of one query id: nothing is removed, the counts stay, min and max read 0
-- until the next execution sets both, and only that entry's minmax_stats_since moves.
SELECT pg_perfgate_reset(0, 0, queryid, minmax_only => true) IS NOT NULL AS t
  FROM pg_perfgate_statements WHERE query = 'SELECT pg_sleep($1) AS slow';
SELECT calls, min_exec_time, max_exec_time, total_exec_time > 0 AS total_kept, stats_since = :'since' AS since_kept,
       minmax_stats_since > :'minmax_since' AS minmax_moved
  FROM pg_perfgate_statements WHERE query = 'SELECT pg_sleep($1) AS slow';
SELECT minmax_stats_since = stats_since AS untouched FROM pg_perfgate_statements WHERE query = 'SELECT $1 AS other';
-- Percentiles come from the histogram, which runs since stats_since.
SELECT p95_exec_time > 0 AS p95_from_histogram, mean_exec_time > 0 AS mean_kept
  FROM pg_perfgate_plans WHERE query = 'SELECT pg_sleep($1) AS slow';
SELECT pg_sleep(0.005) AS slow;
SELECT calls, min_exec_time = max_exec_time AS one_value, min_exec_time > 0 AS set_again
  FROM pg_perfgate_statements WHERE query = 'SELECT pg_sleep($1) AS slow';
SELECT count(*) AS entries_kept FROM pg_perfgate_statements WHERE query NOT LIKE '%pg_perfgate%';

-- The default (no arguments, as before) is the full reset; minmax_only is for superusers like it.
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SELECT count(*) AS after_full_reset FROM pg_perfgate_statements WHERE query LIKE '%AS slow';
CREATE ROLE regress_minmax;
SET ROLE regress_minmax;
SELECT pg_perfgate_reset(minmax_only => true);
RESET ROLE;
DROP ROLE regress_minmax;
