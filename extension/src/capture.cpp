/*
 * capture.cpp — turning one execution, one planning or one utility run into a store record.
 *
 * Executions are measured over the same span as pg_stat_statements measures them (every
 * ExecutorRun and ExecutorFinish call, with buffer and WAL usage), and counted at ExecutorEnd, so
 * that both extensions, loaded together, count the same calls and rows. Instead of allocating a
 * total-time instrumentation per query, a running statement's figures live in its entry on the
 * execution-state stack (exec_state.cpp, which also says when entries of failed statements go);
 * when the stack is full (deep recursion, many open cursors), the statement falls back to the
 * instrumentation. What we add is the plan id, computed once per execution by walking the plan
 * tree, and the latency histogram.
 *
 * Texts are prepared here, before the store is entered, and only for an entry the store does not
 * have yet: the normalized query text, its query group, and the plan text (rendered once per entry,
 * plan_text.cpp). Around the record, each behind one compare: a top-level statement's slot for
 * pg_perfgate_activity (activity.cpp), an execution that wrote temp blocks (detect_spill.cpp), one slow
 * enough for the log (slowlog.cpp).
 */
#include "capture.hpp"

#include "activity.hpp"
#include "detect.hpp"
#include "settings.hpp"
#include "normalize.hpp"
#include "plan_cache.hpp"
#include "plan_text.hpp"
#include "slowlog.hpp"
#include "detect_spill.hpp"
#include "store.hpp"

namespace pgpf
{

namespace
{

pgpf::IoUsage io_from(const BufferUsage &b, const WalUsage &w)
{
    pgpf::IoUsage io{};
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
        io.local_blk_read_time = PGPF_LOCAL_BLK_READ_TIME(b);
        io.local_blk_write_time = PGPF_LOCAL_BLK_WRITE_TIME(b);
    }
    io.wal_records = w.wal_records;
    io.wal_fpi = w.wal_fpi;
    io.wal_bytes = w.wal_bytes;
    io.wal_buffers_full = PGPF_WAL_BUFFERS_FULL(w);
    return io;
}

// Counted as pg_stat_statements 1.10 counts it: a phase counts when it took any time.
const pgpf::JitUsage *jit_from(const JitInstrumentation &j, pgpf::JitUsage *out)
{
    out->functions = j.created_functions;
    out->generation_time = INSTR_TIME_GET_MILLISEC(j.generation_counter);
    out->inlining_time = INSTR_TIME_GET_MILLISEC(j.inlining_counter);
    out->inlining_count = out->inlining_time > 0 ? 1 : 0;
    out->optimization_time = INSTR_TIME_GET_MILLISEC(j.optimization_counter);
    out->optimization_count = out->optimization_time > 0 ? 1 : 0;
    out->emission_time = INSTR_TIME_GET_MILLISEC(j.emission_counter);
    out->emission_count = out->emission_time > 0 ? 1 : 0;
    out->deform_time = PGPF_JIT_DEFORM_TIME(j);
    out->deform_count = out->deform_time > 0 ? 1 : 0;
    return out;
}

// userid: the role the statement ran as (GetUserId() when it started).
EntryKey make_key(uint64 queryid, uint64 planid, bool toplevel, Oid userid = GetUserId())
{
    EntryKey key;
    memset(&key, 0, sizeof(key));
    key.userid = userid;
    key.dbid = MyDatabaseId;
    key.queryid = queryid;
    key.planid = planid;
    key.toplevel = toplevel;
    return key;
}

// A top-level statement running for the first time: its plan text, rendered at ExecutorStart for
// pg_perfgate_activity, handed on to its new entry at ExecutorEnd instead of being rendered again.
// One at a time (a cursor's first run overtaken by another statement renders again at its end).
struct FirstRun
{
    const QueryDesc *qd; // NULL: none
    uint64 queryid;
    uint64 planid;
    PlanTextState state;
    char *plan; // in the execution's query context (es_query_cxt): it goes with the execution
};
FirstRun first_run{nullptr, 0, 0, PlanTextState::NotNow, nullptr};

// The text is not freed here: it belongs to the execution's query context, which may already be
// gone (an error) and otherwise frees it with the execution.
void forget_first_run()
{
    first_run = FirstRun{nullptr, 0, 0, PlanTextState::NotNow, nullptr};
}

// Whether the first run's rendering belongs to this execution (and takes it: the caller frees it).
bool take_first_run(const QueryDesc *qd, const EntryKey &key, PlanTextState *state, char **plan)
{
    if (first_run.qd != qd || first_run.queryid != key.queryid || first_run.planid != key.planid)
        return false;
    *state = first_run.state;
    *plan = first_run.plan; // the caller's to free: the execution is still running
    forget_first_run();
    return true;
}

// At ExecutorStart of a top-level statement this backend has not recorded: if the store has no entry
// either, its plan text and query group are published for pg_perfgate_activity while it runs.
pg_noinline void publish_first_run(QueryDesc *qd, uint64 queryid, uint64 planid)
{
    const EntryKey key = make_key(queryid, planid, true);
    if (store_has(key))
    {
        activity_note_known(queryid, planid);
        return;
    }
    forget_first_run();
    char *plan = nullptr;
    PlanTextState state = PlanTextState::NotNow;
    if (guc_plan_text && planid != 0 && qd->planstate != nullptr)
    {
        // Kept until ExecutorEnd in the execution's own context, not in TopMemoryContext: a chunk
        // of TopMemoryContext taken in the middle of a statement can make it grow a block there,
        // above the statement's memory, for the life of the backend (what that costs every later
        // malloc: bench/README.md, "the malloc side effect").
        MemoryContext old = MemoryContextSwitchTo(qd->estate->es_query_cxt);
        state = render_plan_text(qd, &plan);
        MemoryContextSwitchTo(old);
    }
    const PlannedStmt *stmt = qd->plannedstmt;
    activity_publish_new(queryid, planid,
                         query_group_for(queryid, qd->sourceText, stmt->stmt_location, stmt->stmt_len), plan);
    first_run = FirstRun{qd, queryid, planid, state, plan};
}

// The rest of record() below, out of line: an entry that still wants its plan text (found: the
// store has the entry and counted the sample), or a new entry, whose texts are prepared here first.
// The sample's I/O may point into the execution-state stack: it is copied before anything that
// could run code (rendering a plan text starts a subtransaction) and so move the stack.
void record_rest(const EntryKey &key, const Sample &sample, const char *source, int location, int length,
                 QueryDesc *qd, bool found)
{
    Sample s = sample;
    const bool want_plan = guc_plan_text && key.planid != 0 && qd != nullptr && qd->planstate != nullptr &&
                           s.kind == SampleKind::Execution;
    char *early = nullptr;
    PlanTextState early_state = PlanTextState::NotNow;
    const bool have_early = qd != nullptr && key.toplevel && take_first_run(qd, key, &early_state, &early);
    if (key.toplevel && s.kind == SampleKind::Execution)
        activity_note_known(key.queryid, key.planid);
    if (found)
    {
        if (want_plan)
        {
            char *plan = early;
            const PlanTextState state = have_early ? early_state : render_plan_text(qd, &plan);
            store_set_plan_text(key, state, plan);
            if (plan)
                pfree(plan);
        }
        else if (early)
            pfree(early);
        return;
    }
    pgpf::IoUsage io = *s.io; // the rare path: a new entry
    s.io = &io;
    NewTexts texts{};
    char *query =
        query_text_for(key.queryid, source, location, length, &texts.query_len, &texts.query_cut, key.userid);
    texts.query = query;
    texts.query_group = query_group_for(key.queryid, source, location, length);
    char *plan = early;
    texts.plan_wanted = want_plan;
    if (want_plan)
        texts.plan_state = have_early ? early_state : render_plan_text(qd, &plan);
    else if (early)
    {
        pfree(early);
        plan = nullptr;
    }
    texts.plan = plan;
    store_insert(key, s, texts);
    if (query)
        pfree(query);
    if (plan)
        pfree(plan);
}

// Records a sample: into the existing entry, or into a new one whose texts are prepared first.
// qd: the execution's QueryDesc, for its plan text (NULL for planning and utilities). Returns
// whether texts were prepared (which may have run code: a plan text is rendered in a
// subtransaction).
inline __attribute__((always_inline)) bool record(const EntryKey &key, const Sample &sample,
                                                  const char *source, int location, int length, QueryDesc *qd)
{
    const StoreAction action = store_update(key, sample);
    if (unlikely(action != StoreAction::Done))
    {
        record_rest(key, sample, source, location, length, qd, action == StoreAction::PlanText);
        return true;
    }
    return false;
}

} // namespace

void capture_forget_first_run()
{
    if (unlikely(first_run.qd != nullptr))
        forget_first_run();
}

PGPF_HOT Running *capture_executor_start(QueryDesc *queryDesc, bool toplevel)
{
    const PlannedStmt *stmt = queryDesc->plannedstmt;
    Running *r = exec_push(queryDesc, stmt->queryId, toplevel);
    slowlog_sample(queryDesc);
    if (r != nullptr)
    {
        const PlanShape shape = plan_shape_for(stmt);
        r->planid = shape.planid;
        r->plan_features = shape.features;
        // The hook noted it (exec_note_statement_start()): the statement timestamp. With the
        // extended protocol a portal starts at Bind and may end only at the next Bind.
        r->facts.started = exec_detail::nesting_message;
        // The role it runs as, read once: its activity slot's and its record's.
        r->userid = GetUserId();
        if (toplevel)
            activity_start(stmt->queryId, r->planid, r->userid);
    }
    return r;
}

PGPF_HOT void capture_executor_started(QueryDesc *queryDesc, Running *running)
{
    if (running != nullptr)
    {
        // Found again: what ExecutorStart ran (a function evaluated at startup) may have moved it.
        if (running->qd == queryDesc || (running = exec_find(queryDesc)) != nullptr)
        {
            exec_started(running);
            if (running->toplevel &&
                unlikely(!activity_known(running->queryid, running->planid, running->userid)))
                publish_first_run(queryDesc, running->queryid, running->planid);
        }
        return;
    }
    // Not on our stack: measure it with the executor's own instrumentation, allocated in the
    // query's context (which exists only now) so that it goes away with the query.
    if (queryDesc->totaltime == nullptr)
    {
        MemoryContext old = MemoryContextSwitchTo(queryDesc->estate->es_query_cxt);
        queryDesc->totaltime = InstrAlloc(1, INSTRUMENT_ALL, false);
        MemoryContextSwitchTo(old);
    }
}

PGPF_HOT void capture_executor_end(QueryDesc *queryDesc, Running *r)
{
    const PlannedStmt *stmt = queryDesc->plannedstmt;
    Sample s;
    s.kind = SampleKind::Execution;
    s.rows = int64(PGPF_ROWS_PROCESSED(queryDesc->estate));
    pgpf::JitUsage jit;
    s.jit = queryDesc->estate->es_jit != nullptr ? jit_from(queryDesc->estate->es_jit->instr, &jit) : nullptr;
    RunFacts facts;
    uint32 features;
    EntryKey key;
    // What the spill check and the slow log read after the entry has left the stack: the I/O is
    // copied only for a slow execution.
    int64 temp_written;
    pgpf::IoUsage slow_io;
    if (r != nullptr)
    {
        // Tracked when it started: recorded, whatever the settings say now. Taken off the stack
        // right after recording; an error in between leaves it to the (sub)transaction's abort.
        facts = r->facts;
        features = r->plan_features;
        s.ns = uint64(Max(r->elapsed_ns, int64(0)));
        s.ms = double(s.ns) / 1e6;
        if (unlikely(!r->io_set)) // it never ran
        {
            memset(&r->io, 0, sizeof(r->io));
            r->io_set = true;
            r->io_more = false;
        }
        // 18's parallel worker counts (0 before: no code) are the execution's, in its estate.
        r->io.parallel_workers_to_launch += PGPF_PARALLEL_WORKERS_TO_LAUNCH(queryDesc->estate);
        r->io.parallel_workers_launched += PGPF_PARALLEL_WORKERS_LAUNCHED(queryDesc->estate);
        s.io = &r->io;
        s.io_rest = r->io_timed || PG_VERSION_NUM >= 180000;
        s.io_more = r->io_more;
        s.started = facts.started;
        temp_written = r->io.temp_blks_written;
        if (unlikely(slowlog_due(s.ms)))
            slow_io = r->io;
        key = make_key(stmt->queryId, r->planid, r->toplevel, r->userid);
        // Found again when recording prepared texts: it may have rendered a plan text in a
        // subtransaction.
        if (record(key, s, queryDesc->sourceText, stmt->stmt_location, stmt->stmt_len, queryDesc) &&
            !exec_is_live(r, queryDesc))
            r = exec_find(queryDesc);
        if (r != nullptr)
            exec_pop(r);
        if (key.toplevel)
        {
            activity_end();
            capture_forget_first_run();
        }
    }
    else if (queryDesc->totaltime != nullptr && stmt->queryId != 0 && tracking(nesting_level))
    {
        // The fallback: the instrumentation may still be running if fetched in pieces.
        InstrEndLoop(queryDesc->totaltime);
        const Instrumentation *t = queryDesc->totaltime;
        s.ms = t->total * 1000.0;
        s.ns = t->total > 0 ? uint64(t->total * 1e9) : 0;
        pgpf::IoUsage io = io_from(t->bufusage, t->walusage);
        io.parallel_workers_to_launch = PGPF_PARALLEL_WORKERS_TO_LAUNCH(queryDesc->estate);
        io.parallel_workers_launched = PGPF_PARALLEL_WORKERS_LAUNCHED(queryDesc->estate);
        s.io = &io;
        s.io_rest = true;
        s.started = GetCurrentStatementStartTimestamp();
        temp_written = io.temp_blks_written;
        slow_io = io;
        memset(&facts, 0, sizeof(facts));
        const PlanShape shape = plan_shape_for(stmt);
        features = shape.features;
        key = make_key(stmt->queryId, shape.planid, nesting_level == 0);
        record(key, s, queryDesc->sourceText, stmt->stmt_location, stmt->stmt_len, queryDesc);
    }
    else
        return; // not tracked, or started before we were tracking it
    detect_executor_end(queryDesc, facts, stmt->queryId, features, s.rows, s.ms, s.started);
    if (unlikely(temp_written > 0))
        spill_check(queryDesc, stmt->queryId, temp_written, s.ms);
    if (unlikely(slowlog_due(s.ms)))
        slowlog_write(key, s.ms, s.rows, slow_io, queryDesc, queryDesc->sourceText, stmt->stmt_location,
                      stmt->stmt_len);
}

pg_noinline PlannedStmt *capture_planner(Query *parse, const char *query_string, int cursorOptions,
                                         ParamListInfo boundParams, planner_hook_type next)
{
    const bool tracked = parse->queryId != 0 && tracking(nesting_level);
    if (!(guc_track_planning && query_string != nullptr && tracked))
        return plan_and_note(parse, query_string, cursorOptions, boundParams, next);

    instr_time start, duration;
    const BufferUsage buf_start = pgBufferUsage;
    const WalUsage wal_start = pgWalUsage;
    INSTR_TIME_SET_CURRENT(start);
    PlannedStmt *result = plan_and_note(parse, query_string, cursorOptions, boundParams, next);
    INSTR_TIME_SET_CURRENT(duration);
    INSTR_TIME_SUBTRACT(duration, start);
    pgpf::IoUsage io{};
    capture_detail::accumulate<false>(io, buf_start, wal_start, nullptr); // io_more stays true
    const PlanShape shape = plan_walk_latest(); // of the plan plan_and_note() noted as the latest

    Sample s;
    s.kind = SampleKind::Planning;
    s.ms = INSTR_TIME_GET_MILLISEC(duration);
    s.ns = 0;
    s.rows = 0;
    s.io = &io;
    s.jit = nullptr;
    s.io_rest = true;
    s.started = GetCurrentStatementStartTimestamp();
    record(make_key(parse->queryId, shape.planid, nesting_level == 0), s, query_string, parse->stmt_location,
           parse->stmt_len, nullptr);
    return result;
}

void capture_utility(uint64 queryid, const char *query_string, int location, int length, double ms,
                     uint64 rows, const BufferUsage &buf_start, const WalUsage &wal_start)
{
    pgpf::IoUsage io{};
    capture_detail::accumulate<false>(io, buf_start, wal_start, nullptr); // io_more stays true
    Sample s;
    s.kind = SampleKind::Execution;
    s.ms = ms;
    s.ns = ms > 0 ? uint64(ms * 1e6) : 0;
    s.rows = int64(rows);
    s.io = &io;
    s.jit = nullptr;
    s.io_rest = true;
    s.started = GetCurrentStatementStartTimestamp();
    const EntryKey key = make_key(queryid, 0, nesting_level == 0);
    record(key, s, query_string, location, length, nullptr);
    if (unlikely(slowlog_due(ms)))
        slowlog_write(key, ms, s.rows, io, nullptr, query_string, location, length);
}

} // namespace pgpf
