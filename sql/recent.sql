-- The recent windows (pg_perfgate_recent, pg_perfgate_recent_plans) with the default ring: what
-- ran is there, grouped like pg_perfgate_hot_queries, and texts follow the pg_stat_statements rule
-- (another role's query text, query id and plan are NULL) as in every other view.
SET pg_perfgate.track_utility = off;
SELECT pg_perfgate_reset() IS NOT NULL AS t;
CREATE TABLE recent_t (id int PRIMARY KEY, v text);
INSERT INTO recent_t SELECT g, 'v' || g FROM generate_series(1, 10) g;
SELECT v FROM recent_t WHERE id = 1;
SELECT v FROM recent_t WHERE id = 2;
SELECT v FROM recent_t WHERE id IN (1, 2);
SELECT v FROM recent_t WHERE id IN (1, 2, 3);
SELECT calls, rows, variants, queryid IS NOT NULL AS has_queryid, window_start <= now() AS started,
       p95_exec_time > 0 AS has_p95,
       -- a group is named by its busiest IN-list variant, which timing decides: the list is elided
       regexp_replace(query, 'IN \(\$[^)]*\)', 'IN (...)') AS query
  FROM pg_perfgate_recent() WHERE query LIKE '%recent_t%' ORDER BY pg_perfgate_recent.query COLLATE "C";
SELECT count(*) AS plans, sum(calls) AS calls, bool_and(plan IS NOT NULL) AS with_plans
  FROM pg_perfgate_recent_plans(60) WHERE query LIKE '%recent_t%';
-- A role without pg_read_all_stats sees the rows and counters, not the texts, query ids or plans.
CREATE ROLE regress_recent_plain;
GRANT SELECT ON recent_t TO regress_recent_plain;
SET ROLE regress_recent_plain;
SELECT v FROM recent_t WHERE id = 3;
-- (The group of its own statement shows its own text: it ran one of the group's entries.)
SELECT count(*) FILTER (WHERE query LIKE '%recent_t%' AND query <> 'SELECT v FROM recent_t WHERE id = $1')
         AS others_texts,
       count(*) FILTER (WHERE queryid IS NULL AND query IS NULL AND calls > 0) AS hidden_rows
  FROM pg_perfgate_recent() WHERE datname = current_database();
SELECT count(*) FILTER (WHERE query LIKE '%recent_t%') AS own_text FROM pg_perfgate_recent()
 WHERE query = 'SELECT v FROM recent_t WHERE id = $1';
SELECT count(*) FILTER (WHERE plan IS NOT NULL AND queryid IS NULL) AS plans_of_hidden_rows,
       count(*) FILTER (WHERE plan IS NULL AND queryid IS NULL) > 0 AS some_hidden
  FROM pg_perfgate_recent_plans();
RESET ROLE;
DROP TABLE recent_t;
DROP ROLE regress_recent_plain;
