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
    OUT queryids bigint[]
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pg_perfgate_internal'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;

-- One row per (userid, dbid, toplevel, queryid, planid); columns named as in pg_stat_statements.
CREATE VIEW pg_perfgate_statements AS
  SELECT userid, dbid, toplevel, queryid, planid, query_group, query,
         plans, total_plan_time, min_plan_time, max_plan_time, mean_plan_time, stddev_plan_time,
         calls, total_exec_time, min_exec_time, max_exec_time, mean_exec_time, stddev_exec_time,
         p50_exec_time, p95_exec_time, p99_exec_time,
         rows,
         shared_blks_hit, shared_blks_read, shared_blks_dirtied, shared_blks_written,
         local_blks_hit, local_blks_read, local_blks_dirtied, local_blks_written,
         temp_blks_read, temp_blks_written,
         blk_read_time, blk_write_time, temp_blk_read_time, temp_blk_write_time,
         wal_records, wal_fpi, wal_bytes,
         jit_functions, jit_generation_time, jit_inlining_count, jit_inlining_time,
         jit_optimization_count, jit_optimization_time, jit_emission_count, jit_emission_time,
         first_seen, last_seen
  FROM pg_perfgate_internal(true, 0);

-- One row per (dbid, queryid, planid) over all users: the plan's shape and how it performed.
CREATE VIEW pg_perfgate_plans AS
  SELECT dbid, queryid, planid, plan,
         calls, total_exec_time, min_exec_time, max_exec_time, mean_exec_time, stddev_exec_time,
         p50_exec_time, p95_exec_time, p99_exec_time, rows,
         plans, total_plan_time, mean_plan_time,
         shared_blks_hit, shared_blks_read, temp_blks_written,
         first_seen, last_seen, query
  FROM pg_perfgate_internal(true, 1)
  WHERE planid <> 0;

-- Queries seen with two or more plans: each plan's figures and how it compares with the best one.
CREATE VIEW pg_perfgate_plan_changes AS
  SELECT dbid, queryid, planid, calls, mean_exec_time, p95_exec_time, first_seen, last_seen,
         last_seen = max(last_seen) OVER w AS latest,
         CASE WHEN calls > 0 THEN mean_exec_time / nullif(min(mean_exec_time) FILTER (WHERE calls > 0) OVER w, 0)
         END AS slowdown_vs_best,
         plan, query
  FROM (SELECT p.*, count(*) OVER (PARTITION BY p.dbid, p.queryid) AS nplans
        FROM pg_perfgate_plans p) s
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
    OUT advice text
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pg_perfgate_antipatterns_internal'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

-- What the detectors found: one row per (kind, user, database, query id, related query id).
-- The query text comes from the same role's statement entries, read once (not once per row); the
-- query ids, detail and concrete advice of another role's finding are not shown (see views.cpp).
CREATE VIEW pg_perfgate_antipatterns AS
  WITH q AS MATERIALIZED (
    SELECT userid, dbid, queryid, min(query) AS query
      FROM pg_perfgate_internal(true, 0)
     WHERE query IS NOT NULL
     GROUP BY userid, dbid, queryid)
  SELECT a.kind, a.dbid, d.datname, a.userid, a.queryid, q.query,
         a.related_queryid, a.related_rows,
         a.occurrences, a.calls, a.total_time, a.largest, a.rows_discarded, a.detail,
         a.first_seen, a.last_seen, a.advice
  FROM pg_perfgate_antipatterns_internal() a
  LEFT JOIN pg_catalog.pg_database d ON d.oid = a.dbid
  LEFT JOIN q ON q.userid = a.userid AND q.dbid = a.dbid AND q.queryid = a.queryid;

-- One row per (dbid, query_group, toplevel) over all plans, users and IN-list variants, ranked by
-- total execution time; queryid is the group's busiest query id the caller may see, queryids all of
-- them (each a row in pg_perfgate_statements and pg_stat_statements).
CREATE VIEW pg_perfgate_hot_queries AS
  WITH a AS MATERIALIZED (SELECT dbid, queryid, related_queryid, kind FROM pg_perfgate_antipatterns_internal())
  SELECT rank() OVER (ORDER BY h.total_exec_time DESC) AS rank,
         h.dbid, d.datname, h.toplevel, h.query_group, h.queryid, h.variants, h.queryids,
         h.calls, h.total_exec_time,
         round((100 * h.total_exec_time /
                nullif(sum(h.total_exec_time) OVER (PARTITION BY h.toplevel), 0))::numeric, 2) AS time_share_pct,
         h.mean_exec_time, h.p95_exec_time,
         h.rows::float8 / nullif(h.calls, 0) AS rows_per_call,
         h.plan_count, h.errors,
         (SELECT array_agg(DISTINCT a.kind ORDER BY a.kind) FROM a
           WHERE a.dbid = h.dbid AND (a.queryid = ANY (h.queryids) OR a.related_queryid = ANY (h.queryids)))
           AS antipatterns,
         h.query
  FROM pg_perfgate_internal(true, 3) h
  LEFT JOIN pg_catalog.pg_database d ON d.oid = h.dbid
  WHERE h.calls > 0;

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
-- the running stack, open subtransactions, nesting level, bytes of the per-backend text cache.
CREATE FUNCTION pg_perfgate_backend_state(
    OUT running_statements integer,
    OUT subtransactions integer,
    OUT nesting_level integer,
    OUT text_cache_bytes bigint
)
RETURNS record
AS 'MODULE_PATHNAME', 'pg_perfgate_backend_state'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

CREATE FUNCTION pg_perfgate_reset(userid oid DEFAULT 0, dbid oid DEFAULT 0, queryid bigint DEFAULT 0)
RETURNS void
AS 'MODULE_PATHNAME', 'pg_perfgate_reset'
LANGUAGE C STRICT PARALLEL SAFE;

GRANT SELECT ON pg_perfgate_statements, pg_perfgate_plans, pg_perfgate_hot_queries,
                pg_perfgate_plan_changes, pg_perfgate_antipatterns, pg_perfgate_errors, pg_perfgate_info
   TO PUBLIC;
REVOKE ALL ON FUNCTION pg_perfgate_reset(oid, oid, bigint) FROM PUBLIC;
