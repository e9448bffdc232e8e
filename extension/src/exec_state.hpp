// exec_state.hpp — this backend's execution state: the nesting level, the statements running now,
// and the (sub)transaction bookkeeping that keeps both right after errors. The rules are stated at
// the top of exec_state.cpp.
#pragma once

#include "core/counters.hpp"
#include "pg.hpp"
#include "settings.hpp"

namespace pgpf
{

// Depth of the executor/planner/utility calls in this backend: 0 for what a client sent.
extern int nesting_level;

// What the detectors learn from the ExecutorRun calls of one execution.
struct RunFacts
{
    int64 rows; // es_processed summed over runs (before 17 it counts only the last run)
    int32 runs;
    bool unbounded;      // a run was asked for all rows
    bool to_client;      // a run sent its rows to the client (read from the run's receiver while that is
                         // alive: a portal dropped at COMMIT reaches ExecutorEnd with a receiver that an
                         // earlier protocol message allocated, in memory since reset)
    bool sampled;        // gets per-node row counts for the scan detector
    bool system;         // run by the server on the application's behalf (detect.cpp says how it knows)
    TimestampTz started; // the statement timestamp at ExecutorStart
};

// One tracked statement between ExecutorStart and ExecutorEnd: its identity, computed once, and
// the time and buffer/WAL usage of its ExecutorRun and ExecutorFinish calls (what a query's
// total-time instrumentation would measure, without allocating one).
struct Running
{
    QueryDesc *qd;
    uint64 queryid;
    uint64 planid; // of the plan it runs, computed once at ExecutorStart
    uint32 plan_features;
    bool toplevel;               // nesting level 0 when it started
    Oid userid;                  // the role it runs as, at ExecutorStart (its record's, its activity slot's)
    SubTransactionId subid;      // the subtransaction it started in
    SubTransactionId call_subid; // while a call is in progress: the subtransaction it began in
    instr_time started;          // of the call being measured
    int64 elapsed_ns;            // summed over calls
    BufferUsage buf_before;
    WalUsage wal_before;
    pgpf::IoUsage io; // summed over calls, once io_set (set, not zeroed, by the first call)
    bool io_set;
    bool io_timed; // a call was measured with track_io_timing: io holds times
    bool io_more;  // io may have local, temp or WAL usage (IoUsage::add's more)
    RunFacts facts;
};

namespace exec_detail
{
// The stack itself, for the inline look-ups below: only exec_state.cpp changes it.
constexpr int kRunning = 32;
extern Running running[kRunning];
extern Running *running_end; // one past the innermost statement
// The current subtransaction's id, followed through the subtransaction callbacks (what
// GetCurrentSubTransactionId() returns, without a call into the server per statement).
extern SubTransactionId current_subid;
// The statement timestamp, read at the ExecutorStart of each tracked statement (for the activity
// slot and the detectors' facts).
extern TimestampTz nesting_message;
// Whether the nesting level may be stale (exec_state.cpp: a transaction ended with the level
// raised, or nothing has run in this process yet), and the statement timestamp when it was marked.
extern bool sync_pending;
extern TimestampTz pending_message;
void exec_sync_slow();
void exec_pop_slow(Running *r);
} // namespace exec_detail

// The (sub)transaction events, from the one pair of callbacks hooks.cpp registers.
void exec_xact_event(XactEvent event);
void exec_subxact_event(SubXactEvent event, SubTransactionId mySubid, SubTransactionId parentSubid);
// First thing in every hook a client message can enter by: a new message starts at level zero.
// Checked only when the level may be stale (a flag test per hook, no timestamp read).
inline void exec_sync_message()
{
    if (unlikely(exec_detail::sync_pending))
        exec_detail::exec_sync_slow();
}
// The statement timestamp, for what ExecutorStart of a tracked statement records.
inline void exec_note_statement_start()
{
    exec_detail::nesting_message = GetCurrentStatementStartTimestamp();
}

// ExecutorStart has returned: the statement is no longer in a call.
inline void exec_started(Running *r)
{
    r->call_subid = InvalidSubTransactionId;
}
inline Running *exec_find(const QueryDesc *qd)
{
    using namespace exec_detail;
    // From the top down (the one looked for is almost always there), on pointers compared for
    // equality only: an empty stack costs one test, the top entry two.
    Running *r = running_end;
    while (r != running)
    {
        --r;
        if (r->qd == qd)
            return r;
    }
    return nullptr;
}
// Off the stack (at ExecutorEnd); r must be an entry exec_find() returned.
inline void exec_pop(Running *r)
{
    if (r + 1 == exec_detail::running_end)
        exec_detail::running_end = r; // the common case: the innermost statement ends
    else
        exec_detail::exec_pop_slow(r);
}
// A tracked statement is about to start; NULL when the stack is full (deep recursion, many open
// cursors): the caller then measures it with the executor's own instrumentation.
inline Running *exec_push(QueryDesc *qd, uint64 queryid, bool toplevel)
{
    using namespace exec_detail;
    if (Running *dead = exec_find(qd))
        exec_pop(dead);
    if (running_end == running + kRunning)
        return nullptr;
    Running *r = running_end++;
    r->qd = qd;
    r->queryid = queryid;
    r->planid = 0;
    r->plan_features = 0;
    r->toplevel = toplevel;
    Assert(current_subid == GetCurrentSubTransactionId());
    r->subid = current_subid;
    r->call_subid = r->subid; // ExecutorStart is in progress
    r->elapsed_ns = 0;
    r->io_set = false; // the first call sets io: no memset per statement
    r->io_timed = false;
    memset(&r->facts, 0, sizeof(r->facts));
    return r;
}
// Whether r, found earlier, is still qd's entry (what ran since may have moved the stack).
inline bool exec_is_live(const Running *r, const QueryDesc *qd)
{
    return r < exec_detail::running_end && r->qd == qd;
}
// Around each ExecutorRun/ExecutorFinish call of a statement on the stack.
inline void exec_call_begin(Running *r)
{
    r->call_subid = exec_detail::current_subid;
}
inline void exec_call_end(Running *r)
{
    r->call_subid = InvalidSubTransactionId;
}

// Statements on the stack; for pg_perfgate_backend_state() also the open subtransactions we know of.
inline int exec_depth()
{
    return int(exec_detail::running_end - exec_detail::running);
}
int exec_subxact_depth();

} // namespace pgpf
