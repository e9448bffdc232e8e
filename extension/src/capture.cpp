/*
 * capture.cpp — turning one execution, one planning or one utility run into a store record.
 *
 * Executions are measured like pg_stat_statements measures them (the query's total-time
 * instrumentation with buffers and WAL, allocated in the query's own memory context), so that both
 * extensions, loaded together, count the same calls and rows. What we add is the plan id, computed
 * by walking the plan tree, and the latency histogram.
 */
#include "pg_perfgate.hpp"
#include "store.hpp"

namespace pgpf
{

namespace
{

pgperfgate::IoUsage io_from(const BufferUsage &b, const WalUsage &w)
{
    pgperfgate::IoUsage io{};
    io.shared_blks_hit = b.shared_blks_hit;
    io.shared_blks_read = b.shared_blks_read;
    io.shared_blks_dirtied = b.shared_blks_dirtied;
    io.shared_blks_written = b.shared_blks_written;
    io.local_blks_hit = b.local_blks_hit;
    io.local_blks_read = b.local_blks_read;
    io.local_blks_dirtied = b.local_blks_dirtied;
    io.local_blks_written = b.local_blks_written;
    io.temp_blks_read = b.temp_blks_read;
    io.temp_blks_written = b.temp_blks_written;
    if (track_io_timing) // the times are zero otherwise; spare the conversions
    {
        io.blk_read_time = PGPF_BLK_READ_TIME(b);
        io.blk_write_time = PGPF_BLK_WRITE_TIME(b);
        io.temp_blk_read_time = PGPF_TEMP_BLK_READ_TIME(b);
        io.temp_blk_write_time = PGPF_TEMP_BLK_WRITE_TIME(b);
    }
    io.wal_records = w.wal_records;
    io.wal_fpi = w.wal_fpi;
    io.wal_bytes = w.wal_bytes;
    return io;
}

EntryKey make_key(uint64 queryid, uint64 planid, bool toplevel)
{
    EntryKey key;
    memset(&key, 0, sizeof(key));
    key.userid = GetUserId();
    key.dbid = MyDatabaseId;
    key.queryid = queryid;
    key.planid = planid;
    key.toplevel = toplevel;
    return key;
}

} // namespace

void capture_executor_start(QueryDesc *queryDesc)
{
    if (queryDesc->plannedstmt->queryId == 0 || !tracking(nesting_level) || queryDesc->totaltime != nullptr)
        return;
    // In the query's context, so that it goes away with the query.
    MemoryContext old = MemoryContextSwitchTo(queryDesc->estate->es_query_cxt);
    queryDesc->totaltime = InstrAlloc(1, INSTRUMENT_ALL, false);
    MemoryContextSwitchTo(old);
}

void capture_executor_end(QueryDesc *queryDesc)
{
    const PlannedStmt *stmt = queryDesc->plannedstmt;
    if (stmt->queryId == 0 || queryDesc->totaltime == nullptr || !tracking(nesting_level))
        return;
    // The instrumentation may still be running if the query was fetched in pieces.
    InstrEndLoop(queryDesc->totaltime);
    const Instrumentation *t = queryDesc->totaltime;

    Sample s;
    s.kind = SampleKind::Execution;
    s.ms = t->total * 1000.0;
    s.ns = t->total > 0 ? uint64(t->total * 1e9) : 0;
    s.rows = int64(PGPF_ROWS_PROCESSED(queryDesc->estate));
    s.io = io_from(t->bufusage, t->walusage);

    uint32 features;
    const uint64 planid = compute_plan_id(stmt, &features);
    const TextSource texts{queryDesc->sourceText, stmt->stmt_location, stmt->stmt_len, queryDesc};
    store_record(make_key(stmt->queryId, planid, nesting_level == 0), s, texts);
    detect_executor_end(queryDesc, stmt->queryId, features, s.rows, s.ms);
}

namespace
{

// Plans with the nesting level raised: functions evaluated while planning are not top-level
// statements, whether planning is measured or not.
PlannedStmt *plan_nested(Query *parse, const char *query_string, int cursorOptions, ParamListInfo boundParams,
                         planner_hook_type next)
{
    PlannedStmt *volatile result = nullptr;
    nesting_level++;
    PG_TRY();
    {
        result = next ? next(parse, query_string, cursorOptions, boundParams)
                      : standard_planner(parse, query_string, cursorOptions, boundParams);
    }
    PG_FINALLY();
    {
        nesting_level--;
    }
    PG_END_TRY();
    return result;
}

} // namespace

PlannedStmt *capture_planner(Query *parse, const char *query_string, int cursorOptions,
                             ParamListInfo boundParams, planner_hook_type next)
{
    if (!(guc_track_planning && query_string != nullptr && parse->queryId != 0 && tracking(nesting_level)))
        return plan_nested(parse, query_string, cursorOptions, boundParams, next);

    instr_time start, duration;
    const BufferUsage buf_start = pgBufferUsage;
    const WalUsage wal_start = pgWalUsage;
    INSTR_TIME_SET_CURRENT(start);
    PlannedStmt *result = plan_nested(parse, query_string, cursorOptions, boundParams, next);
    INSTR_TIME_SET_CURRENT(duration);
    INSTR_TIME_SUBTRACT(duration, start);
    BufferUsage buf_delta;
    WalUsage wal_delta;
    memset(&buf_delta, 0, sizeof(buf_delta));
    BufferUsageAccumDiff(&buf_delta, &pgBufferUsage, &buf_start);
    memset(&wal_delta, 0, sizeof(wal_delta));
    WalUsageAccumDiff(&wal_delta, &pgWalUsage, &wal_start);

    Sample s;
    s.kind = SampleKind::Planning;
    s.ms = INSTR_TIME_GET_MILLISEC(duration);
    s.ns = 0;
    s.rows = 0;
    s.io = io_from(buf_delta, wal_delta);
    const TextSource texts{query_string, parse->stmt_location, parse->stmt_len, nullptr};
    store_record(make_key(parse->queryId, compute_plan_id(result, nullptr), nesting_level == 0), s, texts);
    return result;
}

void capture_utility(uint64 queryid, const char *query_string, int location, int length, double ms,
                     uint64 rows, const BufferUsage &buf_delta, const WalUsage &wal_delta)
{
    Sample s;
    s.kind = SampleKind::Execution;
    s.ms = ms;
    s.ns = ms > 0 ? uint64(ms * 1e6) : 0;
    s.rows = int64(rows);
    s.io = io_from(buf_delta, wal_delta);
    const TextSource texts{query_string, location, length, nullptr};
    store_record(make_key(queryid, 0, nesting_level == 0), s, texts);
}

} // namespace pgpf
