/*
 * exec_state.cpp — this backend's execution state, in one place: the nesting level, the stack of
 * tracked statements running now, and the (sub)transaction bookkeeping that keeps both right when
 * statements fail.
 *
 * Protocol (one backend, no locks: everything here is backend-local; the (sub)transaction events
 * arrive through the extension's one pair of callbacks, in hooks.cpp):
 *  - nesting_level is raised around every ExecutorRun, ExecutorFinish, planner and utility call
 *    (hooks.cpp) and lowered when the call returns. pg_stat_statements restores it with
 *    PG_TRY/PG_FINALLY around each call; those setjmps cost more per statement than the rest of
 *    our bookkeeping, so we restore it where PostgreSQL itself recovers from an error instead: a
 *    subtransaction's abort (an EXCEPTION block, ROLLBACK TO SAVEPOINT) resets it to the level at
 *    which the subtransaction began, and every client message starts at level zero, since none of
 *    our frames outlives the message that entered it. A transaction that ends (abort, commit,
 *    prepare) with the level raised marks it as possibly stale, with the statement timestamp of the
 *    message it ended in; the next hook (exec_sync_message()) then compares that timestamp, which
 *    PostgreSQL sets for each message, with the current one: another message means all our frames
 *    are gone and the level is zero; the same message means the frames are alive (a procedure's
 *    COMMIT or ROLLBACK) and the level is right. An error always ends in a (sub)transaction abort,
 *    so the hooks need no timestamp read of their own: a flag test. The flag starts set, so that
 *    a process's first hook also works out the tracking bound (settings.hpp: a parallel worker).
 *  - The stack holds the tracked statements between ExecutorStart and ExecutorEnd. Nested ones end
 *    before the statement that runs them, so the one looked for is almost always on top; cursors
 *    may end out of order. Each entry is tagged with the subtransaction it started in and, while a
 *    call (ExecutorStart, ExecutorRun, ExecutorFinish) is in progress, with the subtransaction that
 *    call began in.
 *  - An entry leaves the stack at its ExecutorEnd, whatever is tracked by then, or when PostgreSQL
 *    will never call ExecutorEnd for it, which is exactly when the statement failed:
 *      * at the abort of subtransaction S, every entry that started in S or in a later (so inner)
 *        subtransaction, and every entry with a call in progress that began there: a cursor opened
 *        before a savepoint whose FETCH failed inside it is marked failed by PostgreSQL, and a
 *        failed portal is dropped without ExecutorEnd;
 *      * at a transaction's abort, every entry;
 *      * at a transaction's commit, every entry with a call in progress (none can legitimately be);
 *        the others stay: a procedure's FOR loop over a query goes on across COMMITs in its body.
 *    An ExecutorStart whose QueryDesc has the address of an entry still on the stack proves that
 *    entry dead (its QueryDesc was freed): it is dropped before the new one is pushed, so a reused
 *    address never inherits a dead entry's timings.
 *  - A full stack is not an error: the statement is measured with the executor's instrumentation.
 */
#include "exec_state.hpp"

namespace pgpf
{

int nesting_level = 0;

namespace exec_detail
{
Running running[kRunning];
Running *running_end = running;
SubTransactionId current_subid = TopSubTransactionId;
TimestampTz nesting_message = 0;
bool sync_pending = true;
TimestampTz pending_message = 0;

void exec_sync_slow()
{
    sync_pending = false;
    if (GetCurrentStatementStartTimestamp() != pending_message)
        nesting_level = 0;
    track_bound_refresh(); // settings.hpp: a parallel worker's first statement, among others
}

void exec_pop_slow(Running *r)
{
    if (r < running || r >= running_end)
        return;
    if (r < running_end - 1) // a cursor closed out of order
        memmove(r, r + 1, sizeof(Running) * (running_end - 1 - r));
    running_end--;
}
} // namespace exec_detail

namespace
{

using namespace exec_detail;

// The nesting level at the start of each open subtransaction, innermost last.
int *subxact_levels = nullptr;
int subxact_depth = 0;
int subxact_capacity = 0;

// Removes the entries for which drop(entry) holds, keeping the others in order.
template <typename F> void drop_if(F &&drop)
{
    int kept = 0;
    const int top = int(running_end - running);
    for (int i = 0; i < top; i++)
    {
        if (drop(running[i]))
            continue;
        if (kept != i)
            running[kept] = running[i];
        kept++;
    }
    running_end = running + kept;
}

} // namespace

// A transaction ended with the level raised: stale after an error, right inside a procedure.
static void mark_level_suspect()
{
    sync_pending = true;
    pending_message = GetCurrentStatementStartTimestamp();
}

void exec_xact_event(XactEvent event)
{
    switch (event)
    {
    case XACT_EVENT_ABORT:
    case XACT_EVENT_PARALLEL_ABORT:
    case XACT_EVENT_COMMIT:
    case XACT_EVENT_PARALLEL_COMMIT:
    case XACT_EVENT_PREPARE:
        if (unlikely(nesting_level != 0))
            mark_level_suspect();
        break;
    default:
        break;
    }
    switch (event)
    {
    case XACT_EVENT_ABORT:
    case XACT_EVENT_PARALLEL_ABORT:
        running_end = running;
        subxact_depth = 0;
        current_subid = TopSubTransactionId;
        break;
    case XACT_EVENT_COMMIT:
    case XACT_EVENT_PARALLEL_COMMIT:
    case XACT_EVENT_PREPARE:
        if (running_end > running)
        {
            drop_if([](const Running &r) { return r.call_subid != InvalidSubTransactionId; });
            // What stays (a procedure's loop) belongs to the top level of the next transaction.
            for (Running *r = running; r < running_end; r++)
                r->subid = TopSubTransactionId;
        }
        subxact_depth = 0; // subtransactions never outlive their transaction
        current_subid = TopSubTransactionId;
        break;
    default:
        break;
    }
}

void exec_subxact_event(SubXactEvent event, SubTransactionId mySubid, SubTransactionId parentSubid)
{
    switch (event)
    {
    case SUBXACT_EVENT_START_SUB:
        current_subid = mySubid;
        if (subxact_depth == subxact_capacity)
        {
            const int n = Max(16, subxact_capacity * 2);
            const Size bytes = sizeof(int) * n;
            subxact_levels = static_cast<int *>(subxact_levels ? repalloc(subxact_levels, bytes)
                                                               : MemoryContextAlloc(TopMemoryContext, bytes));
            subxact_capacity = n;
        }
        subxact_levels[subxact_depth++] = nesting_level;
        break;
    case SUBXACT_EVENT_COMMIT_SUB:
        current_subid = parentSubid;
        if (subxact_depth > 0)
            subxact_depth--;
        break;
    case SUBXACT_EVENT_ABORT_SUB:
        current_subid = parentSubid;
        if (subxact_depth > 0)
            nesting_level = subxact_levels[--subxact_depth];
        // Subtransaction ids grow within a transaction: one at or above mySubid began inside it.
        drop_if(
            [mySubid](const Running &r) {
                return r.subid >= mySubid ||
                       (r.call_subid != InvalidSubTransactionId && r.call_subid >= mySubid);
            });
        break;
    default:
        break;
    }
}

int exec_subxact_depth()
{
    return subxact_depth;
}

} // namespace pgpf
