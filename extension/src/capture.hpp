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
void capture_call_begin(Running *running);
void capture_call_end(QueryDesc *queryDesc, Running *running, bool is_run, uint64 count);
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

} // namespace pgpf
