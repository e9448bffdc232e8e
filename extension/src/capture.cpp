/*
 * capture.cpp — turning one execution, one planning or one utility run into a store record.
 *
 * Executions are measured over the same span as pg_stat_statements measures them (every
 * ExecutorRun and ExecutorFinish call, with buffer and WAL usage), and counted at ExecutorEnd, so
 * that both extensions, loaded together, count the same calls and rows. Instead of allocating a
 * total-time instrumentation per query we keep a small stack of running statements: nested ones
 * end before the statement that runs them, so the one asked for is almost always on top. Entries of
 * statements that failed are dropped when their (sub)transaction aborts (hooks.cpp); when the stack
 * is full (deep recursion, many open cursors), the statement falls back to the instrumentation.
 * What we add is the plan id, computed by walking the plan tree, and the latency histogram.
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

constexpr int kRunning = 16;
Running running[kRunning];
int running_top = 0;

Running *find_running(const QueryDesc *qd)
{
    for (int i = running_top - 1; i >= 0; i--)
        if (running[i].qd == qd)
            return &running[i];
    return nullptr;
}

} // namespace

Running *capture_executor_start(QueryDesc *queryDesc)
{

    if (running_top == kRunning)
        return nullptr; // full: capture_executor_started() falls back to the instrumentation
    Running *r = &running[running_top++];
    r->qd = queryDesc;
    INSTR_TIME_SET_ZERO(r->elapsed);
    memset(&r->io, 0, sizeof(r->io));
    memset(&r->facts, 0, sizeof(r->facts));
    return r;
}

int capture_depth()
{
    return running_top;
}

void capture_truncate(int depth)
{
    if (depth < running_top)
        running_top = Max(depth, 0);
}

void capture_executor_started(QueryDesc *queryDesc, const Running *running)
{
    // Not on our stack: measure it with the executor's own instrumentation, allocated in the
    // query's context (which exists only now) so that it goes away with the query.
    if (running == nullptr && queryDesc->totaltime == nullptr)
    {
        MemoryContext old = MemoryContextSwitchTo(queryDesc->estate->es_query_cxt);
        queryDesc->totaltime = InstrAlloc(1, INSTRUMENT_ALL, false);
        MemoryContextSwitchTo(old);
    }
}

namespace
{

// ExecutorFinish of a plain SELECT has no triggers and no data-modifying CTE to run: nothing to
// measure.
bool finish_is_empty(const QueryDesc *qd)
{
    return qd->operation == CMD_SELECT && !qd->plannedstmt->hasModifyingCTE;
}

// io += usage now - usage before, for the counters we keep (times only with track_io_timing).
void accumulate(pgperfgate::IoUsage &io, const BufferUsage &b0, const WalUsage &w0)
{
    const BufferUsage &b = pgBufferUsage;
    io.shared_blks_hit += b.shared_blks_hit - b0.shared_blks_hit;
    io.shared_blks_read += b.shared_blks_read - b0.shared_blks_read;
    io.shared_blks_dirtied += b.shared_blks_dirtied - b0.shared_blks_dirtied;
    io.shared_blks_written += b.shared_blks_written - b0.shared_blks_written;
    io.local_blks_hit += b.local_blks_hit - b0.local_blks_hit;
    io.local_blks_read += b.local_blks_read - b0.local_blks_read;
    io.local_blks_dirtied += b.local_blks_dirtied - b0.local_blks_dirtied;
    io.local_blks_written += b.local_blks_written - b0.local_blks_written;
    io.temp_blks_read += b.temp_blks_read - b0.temp_blks_read;
    io.temp_blks_written += b.temp_blks_written - b0.temp_blks_written;
    if (track_io_timing)
    {
        io.blk_read_time += PGPF_BLK_READ_TIME(b) - PGPF_BLK_READ_TIME(b0);
        io.blk_write_time += PGPF_BLK_WRITE_TIME(b) - PGPF_BLK_WRITE_TIME(b0);
        io.temp_blk_read_time += PGPF_TEMP_BLK_READ_TIME(b) - PGPF_TEMP_BLK_READ_TIME(b0);
        io.temp_blk_write_time += PGPF_TEMP_BLK_WRITE_TIME(b) - PGPF_TEMP_BLK_WRITE_TIME(b0);
    }
    io.wal_records += pgWalUsage.wal_records - w0.wal_records;
    io.wal_fpi += pgWalUsage.wal_fpi - w0.wal_fpi;
    io.wal_bytes += pgWalUsage.wal_bytes - w0.wal_bytes;
}

} // namespace

Running *capture_call_begin(QueryDesc *queryDesc, bool is_run)
{
    if (running_top == 0 || (!is_run && finish_is_empty(queryDesc)))
        return nullptr;
    Running *r = find_running(queryDesc);
    if (r == nullptr)
        return nullptr;
    r->buf_before = pgBufferUsage;
    r->wal_before = pgWalUsage;
    INSTR_TIME_SET_CURRENT(r->started);
    return r;
}

void capture_call_end(QueryDesc *queryDesc, Running *r, bool is_run, uint64 count)
{
    if (r == nullptr)
        return;
    // A cursor closed out of order by what ran meanwhile may have moved the stack (and left a
    // stale copy of this entry above its top).
    if ((r - running >= running_top || r->qd != queryDesc) && (r = find_running(queryDesc)) == nullptr)
        return;
    instr_time now;
    INSTR_TIME_SET_CURRENT(now);
    INSTR_TIME_ACCUM_DIFF(r->elapsed, now, r->started);
    accumulate(r->io, r->buf_before, r->wal_before);
    if (is_run)
    {
        r->facts.runs++;
        r->facts.rows += int64(queryDesc->estate->es_processed);
        r->facts.unbounded |= count == 0;
    }
}

void capture_executor_end(QueryDesc *queryDesc)
{
    const PlannedStmt *stmt = queryDesc->plannedstmt;
    if (stmt->queryId == 0 || !tracking(nesting_level))
        return;
    Sample s;
    s.kind = SampleKind::Execution;
    s.rows = int64(PGPF_ROWS_PROCESSED(queryDesc->estate));
    pgperfgate::IoUsage fallback_io;
    RunFacts facts;
    Running *r = find_running(queryDesc);
    if (r != nullptr)
    {
        facts = r->facts;
        s.ms = INSTR_TIME_GET_MILLISEC(r->elapsed);
        s.ns = uint64(INSTR_TIME_GET_DOUBLE(r->elapsed) * 1e9);
        s.io = &r->io;
    }
    else if (queryDesc->totaltime != nullptr)
    {
        // The fallback: the instrumentation may still be running if fetched in pieces.
        InstrEndLoop(queryDesc->totaltime);
        const Instrumentation *t = queryDesc->totaltime;
        s.ms = t->total * 1000.0;
        s.ns = t->total > 0 ? uint64(t->total * 1e9) : 0;
        fallback_io = io_from(t->bufusage, t->walusage);
        s.io = &fallback_io;
        memset(&facts, 0, sizeof(facts));
    }
    else
        return; // started before we were tracking it

    uint32 features;
    const uint64 planid = compute_plan_id(stmt, &features);
    const TextSource texts{queryDesc->sourceText, stmt->stmt_location, stmt->stmt_len, queryDesc};
    store_record(make_key(stmt->queryId, planid, nesting_level == 0), s, texts);
    if (r != nullptr)
    {
        // Off the stack now that the counters are stored. Found again: rendering a new plan's
        // text is the only thing in between, but nothing need rely on that.
        r = find_running(queryDesc);
        const int i = r != nullptr ? int(r - running) : running_top;
        if (i < running_top - 1) // a cursor closed out of order
            memmove(&running[i], &running[i + 1], sizeof(Running) * (running_top - 1 - i));
        if (i < running_top)
            running_top--;
    }
    detect_executor_end(queryDesc, facts, stmt->queryId, features, s.rows, s.ms);
}

namespace
{

// Plans with the nesting level raised: functions evaluated while planning are not top-level
// statements, whether planning is measured or not. On error the level is restored by the
// (sub)transaction abort (hooks.cpp).
PlannedStmt *plan_nested(Query *parse, const char *query_string, int cursorOptions, ParamListInfo boundParams,
                         planner_hook_type next)
{
    nesting_level++;
    PlannedStmt *result = next ? next(parse, query_string, cursorOptions, boundParams)
                               : standard_planner(parse, query_string, cursorOptions, boundParams);
    nesting_level--;
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
    pgperfgate::IoUsage io{};
    accumulate(io, buf_start, wal_start);

    Sample s;
    s.kind = SampleKind::Planning;
    s.ms = INSTR_TIME_GET_MILLISEC(duration);
    s.ns = 0;
    s.rows = 0;
    s.io = &io;
    const TextSource texts{query_string, parse->stmt_location, parse->stmt_len, nullptr};
    store_record(make_key(parse->queryId, compute_plan_id(result, nullptr), nesting_level == 0), s, texts);
    return result;
}

void capture_utility(uint64 queryid, const char *query_string, int location, int length, double ms,
                     uint64 rows, const BufferUsage &buf_start, const WalUsage &wal_start)
{
    pgperfgate::IoUsage io{};
    accumulate(io, buf_start, wal_start);
    Sample s;
    s.kind = SampleKind::Execution;
    s.ms = ms;
    s.ns = ms > 0 ? uint64(ms * 1e6) : 0;
    s.rows = int64(rows);
    s.io = &io;
    const TextSource texts{query_string, location, length, nullptr};
    store_record(make_key(queryid, 0, nesting_level == 0), s, texts);
}

} // namespace pgpf
