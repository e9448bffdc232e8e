/* pg_perfgate--1.0.sql */

\echo Use "CREATE EXTENSION pg_perfgate" to load this file. \quit

CREATE FUNCTION pg_perfgate_internal(
    IN showtext boolean,
    IN group_by integer,
    OUT userid oid,
    OUT dbid oid,
    OUT toplevel boolean,
    OUT queryid bigint,
    OUT planid bigint,
    OUT query text,
    OUT plan text,
    OUT calls bigint,
    OUT total_exec_time float8,
    OUT min_exec_time float8,
    OUT max_exec_time float8,
    OUT mean_exec_time float8,
    OUT stddev_exec_time float8,
    OUT p50_exec_time float8,
    OUT p95_exec_time float8,
    OUT p99_exec_time float8,
    OUT plans bigint,
    OUT total_plan_time float8,
    OUT min_plan_time float8,
    OUT max_plan_time float8,
    OUT mean_plan_time float8,
    OUT stddev_plan_time float8,
    OUT rows bigint,
    OUT shared_blks_hit bigint,
    OUT shared_blks_read bigint,
    OUT shared_blks_dirtied bigint,
    OUT shared_blks_written bigint,
    OUT local_blks_hit bigint,
    OUT local_blks_read bigint,
    OUT local_blks_dirtied bigint,
    OUT local_blks_written bigint,
    OUT temp_blks_read bigint,
    OUT temp_blks_written bigint,
    OUT blk_read_time float8,
    OUT blk_write_time float8,
    OUT temp_blk_read_time float8,
    OUT temp_blk_write_time float8,
    OUT wal_records bigint,
    OUT wal_fpi bigint,
    OUT wal_bytes numeric,
    OUT first_seen timestamptz,
    OUT last_seen timestamptz,
    OUT plan_count integer,
    OUT query_group bigint,
    OUT jit_functions bigint,
    OUT jit_generation_time float8,
    OUT jit_inlining_count bigint,
    OUT jit_inlining_time float8,
    OUT jit_optimization_count bigint,
    OUT jit_optimization_time float8,
    OUT jit_emission_count bigint,
    OUT jit_emission_time float8,
    OUT errors bigint,
    OUT variants integer,
    OUT queryids bigint[],
    -- Counters of later majors, 0 on earlier ones (pg_perfgate_statements shows a major's own).
    OUT local_blk_read_time float8,
    OUT local_blk_write_time float8,
    OUT jit_deform_count bigint,
    OUT jit_deform_time float8,
    OUT parallel_workers_to_launch bigint,
    OUT parallel_workers_launched bigint,
    OUT wal_buffers_full bigint,
    OUT stats_since timestamptz,
    OUT minmax_stats_since timestamptz
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pg_perfgate_internal'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;

-- One row per (userid, dbid, toplevel, queryid, planid); columns named as in pg_stat_statements,
-- the columns that the server's major has there, in its order: on 15 and 16 those of
-- pg_stat_statements 1.10; on 17 (1.11) blk_*_time split into shared_blk_*_time and
-- local_blk_*_time, and jit_deform_*; on 18 (1.12) also wal_buffers_full and parallel_workers_*.
DO $$
DECLARE
  major integer := current_setting('server_version_num')::integer / 10000;
BEGIN
  EXECUTE format($view$
CREATE VIEW pg_perfgate_statements AS
  SELECT userid, dbid, toplevel, queryid, planid, query_group, query,
         plans, total_plan_time, min_plan_time, max_plan_time, mean_plan_time, stddev_plan_time,
         calls, total_exec_time, min_exec_time, max_exec_time, mean_exec_time, stddev_exec_time,
         p50_exec_time, p95_exec_time, p99_exec_time,
         rows,
         shared_blks_hit, shared_blks_read, shared_blks_dirtied, shared_blks_written,
         local_blks_hit, local_blks_read, local_blks_dirtied, local_blks_written,
         temp_blks_read, temp_blks_written,
         %s temp_blk_read_time, temp_blk_write_time,
         wal_records, wal_fpi, wal_bytes, %s
         jit_functions, jit_generation_time, jit_inlining_count, jit_inlining_time,
         jit_optimization_count, jit_optimization_time, jit_emission_count, jit_emission_time, %s
         first_seen, last_seen, stats_since, minmax_stats_since
  FROM pg_perfgate_internal(true, 0)$view$,
    CASE WHEN major >= 17
      THEN 'blk_read_time AS shared_blk_read_time, blk_write_time AS shared_blk_write_time,
            local_blk_read_time, local_blk_write_time,'
      ELSE 'blk_read_time, blk_write_time,' END,
    CASE WHEN major >= 18 THEN 'wal_buffers_full,' ELSE '' END,
    CASE WHEN major >= 18
      THEN 'jit_deform_count, jit_deform_time, parallel_workers_to_launch, parallel_workers_launched,'
      WHEN major >= 17 THEN 'jit_deform_count, jit_deform_time,'
      ELSE '' END);
END $$;

-- One row per (dbid, queryid, planid) over all users: the plan's shape and how it performed.
CREATE VIEW pg_perfgate_plans AS
  SELECT dbid, queryid, planid, plan,
         calls, total_exec_time, min_exec_time, max_exec_time, mean_exec_time, stddev_exec_time,
         p50_exec_time, p95_exec_time, p99_exec_time, rows,
         plans, total_plan_time, mean_plan_time,
         shared_blks_hit, shared_blks_read, temp_blks_written,
         first_seen, last_seen, query, stats_since, minmax_stats_since
  FROM pg_perfgate_internal(true, 1)
  WHERE planid <> 0;

-- Queries seen with two or more plans: each plan's figures and how it compares with the best one.
-- Only queries whose id the caller may see: rows with a hidden (NULL) query id cannot be told apart
-- and would all fall into one "query".
CREATE VIEW pg_perfgate_plan_changes AS
  SELECT dbid, queryid, planid, calls, mean_exec_time, p95_exec_time, first_seen, last_seen,
         last_seen = max(last_seen) OVER w AS latest,
         CASE WHEN calls > 0 THEN mean_exec_time / nullif(min(mean_exec_time) FILTER (WHERE calls > 0) OVER w, 0)
         END AS slowdown_vs_best,
         plan, query, stats_since, minmax_stats_since
  FROM (SELECT p.*, count(*) OVER (PARTITION BY p.dbid, p.queryid) AS nplans
        FROM pg_perfgate_plans p WHERE p.queryid IS NOT NULL) s
  WHERE nplans >= 2
  WINDOW w AS (PARTITION BY dbid, queryid);

CREATE FUNCTION pg_perfgate_antipatterns_internal(
    OUT kind text,
    OUT userid oid,
    OUT dbid oid,
    OUT queryid bigint,
    OUT related_queryid bigint,
    OUT related_rows bigint,
    OUT occurrences bigint,
    OUT calls bigint,
    OUT total_time float8,
    OUT largest bigint,
    OUT rows_discarded bigint,
    OUT detail text,
    OUT first_seen timestamptz,
    OUT last_seen timestamptz,
    OUT advice text,
    OUT muted boolean,
    OUT mute_note text
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pg_perfgate_antipatterns_internal'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

-- ---- Findings: what the detectors found, accepted findings (mutes), the hot queries' labels ----
-- What the detectors found: one row per (kind, user, database, query id, related query id), muted
-- ones (accepted by a DBA with pg_perfgate_mute) included and marked.
-- The query text comes from the same role's statement entries, read once (not once per row); the
-- query ids, detail, concrete advice and mute note of another role's finding are not shown (see views.cpp).
CREATE VIEW pg_perfgate_antipatterns_all AS
  WITH q AS MATERIALIZED (
    SELECT userid, dbid, queryid, min(query) AS query
      FROM pg_perfgate_internal(true, 0)
     WHERE query IS NOT NULL
     GROUP BY userid, dbid, queryid)
  SELECT a.kind, a.dbid, d.datname, a.userid, a.queryid, q.query,
         a.related_queryid, a.related_rows,
         a.occurrences, a.calls, a.total_time, a.largest, a.rows_discarded, a.detail,
         a.first_seen, a.last_seen, a.advice, a.muted, a.mute_note
  FROM pg_perfgate_antipatterns_internal() a
  LEFT JOIN pg_catalog.pg_database d ON d.oid = a.dbid
  LEFT JOIN q ON q.userid = a.userid AND q.dbid = a.dbid AND q.queryid = a.queryid;

-- The findings nobody has accepted yet: what needs doing.
CREATE VIEW pg_perfgate_antipatterns AS
  SELECT kind, dbid, datname, userid, queryid, query, related_queryid, related_rows,
         occurrences, calls, total_time, largest, rows_discarded, detail, first_seen, last_seen, advice
  FROM pg_perfgate_antipatterns_all
  WHERE NOT muted;

-- One row per (dbid, query_group, toplevel) over all plans, users and IN-list variants, ranked by
-- total execution time; queryid is the group's busiest query id the caller may see, queryids all of
-- them (each a row in pg_perfgate_statements and pg_stat_statements). antipatterns lists the
-- unmuted findings about the group's statements, parent_of the loops whose parent they are (the
-- statement that returned the rows a loop then looked up one by one), muted_findings how many
-- findings about them were accepted.
CREATE VIEW pg_perfgate_hot_queries AS
  WITH a AS MATERIALIZED (SELECT dbid, queryid, related_queryid, kind, muted FROM pg_perfgate_antipatterns_internal())
  SELECT rank() OVER (ORDER BY h.total_exec_time DESC) AS rank,
         h.dbid, d.datname, h.toplevel, h.query_group, h.queryid, h.variants, h.queryids,
         h.calls, h.total_exec_time,
         round((100 * h.total_exec_time /
                nullif(sum(h.total_exec_time) OVER (PARTITION BY h.toplevel), 0))::numeric, 2) AS time_share_pct,
         h.mean_exec_time, h.p95_exec_time,
         h.rows::float8 / nullif(h.calls, 0) AS rows_per_call,
         h.plan_count, h.errors,
         (SELECT array_agg(DISTINCT a.kind ORDER BY a.kind) FROM a
           WHERE a.dbid = h.dbid AND a.queryid = ANY (h.queryids) AND NOT a.muted)
           AS antipatterns,
         (SELECT array_agg(DISTINCT a.kind ORDER BY a.kind) FROM a
           WHERE a.dbid = h.dbid AND a.related_queryid = ANY (h.queryids) AND NOT a.muted)
           AS parent_of,
         (SELECT count(*) FROM a WHERE a.dbid = h.dbid AND a.queryid = ANY (h.queryids) AND a.muted)
           AS muted_findings,
         h.query, h.stats_since, h.minmax_stats_since
  FROM pg_perfgate_internal(true, 3) h
  LEFT JOIN pg_catalog.pg_database d ON d.oid = h.dbid
  WHERE h.calls > 0;

-- Accepted findings. A mute covers the findings of one kind about one query id, of one role and one
-- database or (0, the default) of any. Not transactional, kept in a file of its own across restarts.
CREATE FUNCTION pg_perfgate_mute(kind text, queryid bigint, note text, userid oid DEFAULT 0, dbid oid DEFAULT 0)
RETURNS void
AS 'MODULE_PATHNAME', 'pg_perfgate_mute'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION pg_perfgate_unmute(kind text, queryid bigint, userid oid DEFAULT 0, dbid oid DEFAULT 0)
RETURNS bigint
AS 'MODULE_PATHNAME', 'pg_perfgate_unmute'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION pg_perfgate_mutes_internal(
    OUT kind text,
    OUT queryid bigint,
    OUT userid oid,
    OUT dbid oid,
    OUT note text,
    OUT muted_by oid,
    OUT muted_at timestamptz
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pg_perfgate_mutes_internal'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

CREATE VIEW pg_perfgate_mutes AS
  SELECT m.kind, m.queryid, m.userid, r.rolname, m.dbid, d.datname, m.note,
         b.rolname AS muted_by, m.muted_at
  FROM pg_perfgate_mutes_internal() m
  LEFT JOIN pg_catalog.pg_roles r ON r.oid = m.userid
  LEFT JOIN pg_catalog.pg_database d ON d.oid = m.dbid
  LEFT JOIN pg_catalog.pg_roles b ON b.oid = m.muted_by;

-- Muting changes what every role is told: a superuser's decision, which it may delegate (GRANT
-- EXECUTE). The list is for those who may read every role's statistics.
REVOKE ALL ON FUNCTION pg_perfgate_mute(text, bigint, text, oid, oid) FROM PUBLIC;
REVOKE ALL ON FUNCTION pg_perfgate_unmute(text, bigint, oid, oid) FROM PUBLIC;
REVOKE ALL ON FUNCTION pg_perfgate_mutes_internal() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pg_perfgate_mutes_internal() TO pg_read_all_stats;
REVOKE ALL ON pg_perfgate_mutes FROM PUBLIC;
GRANT SELECT ON pg_perfgate_mutes TO pg_read_all_stats;
GRANT SELECT ON pg_perfgate_antipatterns_all TO PUBLIC;
COMMENT ON VIEW pg_perfgate_antipatterns_all IS
  'Every finding of the detectors, accepted (muted) ones included: pg_perfgate_antipatterns plus muted and mute_note';
COMMENT ON VIEW pg_perfgate_mutes IS
  'Accepted findings (pg_perfgate_mute): kind, query id, the role and database they are limited to (NULL: any), the note, who muted and when';
COMMENT ON COLUMN pg_perfgate_antipatterns_all.muted IS 'A DBA accepted this finding (pg_perfgate_mute): left out of pg_perfgate_antipatterns and the *_action checks';
COMMENT ON COLUMN pg_perfgate_antipatterns_all.mute_note IS 'Why it was accepted (NULL unless muted and your role''s or pg_read_all_stats)';
COMMENT ON COLUMN pg_perfgate_hot_queries.parent_of IS 'Loop kinds whose parent this group is: it returned the rows that a loop then looked up one by one';
COMMENT ON COLUMN pg_perfgate_hot_queries.muted_findings IS 'Findings about the group''s statements that were accepted (muted)';
-- ---- end of the findings block ----

CREATE FUNCTION pg_perfgate_errors_internal(
    OUT userid oid,
    OUT dbid oid,
    OUT queryid bigint,
    OUT sqlstate text,
    OUT errors bigint,
    OUT message text,
    OUT query text,
    OUT first_seen timestamptz,
    OUT last_seen timestamptz
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pg_perfgate_errors_internal'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

-- Failed statements: one row per (user, database, query id, SQLSTATE). The query text is the
-- statement entry's when the statement also succeeded at times, else the one kept with the error.
CREATE VIEW pg_perfgate_errors AS
  WITH q AS MATERIALIZED (
    SELECT userid, dbid, queryid, min(query) AS query
      FROM pg_perfgate_internal(true, 0)
     WHERE query IS NOT NULL AND toplevel
     GROUP BY userid, dbid, queryid)
  SELECT e.userid, e.dbid, d.datname, e.queryid, e.sqlstate, e.errors, e.message,
         coalesce(q.query, e.query) AS query, e.first_seen, e.last_seen
  FROM pg_perfgate_errors_internal() e
  LEFT JOIN pg_catalog.pg_database d ON d.oid = e.dbid
  LEFT JOIN q ON q.userid = e.userid AND q.dbid = e.dbid AND q.queryid = e.queryid;

-- ---- pg_perfgate_activity (issue 19: first runs, the rows pg_stat_activity shows) ----------------
-- One row per client backend of the snapshot pg_stat_activity reads, with the tracked top-level
-- statement it runs (NULL columns when none); query_group and plan are published by a statement
-- running for the first time, which has no entry yet.
CREATE FUNCTION pg_perfgate_activity_internal(
    OUT pid integer,
    OUT userid oid,
    OUT dbid oid,
    OUT queryid bigint,
    OUT planid bigint,
    OUT statement_start timestamptz,
    OUT query_group bigint,
    OUT plan text
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pg_perfgate_activity_internal'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

-- What is running now: pg_stat_activity's client backends (and no other process, whatever the
-- caller may see of it), and for each one running a tracked top-level statement its plan id, plan
-- and hot-query row (matched by query_start, so a slot left by an earlier statement never shows;
-- pg_stat_activity hides query_start of sessions the caller may not inspect, and so does this view).
CREATE VIEW pg_perfgate_activity AS
  WITH s AS MATERIALIZED (SELECT * FROM pg_perfgate_activity_internal())
  SELECT a.pid, a.datname, a.usename, a.application_name, a.state, a.query_start,
         clock_timestamp() - a.query_start AS running_for, a.wait_event_type, a.wait_event,
         a.query_id AS queryid, r.planid, r.query_group,
         h.rank AS hot_rank, h.calls AS hot_calls, h.mean_exec_time AS hot_mean_exec_time,
         h.p95_exec_time AS hot_p95_exec_time, h.errors AS hot_errors, h.antipatterns AS hot_antipatterns,
         r.plan, a.query
  FROM pg_catalog.pg_stat_activity a
  JOIN s ON s.pid = a.pid
  LEFT JOIN LATERAL (SELECT s.dbid, s.planid, s.query_group, s.plan
                      WHERE s.statement_start = a.query_start AND a.state = 'active') r ON true
  LEFT JOIN pg_perfgate_hot_queries h ON h.dbid = r.dbid AND h.toplevel AND h.query_group = r.query_group;
-- ---- end of pg_perfgate_activity -------------------------------------------------------------------

CREATE FUNCTION pg_perfgate_info_internal(
    OUT entries bigint,
    OUT max bigint,
    OUT evictions bigint,
    OUT texts_truncated bigint,
    OUT plan_texts_skipped bigint,
    OUT memory_bytes bigint,
    OUT stats_reset timestamptz
)
RETURNS record
AS 'MODULE_PATHNAME', 'pg_perfgate_info_internal'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;

CREATE VIEW pg_perfgate_info AS
  SELECT * FROM pg_perfgate_info_internal();

-- This backend's execution state (the statement asking counts when it is tracked): statements on
-- the running stack, open subtransactions, nesting level, bytes of the per-backend text cache,
-- anti-pattern flushes that took the lock, executions sampled for the scan detector.
CREATE FUNCTION pg_perfgate_backend_state(
    OUT running_statements integer,
    OUT subtransactions integer,
    OUT nesting_level integer,
    OUT text_cache_bytes bigint,
    OUT antipattern_flushes bigint,
    OUT sampled_executions bigint
)
RETURNS record
AS 'MODULE_PATHNAME', 'pg_perfgate_backend_state'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

-- The version of the SQL interface these objects offer: the views and columns, functions and their
-- signatures that tools read (the perfgate harness checks it before it reads anything). It rises
-- whenever one of them changes; a tool that needs a higher one asks for ALTER EXTENSION ... UPDATE.
-- 3: pg_perfgate_hot_queries.parent_of and muted_findings, pg_perfgate_antipatterns_all, the mutes.
-- 4: pg_perfgate_param_samples().
-- 5: pg_perfgate_connections.
CREATE FUNCTION pg_perfgate_api_version()
RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS 'SELECT 5';

-- minmax_only: as pg_stat_statements_reset's (PostgreSQL 17): nothing is removed, the matching
-- statements' min/max times start afresh and their minmax_stats_since moves to now.
CREATE FUNCTION pg_perfgate_reset(userid oid DEFAULT 0, dbid oid DEFAULT 0, queryid bigint DEFAULT 0,
                                  minmax_only boolean DEFAULT false)
RETURNS void
AS 'MODULE_PATHNAME', 'pg_perfgate_reset'
LANGUAGE C STRICT PARALLEL SAFE;

GRANT SELECT ON pg_perfgate_statements, pg_perfgate_plans, pg_perfgate_hot_queries,
                pg_perfgate_plan_changes, pg_perfgate_antipatterns, pg_perfgate_errors, pg_perfgate_activity,
                pg_perfgate_info
   TO PUBLIC;
REVOKE ALL ON FUNCTION pg_perfgate_reset(oid, oid, bigint, boolean) FROM PUBLIC;

-- What \d+ says about each view and column. Times are in milliseconds, sizes in the unit named.
COMMENT ON VIEW pg_perfgate_statements IS
  'One row per (userid, dbid, toplevel, queryid, planid): execution and planning statistics of each statement and plan; columns named as in pg_stat_statements mean what they mean there';
COMMENT ON VIEW pg_perfgate_plans IS
  'One row per (dbid, queryid, planid) over all users: the plan''s shape (EXPLAIN, costs off, from its first execution) and how it performed';
COMMENT ON VIEW pg_perfgate_plan_changes IS
  'Queries seen with two or more plans: each plan''s figures and how it compares with the best one';
COMMENT ON VIEW pg_perfgate_antipatterns IS
  'What the anti-pattern detectors found: one row per (kind, user, database, query id, related query id), with advice';
COMMENT ON VIEW pg_perfgate_hot_queries IS
  'One row per (dbid, query_group, toplevel) over all users, plans and IN-list variants, ranked by total execution time';
COMMENT ON VIEW pg_perfgate_errors IS
  'Failed statements: one row per (user, database, query id, SQLSTATE); errors caught by an EXCEPTION block are not failures';
COMMENT ON VIEW pg_perfgate_activity IS
  'pg_stat_activity''s client backends, with the plan id, stored plan and hot-query row of the tracked top-level statement each one runs now';
COMMENT ON VIEW pg_perfgate_info IS
  'The statement store: entries, capacity, evictions, texts cut or skipped, shared memory, last reset';

-- Columns several views share.
DO $$
DECLARE
  c record;
  d text;
BEGIN
  FOR c IN SELECT cl.relname, a.attname
             FROM pg_class cl JOIN pg_attribute a ON a.attrelid = cl.oid AND a.attnum > 0
            WHERE cl.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
              AND cl.relname LIKE 'pg\_perfgate\_%' AND cl.relkind = 'v'
  LOOP
    d := CASE c.attname
      WHEN 'userid' THEN 'OID of the role that ran the statement'
      WHEN 'dbid' THEN 'OID of the database'
      WHEN 'datname' THEN 'Name of the database'
      WHEN 'toplevel' THEN 'True for statements a client sent, false for statements run inside functions and procedures (pg_perfgate.track = all)'
      WHEN 'queryid' THEN 'Query id, the core one pg_stat_statements shows (NULL unless the statement is your role''s or you are in pg_read_all_stats)'
      WHEN 'planid' THEN 'Plan id: a hash of the plan tree''s shape (node types, relations, indexes, join types), ignoring costs and constants; 0 for utility statements'
      WHEN 'query_group' THEN 'Hash of the normalized text with constant IN (...) / ARRAY[...] lists and same-shape VALUES rows collapsed: IN-list variants of one statement share it'
      WHEN 'query' THEN 'Normalized query text, constants as $n, cut at pg_perfgate.query_text_size bytes (NULL unless your role''s or pg_read_all_stats)'
      WHEN 'plan' THEN 'Plan text (EXPLAIN, costs off) from the plan''s first execution; carries that execution''s constants (NULL unless your role''s or pg_read_all_stats)'
      WHEN 'plans' THEN 'Number of times the statement was planned (pg_perfgate.track_planning)'
      WHEN 'total_plan_time' THEN 'Total time spent planning, ms'
      WHEN 'min_plan_time' THEN 'Shortest planning, ms'
      WHEN 'max_plan_time' THEN 'Longest planning, ms'
      WHEN 'mean_plan_time' THEN 'Mean planning time, ms'
      WHEN 'stddev_plan_time' THEN 'Population standard deviation of the planning time, ms'
      WHEN 'calls' THEN 'Number of executions'
      WHEN 'total_exec_time' THEN 'Total execution time, ms'
      WHEN 'min_exec_time' THEN 'Shortest execution, ms'
      WHEN 'max_exec_time' THEN 'Longest execution, ms'
      WHEN 'mean_exec_time' THEN 'Mean execution time, ms'
      WHEN 'stddev_exec_time' THEN 'Population standard deviation of the execution time, ms'
      WHEN 'p50_exec_time' THEN 'Median execution time from the latency histogram, ms'
      WHEN 'p95_exec_time' THEN '95th percentile of the execution time from the latency histogram, ms'
      WHEN 'p99_exec_time' THEN '99th percentile of the execution time from the latency histogram, ms'
      WHEN 'rows' THEN 'Rows retrieved or affected, summed over executions'
      WHEN 'shared_blks_hit' THEN 'Shared buffer hits, blocks (of BLCKSZ, normally 8 kB)'
      WHEN 'shared_blks_read' THEN 'Shared blocks read from outside shared buffers, blocks'
      WHEN 'shared_blks_dirtied' THEN 'Shared blocks dirtied, blocks'
      WHEN 'shared_blks_written' THEN 'Shared blocks written, blocks'
      WHEN 'local_blks_hit' THEN 'Local (temporary table) buffer hits, blocks'
      WHEN 'local_blks_read' THEN 'Local blocks read, blocks'
      WHEN 'local_blks_dirtied' THEN 'Local blocks dirtied, blocks'
      WHEN 'local_blks_written' THEN 'Local blocks written, blocks'
      WHEN 'temp_blks_read' THEN 'Temporary-file blocks read (sorts and hashes that spilled), blocks'
      WHEN 'temp_blks_written' THEN 'Temporary-file blocks written (sorts and hashes that spilled), blocks'
      WHEN 'blk_read_time' THEN 'Time reading data blocks, shared and local, ms (0 unless track_io_timing)'
      WHEN 'blk_write_time' THEN 'Time writing data blocks, shared and local, ms (0 unless track_io_timing)'
      WHEN 'temp_blk_read_time' THEN 'Time reading temporary-file blocks, ms (0 unless track_io_timing)'
      WHEN 'temp_blk_write_time' THEN 'Time writing temporary-file blocks, ms (0 unless track_io_timing)'
      WHEN 'wal_records' THEN 'WAL records generated'
      WHEN 'wal_fpi' THEN 'WAL full page images generated'
      WHEN 'wal_bytes' THEN 'WAL generated, bytes'
      WHEN 'jit_functions' THEN 'Functions compiled by JIT'
      WHEN 'jit_generation_time' THEN 'Time generating JIT code, ms'
      WHEN 'jit_inlining_count' THEN 'Executions whose JIT inlined functions'
      WHEN 'jit_inlining_time' THEN 'Time inlining functions for JIT, ms'
      WHEN 'jit_optimization_count' THEN 'Executions whose JIT code was optimized'
      WHEN 'jit_optimization_time' THEN 'Time optimizing JIT code, ms'
      WHEN 'jit_emission_count' THEN 'Executions whose JIT code was emitted'
      WHEN 'jit_emission_time' THEN 'Time emitting JIT code, ms'
      WHEN 'shared_blk_read_time' THEN 'Time reading shared blocks, ms (0 unless track_io_timing)'
      WHEN 'shared_blk_write_time' THEN 'Time writing shared blocks, ms (0 unless track_io_timing)'
      WHEN 'local_blk_read_time' THEN 'Time reading local (temporary table) blocks, ms (0 unless track_io_timing)'
      WHEN 'local_blk_write_time' THEN 'Time writing local (temporary table) blocks, ms (0 unless track_io_timing)'
      WHEN 'jit_deform_count' THEN 'Executions whose JIT compiled tuple deforming'
      WHEN 'jit_deform_time' THEN 'Time JIT-compiling tuple deforming, ms (also part of jit_generation_time)'
      WHEN 'parallel_workers_to_launch' THEN 'Parallel workers the plans asked for'
      WHEN 'parallel_workers_launched' THEN 'Parallel workers actually launched'
      WHEN 'wal_buffers_full' THEN 'Times WAL was written because the WAL buffers were full'
      WHEN 'first_seen' THEN 'When this row''s first execution or planning was recorded'
      WHEN 'last_seen' THEN 'When this row''s latest execution or planning was recorded (the statement''s start)'
      WHEN 'plan_count' THEN 'Number of distinct plans (plan ids) in the row'
      WHEN 'errors' THEN 'Failed executions (pg_perfgate_errors), of statements the client sent'
      WHEN 'stats_since' THEN 'Since when this row''s figures run: when its entry was created (the latest of its entries'' for a grouped row), as pg_stat_statements.stats_since'
      WHEN 'minmax_stats_since' THEN 'Since when its min/max times run: as stats_since, or the last pg_perfgate_reset(..., minmax_only => true), as pg_stat_statements.minmax_stats_since'
      ELSE NULL END;
    IF d IS NOT NULL THEN
      EXECUTE format('COMMENT ON COLUMN %I.%I IS %L', c.relname, c.attname, d);
    END IF;
  END LOOP;
END $$;

-- ---- Recent windows (store.cpp keeps them; views.cpp reads them) ----------------------------------
-- The figures of the last N seconds, from a ring of pg_perfgate.window_buckets intervals of
-- pg_perfgate.window_bucket_seconds per statement entry: seconds = 0 means all the ring keeps.
CREATE FUNCTION pg_perfgate_recent_internal(
    IN showtext boolean,
    IN group_by integer,
    IN seconds integer,
    OUT userid oid,
    OUT dbid oid,
    OUT toplevel boolean,
    OUT queryid bigint,
    OUT planid bigint,
    OUT query_group bigint,
    OUT query text,
    OUT plan text,
    OUT calls bigint,
    OUT total_exec_time float8,
    OUT min_exec_time float8,
    OUT max_exec_time float8,
    OUT mean_exec_time float8,
    OUT p50_exec_time float8,
    OUT p95_exec_time float8,
    OUT p99_exec_time float8,
    OUT rows bigint,
    OUT shared_blks_hit bigint,
    OUT shared_blks_read bigint,
    OUT shared_blks_dirtied bigint,
    OUT shared_blks_written bigint,
    OUT local_blks_hit bigint,
    OUT local_blks_read bigint,
    OUT temp_blks_read bigint,
    OUT temp_blks_written bigint,
    OUT wal_bytes numeric,
    OUT window_start timestamptz,
    OUT plan_count integer,
    OUT variants integer,
    OUT queryids bigint[],
    OUT stats_since timestamptz
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pg_perfgate_recent_internal'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;

-- Per (dbid, query_group, toplevel), ranked by execution time in the window: "the top 5 by time
-- in the last 5 minutes" is SELECT * FROM pg_perfgate_recent(300) WHERE rank <= 5.
CREATE FUNCTION pg_perfgate_recent(seconds integer DEFAULT 0)
RETURNS TABLE (rank bigint, dbid oid, datname name, toplevel boolean, query_group bigint, queryid bigint,
               variants integer, queryids bigint[], calls bigint, total_exec_time float8,
               time_share_pct numeric, mean_exec_time float8, max_exec_time float8, p95_exec_time float8,
               rows_per_call float8, rows bigint, shared_blks_hit bigint, shared_blks_read bigint,
               shared_blks_dirtied bigint, shared_blks_written bigint, temp_blks_read bigint,
               temp_blks_written bigint, wal_bytes numeric, plan_count integer, window_start timestamptz,
               query text)
LANGUAGE sql STRICT VOLATILE PARALLEL SAFE
AS $$
  SELECT rank() OVER (ORDER BY h.total_exec_time DESC),
         h.dbid, d.datname, h.toplevel, h.query_group, h.queryid, h.variants, h.queryids,
         h.calls, h.total_exec_time,
         round((100 * h.total_exec_time /
                nullif(sum(h.total_exec_time) OVER (PARTITION BY h.toplevel), 0))::numeric, 2),
         h.mean_exec_time, h.max_exec_time, h.p95_exec_time,
         h.rows::float8 / nullif(h.calls, 0), h.rows,
         h.shared_blks_hit, h.shared_blks_read, h.shared_blks_dirtied, h.shared_blks_written,
         h.temp_blks_read, h.temp_blks_written, h.wal_bytes, h.plan_count, h.window_start, h.query
  FROM pg_perfgate_recent_internal(true, 3, seconds) h
  LEFT JOIN pg_catalog.pg_database d ON d.oid = h.dbid
$$;

-- Per (dbid, queryid, planid) over all users, in the window.
CREATE FUNCTION pg_perfgate_recent_plans(seconds integer DEFAULT 0)
RETURNS TABLE (dbid oid, queryid bigint, planid bigint, calls bigint, total_exec_time float8,
               mean_exec_time float8, min_exec_time float8, max_exec_time float8, p50_exec_time float8,
               p95_exec_time float8, p99_exec_time float8, rows bigint, shared_blks_hit bigint,
               shared_blks_read bigint, temp_blks_written bigint, wal_bytes numeric,
               window_start timestamptz, plan text, query text)
LANGUAGE sql STRICT VOLATILE PARALLEL SAFE
AS $$
  SELECT dbid, queryid, planid, calls, total_exec_time, mean_exec_time, min_exec_time, max_exec_time,
         p50_exec_time, p95_exec_time, p99_exec_time, rows, shared_blks_hit, shared_blks_read,
         temp_blks_written, wal_bytes, window_start, plan, query
  FROM pg_perfgate_recent_internal(true, 1, seconds)
  WHERE planid <> 0
$$;

COMMENT ON FUNCTION pg_perfgate_recent(integer) IS
  'Query groups ranked by execution time in the last N seconds (0: every recent interval kept), from the recent intervals (pg_perfgate.window_buckets x pg_perfgate.window_bucket_seconds); window_start says where the window begins';
COMMENT ON FUNCTION pg_perfgate_recent_plans(integer) IS
  'Each plan''s figures in the last N seconds (0: every recent interval kept); window_start says where the window begins';
-- ---- end of recent windows ------------------------------------------------------------------------

COMMENT ON COLUMN pg_perfgate_plans.query IS 'Normalized text of the query, from an entry your role may see (NULL otherwise)';
COMMENT ON COLUMN pg_perfgate_plan_changes.latest IS 'True for the plan seen most recently';
COMMENT ON COLUMN pg_perfgate_plan_changes.slowdown_vs_best IS 'Mean execution time relative to the fastest plan of the query (1 = the fastest)';
COMMENT ON COLUMN pg_perfgate_plan_changes.query IS 'Normalized text of the query, from an entry your role may see (NULL otherwise)';

COMMENT ON COLUMN pg_perfgate_antipatterns.kind IS 'n_plus_one (a loop over a parent''s rows), per_id_lookup_loop (one lookup per id from the client in one transaction), row_by_row_write, deep_offset, unstreamed_fetch, filter_heavy_seq_scan, temp_spill, session_setting (a session-level SET left in force for later transactions), connection_per_request (many short sessions a minute from one application; query id 0), idle_in_transaction (a transaction left open while the client was idle; the query is the statement before the idle gap), wide_fetch (many rows made wide by a few large columns of a table read whole) or cache_candidate (the same read-only query with the same values run many times on tables that did not change)';
COMMENT ON COLUMN pg_perfgate_antipatterns.related_queryid IS 'For n_plus_one: the query that ran before the loop (its parent), else NULL';
COMMENT ON COLUMN pg_perfgate_antipatterns.related_rows IS 'For n_plus_one: rows the parent returned before the largest loop, NULL if unknown';
COMMENT ON COLUMN pg_perfgate_antipatterns.occurrences IS 'Number of times the pattern was found (bursts, executions)';
COMMENT ON COLUMN pg_perfgate_antipatterns.calls IS 'Executions involved';
COMMENT ON COLUMN pg_perfgate_antipatterns.total_time IS 'Execution time of those executions, ms';
COMMENT ON COLUMN pg_perfgate_antipatterns.largest IS 'Largest burst (executions), OFFSET (rows), fetch (rows), scan (rows read) or, for temp_spill, memory the spilling node would have needed (kB)';
COMMENT ON COLUMN pg_perfgate_antipatterns.rows_discarded IS 'Rows skipped by OFFSET or removed by a filter, summed';
COMMENT ON COLUMN pg_perfgate_antipatterns.detail IS 'What was found: the relation and columns a scan filtered on, the node that spilled and kB it wrote (NULL unless your role''s or pg_read_all_stats)';
COMMENT ON COLUMN pg_perfgate_antipatterns.first_seen IS 'When the pattern was first found';
COMMENT ON COLUMN pg_perfgate_antipatterns.last_seen IS 'When the pattern was last found';
COMMENT ON COLUMN pg_perfgate_antipatterns.advice IS 'What to do about it, concrete where the finding says more (an index, a work_mem)';

COMMENT ON COLUMN pg_perfgate_hot_queries.rank IS 'Rank by total execution time, 1 = the most';
COMMENT ON COLUMN pg_perfgate_hot_queries.queryid IS 'The group''s busiest query id your role may see (NULL if none)';
COMMENT ON COLUMN pg_perfgate_hot_queries.variants IS 'Number of query ids in the group (IN-list lengths, VALUES row counts)';
COMMENT ON COLUMN pg_perfgate_hot_queries.queryids IS 'The group''s query ids your role may see: rows of pg_perfgate_statements and pg_stat_statements';
COMMENT ON COLUMN pg_perfgate_hot_queries.time_share_pct IS 'Share of the total execution time of all rows with the same toplevel, percent';
COMMENT ON COLUMN pg_perfgate_hot_queries.rows_per_call IS 'Mean rows per execution';
COMMENT ON COLUMN pg_perfgate_hot_queries.antipatterns IS 'Anti-pattern kinds found about the group''s statements themselves, muted ones left out (parent_of: loops they drove)';
COMMENT ON COLUMN pg_perfgate_hot_queries.query IS 'Normalized text of the busiest query id your role may see';

COMMENT ON COLUMN pg_perfgate_errors.queryid IS 'Query id of the statement the client sent; NULL when it failed before it had one (a syntax error) or is not your role''s';
COMMENT ON COLUMN pg_perfgate_errors.sqlstate IS 'The error''s SQLSTATE code (see Appendix A of the PostgreSQL documentation)';
COMMENT ON COLUMN pg_perfgate_errors.errors IS 'Number of failures';
COMMENT ON COLUMN pg_perfgate_errors.message IS 'The latest error message, cut at 127 bytes (NULL unless your role''s or pg_read_all_stats)';
COMMENT ON COLUMN pg_perfgate_errors.query IS 'Normalized text of the failing statement (NULL unless your role''s or pg_read_all_stats)';
COMMENT ON COLUMN pg_perfgate_errors.first_seen IS 'When the first failure was counted';
COMMENT ON COLUMN pg_perfgate_errors.last_seen IS 'When the latest failure was counted';

COMMENT ON COLUMN pg_perfgate_activity.pid IS 'Process id of the backend';
COMMENT ON COLUMN pg_perfgate_activity.usename IS 'Role of the session';
COMMENT ON COLUMN pg_perfgate_activity.application_name IS 'The client''s application_name';
COMMENT ON COLUMN pg_perfgate_activity.state IS 'The backend''s state, as in pg_stat_activity';
COMMENT ON COLUMN pg_perfgate_activity.query_start IS 'When the current (or last) statement started';
COMMENT ON COLUMN pg_perfgate_activity.running_for IS 'How long the current statement has run (interval)';
COMMENT ON COLUMN pg_perfgate_activity.wait_event_type IS 'As in pg_stat_activity';
COMMENT ON COLUMN pg_perfgate_activity.wait_event IS 'As in pg_stat_activity';
COMMENT ON COLUMN pg_perfgate_activity.queryid IS 'Query id of the current statement (pg_stat_activity.query_id)';
COMMENT ON COLUMN pg_perfgate_activity.planid IS 'Plan id of the tracked top-level statement running now (NULL otherwise, or not your role''s)';
COMMENT ON COLUMN pg_perfgate_activity.query_group IS 'Query group of the running statement (of its entry, or published by its first execution while it runs)';
COMMENT ON COLUMN pg_perfgate_activity.hot_rank IS 'Rank of its group in pg_perfgate_hot_queries';
COMMENT ON COLUMN pg_perfgate_activity.hot_calls IS 'Executions of its group so far';
COMMENT ON COLUMN pg_perfgate_activity.hot_mean_exec_time IS 'Mean execution time of its group, ms';
COMMENT ON COLUMN pg_perfgate_activity.hot_p95_exec_time IS '95th percentile of its group''s execution time, ms';
COMMENT ON COLUMN pg_perfgate_activity.hot_errors IS 'Failed executions of its group';
COMMENT ON COLUMN pg_perfgate_activity.hot_antipatterns IS 'Anti-pattern kinds its group takes part in';
COMMENT ON COLUMN pg_perfgate_activity.plan IS 'Plan text of the running plan: stored, or published by its first execution while it runs (NULL unless your role''s or pg_read_all_stats)';
COMMENT ON COLUMN pg_perfgate_activity.query IS 'Text of the current statement, as pg_stat_activity shows it';

COMMENT ON COLUMN pg_perfgate_info.entries IS 'Statement entries stored';
COMMENT ON COLUMN pg_perfgate_info.max IS 'Entries the store can hold (pg_perfgate.max)';
COMMENT ON COLUMN pg_perfgate_info.evictions IS 'Entries evicted to make room since the last reset';
COMMENT ON COLUMN pg_perfgate_info.texts_truncated IS 'Query or plan texts cut at their size limit';
COMMENT ON COLUMN pg_perfgate_info.plan_texts_skipped IS 'Plan texts not kept because EXPLAIN failed';
COMMENT ON COLUMN pg_perfgate_info.memory_bytes IS 'Shared memory of the statement store, bytes';
COMMENT ON COLUMN pg_perfgate_info.stats_reset IS 'When all statistics were last reset';

-- ---- Findings block (continued): the comments of the accepted-findings views ----
-- pg_perfgate_antipatterns_all's columns mean what pg_perfgate_antipatterns' do.
DO $$
DECLARE
  a record;
BEGIN
  FOR a IN SELECT attname, col_description('pg_perfgate_antipatterns'::regclass, attnum) AS d
             FROM pg_catalog.pg_attribute
            WHERE attrelid = 'pg_perfgate_antipatterns'::regclass AND attnum > 0 LOOP
    IF a.d IS NOT NULL THEN
      EXECUTE format('COMMENT ON COLUMN pg_perfgate_antipatterns_all.%I IS %L', a.attname, a.d);
    END IF;
  END LOOP;
END $$;
COMMENT ON COLUMN pg_perfgate_mutes.kind IS 'Kind of the accepted finding';
COMMENT ON COLUMN pg_perfgate_mutes.queryid IS 'Query id the finding is about (for a loop, the statement run in the loop)';
COMMENT ON COLUMN pg_perfgate_mutes.rolname IS 'Role the mute is limited to (NULL: any role)';
COMMENT ON COLUMN pg_perfgate_mutes.note IS 'Why the finding was accepted';
COMMENT ON COLUMN pg_perfgate_mutes.muted_by IS 'Role that muted it';
COMMENT ON COLUMN pg_perfgate_mutes.muted_at IS 'When it was muted (or its note last changed)';
COMMENT ON COLUMN pg_perfgate_mutes.userid IS 'OID of the role the mute is limited to (NULL: any role)';
COMMENT ON COLUMN pg_perfgate_mutes.dbid IS 'OID of the database the mute is limited to (NULL: any database)';
COMMENT ON COLUMN pg_perfgate_mutes.datname IS 'Database the mute is limited to (NULL: any database)';
-- ---- end of the findings block ----

-- ---- Parameter samples block (perfgate capture) ----
-- With pg_perfgate.capture_params = on: a few real parameter values of each statement entry, one row
-- per value. A function, not a view column: it shows only the caller's own statements unless the
-- caller has the privileges of pg_read_all_stats.
CREATE FUNCTION pg_perfgate_param_samples(
    OUT userid oid,
    OUT dbid oid,
    OUT queryid bigint,
    OUT planid bigint,
    OUT toplevel boolean,
    OUT executions bigint,
    OUT not_kept bigint,
    OUT sample integer,
    OUT param integer,
    OUT kind text,
    OUT paramtype regtype,
    OUT value text
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pg_perfgate_param_samples'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION pg_perfgate_param_samples() IS
  'Sampled parameter values of each statement entry (pg_perfgate.capture_params): executions considered, chosen ones not kept, the sample number, the $n it fills in the query text, bound (sent by the client) or constant (written in the text, unknown type), its type and value; only the caller''s own statements without pg_read_all_stats';
-- ---- end of the parameter samples block ----

-- ---- Connections block (issue 20: connection churn, idle in transaction) ----
-- Sessions per (login role, database, application_name, client address), counted from their first
-- statement to their end (detect_connection.cpp). The client address, as pg_stat_activity's, only
-- to roles with the privileges of the session's role or of pg_read_all_stats.
CREATE FUNCTION pg_perfgate_connections_internal(
    OUT userid oid,
    OUT dbid oid,
    OUT application_name text,
    OUT client_addr text,
    OUT sessions bigint,
    OUT sessions_ended bigint,
    OUT sessions_per_minute float8,
    OUT short_sessions bigint,
    OUT statements bigint,
    OUT statements_per_session float8,
    OUT mean_session_time float8,
    OUT max_session_time float8,
    OUT idle_in_transaction_time float8,
    OUT max_idle_in_transaction_time float8,
    OUT idle_in_transaction_gaps bigint,
    OUT longest_transaction_time float8,
    OUT first_seen timestamptz,
    OUT last_seen timestamptz,
    OUT evictions bigint
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pg_perfgate_connections_internal'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

CREATE VIEW pg_perfgate_connections AS
  SELECT c.userid, c.dbid, d.datname, c.application_name, c.client_addr::inet AS client_addr,
         c.sessions, c.sessions_ended, c.sessions_per_minute, c.short_sessions, c.statements,
         c.statements_per_session, c.mean_session_time, c.max_session_time,
         c.idle_in_transaction_time, c.max_idle_in_transaction_time, c.idle_in_transaction_gaps,
         c.longest_transaction_time, c.first_seen, c.last_seen, c.evictions
  FROM pg_perfgate_connections_internal() c
  LEFT JOIN pg_catalog.pg_database d ON d.oid = c.dbid;
GRANT SELECT ON pg_perfgate_connections TO PUBLIC;
COMMENT ON VIEW pg_perfgate_connections IS
  'Sessions per (role, database, application_name, client address): how many started and how fast, their statements, lifetime, and time idle in a transaction';
COMMENT ON COLUMN pg_perfgate_connections.userid IS 'The sessions'' login role';
COMMENT ON COLUMN pg_perfgate_connections.dbid IS 'OID of the sessions'' database';
COMMENT ON COLUMN pg_perfgate_connections.datname IS 'Name of the sessions'' database';
COMMENT ON COLUMN pg_perfgate_connections.application_name IS 'The application_name the sessions connected with (a later SET application_name does not move a session)';
COMMENT ON COLUMN pg_perfgate_connections.client_addr IS 'The client''s address, NULL for a Unix socket or unless your role has the privileges of the sessions'' role or pg_read_all_stats';
COMMENT ON COLUMN pg_perfgate_connections.sessions IS 'Sessions that ran at least one statement';
COMMENT ON COLUMN pg_perfgate_connections.sessions_ended IS 'Of those, sessions that have ended (the averages are over them)';
COMMENT ON COLUMN pg_perfgate_connections.sessions_per_minute IS 'Sessions started in the last 60 seconds (this minute''s count plus the part of the previous minute''s still inside them)';
COMMENT ON COLUMN pg_perfgate_connections.short_sessions IS 'Ended sessions of at most pg_perfgate.connection_per_request_statements statements';
COMMENT ON COLUMN pg_perfgate_connections.statements IS 'Top-level statements of the ended sessions';
COMMENT ON COLUMN pg_perfgate_connections.statements_per_session IS 'statements / sessions_ended (NULL before a session ended)';
COMMENT ON COLUMN pg_perfgate_connections.mean_session_time IS 'Mean lifetime of the ended sessions, ms, from connection to exit';
COMMENT ON COLUMN pg_perfgate_connections.max_session_time IS 'Longest lifetime of an ended session, ms';
COMMENT ON COLUMN pg_perfgate_connections.idle_in_transaction_time IS 'Time the ended sessions sat idle inside an open transaction, ms, summed';
COMMENT ON COLUMN pg_perfgate_connections.max_idle_in_transaction_time IS 'Longest single idle gap inside a transaction, ms';
COMMENT ON COLUMN pg_perfgate_connections.idle_in_transaction_gaps IS 'Idle gaps longer than pg_perfgate.idle_in_transaction_threshold';
COMMENT ON COLUMN pg_perfgate_connections.longest_transaction_time IS 'Longest transaction of an ended session, ms, from its first statement''s start to its last statement''s end';
COMMENT ON COLUMN pg_perfgate_connections.first_seen IS 'When the first session of the key started';
COMMENT ON COLUMN pg_perfgate_connections.last_seen IS 'When a session of the key last started or ended';
COMMENT ON COLUMN pg_perfgate_connections.evictions IS 'Keys evicted from the table since the server started (pg_perfgate.max_connection_keys), the same on every row';
-- ---- end of the connections block ----
