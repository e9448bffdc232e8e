// capture.hpp — turning one execution, planning or utility run into a store record (capture.cpp).
#pragma once

#include "exec_state.hpp"
#include "pg.hpp"

namespace pgpf
{

// ExecutorStart of a tracked statement, before the executor starts: its stack entry (NULL when the
// stack is full), with its plan id and plan features computed once.
Running *capture_executor_start(QueryDesc *queryDesc, bool toplevel);
// ... and after it started: a statement not on the stack gets the executor's instrumentation.
void capture_executor_started(QueryDesc *queryDesc, Running *running);
// Around each ExecutorRun (count = rows asked for, 0 for all) and ExecutorFinish (count unused).
// capture_call_begin() returns what capture_call_end() is to be given (NULL: nothing measured).
Running *capture_call_begin(QueryDesc *queryDesc, bool is_run);
void capture_call_end(QueryDesc *queryDesc, Running *running, bool is_run, uint64 count);
// ExecutorEnd, before the executor's own: records the execution, feeds the detectors, and takes the
// statement off the stack whether or not it is still tracked.
void capture_executor_end(QueryDesc *queryDesc);
PlannedStmt *capture_planner(Query *parse, const char *query_string, int cursorOptions,
                             ParamListInfo boundParams, planner_hook_type next);
// buf_start and wal_start: the usage counters before the utility ran.
void capture_utility(uint64 queryid, const char *query_string, int location, int length, double ms,
                     uint64 rows, const BufferUsage &buf_start, const WalUsage &wal_start);

} // namespace pgpf
