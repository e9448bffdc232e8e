// capture.hpp — turning one execution, planning or utility run into a store record (capture.cpp).
#pragma once

#include "exec_state.hpp"
#include "plan_cache.hpp"
#include "pg.hpp"

namespace pgpf
{

// ExecutorStart of a tracked statement, before the executor starts: its stack entry (NULL when the
// stack is full), with its plan id and plan features computed once.
Running *capture_executor_start(QueryDesc *queryDesc, bool toplevel);
// ... and after it started: a statement not on the stack gets the executor's instrumentation; a
// top-level statement running for the first time publishes its plan for pg_perfgate_activity.
void capture_executor_started(QueryDesc *queryDesc, Running *running);
// Around each ExecutorRun (count = rows asked for, 0 for all) and ExecutorFinish (count unused) of
// a statement on the stack (the hooks look it up inline, so that the statements we do not track
// pay for one look-up and nothing more).
// capture_call_begin() and capture_call_end(), inline at the end of this header: they run around
// every ExecutorRun of a tracked statement.
// Whether ExecutorFinish has nothing to run, and so nothing to measure. It runs what a data-modifying
// CTE left (ExecPostprocessPlan) and the AFTER triggers the statement queued (AfterTriggerEndQuery:
// row and statement triggers, foreign-key checks and actions, transition tables), and a statement
// queues AFTER trigger events only for relations that have triggers. So it is empty for a plain
// SELECT, and for a write none of whose result relations (routed partitions included) has a
// trigger; then all it does is a few bookkeeping instructions, no buffer or WAL, which
// pg_stat_statements times and we do not.
inline bool any_has_triggers(const List *result_relations)
{
    const ListCell *lc;
    foreach (lc, result_relations)
        if (static_cast<const ResultRelInfo *>(lfirst(lc))->ri_TrigDesc != nullptr)
            return true;
    return false;
}
inline bool capture_finish_is_empty(const QueryDesc *qd)
{
    if (qd->plannedstmt->hasModifyingCTE)
        return false;
    if (qd->operation == CMD_SELECT)
        return true;
    const EState *es = qd->estate;
    return es->es_trig_target_relations == NIL && !any_has_triggers(es->es_opened_result_relations) &&
           !any_has_triggers(es->es_tuple_routing_result_relations);
}
// ExecutorEnd, before the executor's own: records the execution, feeds the detectors, and takes the
// statement off the stack whether or not it is still tracked. running: its stack entry, or NULL
// (then only a statement with the executor's instrumentation, the fallback, is recorded).
void capture_executor_end(QueryDesc *queryDesc, Running *running);
// Plans with the nesting level raised around the planner (functions evaluated while planning are
// not top-level statements; on error the (sub)transaction abort restores the level) and notes the
// new plan as the latest, so that its first execution walks it once (plan_cache.cpp). All that
// happens when planning is not recorded; capture_planner() times it when it is.
inline PlannedStmt *plan_and_note(Query *parse, const char *query_string, int cursorOptions,
                                  ParamListInfo boundParams, planner_hook_type next)
{
    nesting_level++;
    PlannedStmt *result = next ? next(parse, query_string, cursorOptions, boundParams)
                               : standard_planner(parse, query_string, cursorOptions, boundParams);
    nesting_level--;
    plan_made(result);
    return result;
}
// Planning, recorded when pg_perfgate.track_planning says so.
PlannedStmt *capture_planner(Query *parse, const char *query_string, int cursorOptions,
                             ParamListInfo boundParams, planner_hook_type next);
// Its transaction aborted: a first run's plan text rendered for the view is dropped.
void capture_forget_first_run();
// buf_start and wal_start: the usage counters before the utility ran.
void capture_utility(uint64 queryid, const char *query_string, int location, int length, double ms,
                     uint64 rows, const BufferUsage &buf_start, const WalUsage &wal_start);

namespace capture_detail
{

// Two int64 counters at once (SSE2 on x86-64), read and written without alignment assumptions.
typedef int64 V2 __attribute__((vector_size(16)));
inline __attribute__((always_inline)) V2 load2(const void *p)
{
    V2 v;
    memcpy(&v, p, sizeof(v));
    return v;
}
inline __attribute__((always_inline)) void store2(void *p, V2 v)
{
    memcpy(p, &v, sizeof(v));
}
#define PGPF_SAME_AT(field, i)                                                                               \
    static_assert(offsetof(BufferUsage, field) == (i) * sizeof(int64) &&                                     \
                      offsetof(pgpf::IoUsage, field) == (i) * sizeof(int64),                                 \
                  "BufferUsage and IoUsage start with the same block counters")
PGPF_SAME_AT(shared_blks_hit, 0);
PGPF_SAME_AT(shared_blks_read, 1);
PGPF_SAME_AT(shared_blks_dirtied, 2);
PGPF_SAME_AT(shared_blks_written, 3);
PGPF_SAME_AT(local_blks_hit, 4);
PGPF_SAME_AT(local_blks_read, 5);
PGPF_SAME_AT(local_blks_dirtied, 6);
PGPF_SAME_AT(local_blks_written, 7);
PGPF_SAME_AT(temp_blks_read, 8);
PGPF_SAME_AT(temp_blks_written, 9);
#undef PGPF_SAME_AT

// dst += d, or with First dst = d.
template <bool First, typename T, typename U> inline __attribute__((always_inline)) void put(T &dst, U d)
{
    if constexpr (First)
        dst = T(d);
    else
        dst += T(d);
}

// io += usage now - usage before, for the counters we keep (times only with track_io_timing,
// which returns true). First: io is set instead, every field (the first call of an execution:
// its entry's io is not zeroed beforehand, which the memset cost every statement). *more (when not
// null): whether this call's usage has anything in the local, temp and WAL counters
// (IoUsage::more_of()), worked out from the differences while they are at hand.
template <bool First>
inline __attribute__((always_inline)) bool accumulate(pgpf::IoUsage &io, const BufferUsage &b0,
                                                      const WalUsage &w0, bool *more)
{
    const BufferUsage &b = pgBufferUsage;
    int64 any = 0;
    const auto put_more = [&](auto &dst, int64 d) __attribute__((always_inline))
    {
        any |= d;
        put<First>(dst, d);
    };
    // The ten block counters, two at a time: the same ten int64 fields, in the same order, at the
    // start of BufferUsage and of IoUsage (asserted below).
    {
        const char *now = reinterpret_cast<const char *>(&b);
        const char *before = reinterpret_cast<const char *>(&b0);
        char *dst = reinterpret_cast<char *>(&io);
        const auto pair = [&](int i) __attribute__((always_inline))
        {
            const V2 d = load2(now + 16 * i) - load2(before + 16 * i);
            store2(dst + 16 * i, First ? d : load2(dst + 16 * i) + d);
            return d;
        };
        pair(0);                                            // shared hit, read
        pair(1);                                            // shared dirtied, written
        const V2 more_blocks = pair(2) | pair(3) | pair(4); // local, temp
        any = more_blocks[0] | more_blocks[1];
    }
    if (track_io_timing)
    {
        put<First>(io.blk_read_time, PGPF_BLK_READ_TIME(b) - PGPF_BLK_READ_TIME(b0));
        put<First>(io.blk_write_time, PGPF_BLK_WRITE_TIME(b) - PGPF_BLK_WRITE_TIME(b0));
        put<First>(io.temp_blk_read_time, PGPF_TEMP_BLK_READ_TIME(b) - PGPF_TEMP_BLK_READ_TIME(b0));
        put<First>(io.temp_blk_write_time, PGPF_TEMP_BLK_WRITE_TIME(b) - PGPF_TEMP_BLK_WRITE_TIME(b0));
        put<First>(io.local_blk_read_time, PGPF_LOCAL_BLK_READ_TIME(b) - PGPF_LOCAL_BLK_READ_TIME(b0));
        put<First>(io.local_blk_write_time, PGPF_LOCAL_BLK_WRITE_TIME(b) - PGPF_LOCAL_BLK_WRITE_TIME(b0));
    }
    else if (First)
    {
        io.blk_read_time = io.blk_write_time = io.temp_blk_read_time = io.temp_blk_write_time = 0;
        io.local_blk_read_time = io.local_blk_write_time = 0;
    }
    put_more(io.wal_records, pgWalUsage.wal_records - w0.wal_records);
    put_more(io.wal_fpi, pgWalUsage.wal_fpi - w0.wal_fpi);
    put_more(io.wal_bytes, int64(pgWalUsage.wal_bytes - w0.wal_bytes));
    if (more != nullptr)
        *more = any != 0;
    put<First>(io.wal_buffers_full, PGPF_WAL_BUFFERS_FULL(pgWalUsage) - PGPF_WAL_BUFFERS_FULL(w0));
    if (First)
        io.parallel_workers_to_launch = io.parallel_workers_launched = 0; // counted at ExecutorEnd
    return track_io_timing;
}

} // namespace capture_detail

inline __attribute__((always_inline)) void capture_call_begin(Running *r)
{
    exec_call_begin(r);
    r->buf_before = pgBufferUsage;
    r->wal_before = pgWalUsage;
    INSTR_TIME_SET_CURRENT(r->started);
}

inline __attribute__((always_inline)) void capture_call_end(QueryDesc *queryDesc, Running *r, bool is_run,
                                                            uint64 count)
{
    // What ran meanwhile (a cursor closed out of order, a failed subtransaction) may have moved the
    // stack and left a stale copy of this entry behind.
    if (!exec_is_live(r, queryDesc) && (r = exec_find(queryDesc)) == nullptr)
        return;
    exec_call_end(r);
    instr_time now;
    INSTR_TIME_SET_CURRENT(now);
    r->elapsed_ns += PGPF_INSTR_DIFF_NS(now, r->started);
    if (likely(!r->io_set))
    {
        r->io_timed = capture_detail::accumulate<true>(r->io, r->buf_before, r->wal_before, &r->io_more);
        r->io_set = true;
    }
    else
    {
        bool more;
        r->io_timed |= capture_detail::accumulate<false>(r->io, r->buf_before, r->wal_before, &more);
        r->io_more |= more;
    }
    if (is_run)
    {
        r->facts.runs++;
        r->facts.rows += int64(queryDesc->estate->es_processed);
        r->facts.unbounded |= count == 0;
        const CommandDest d = queryDesc->dest->mydest;
        r->facts.to_client |= d == DestRemote || d == DestRemoteExecute || d == DestRemoteSimple;
    }
}

} // namespace pgpf
