// Declarations shared by the extension's PG-aware files: GUC values, the per-backend nesting level,
// and the functions each file offers the others. One job per file:
//   module.cpp     _PG_init, GUCs, hook installation
//   hooks.cpp      the hook shims: chain to the previous hook, keep the nesting level
//   capture.cpp    turn one execution, planning or utility run into a record
//   plan_id.cpp    plan tree -> 64-bit shape fingerprint
//   plan_text.cpp  costs-off EXPLAIN of a plan seen for the first time
//   normalize.cpp  query text with constants replaced by $n, cached per backend
//   store.cpp      shared memory layout, locking, eviction
//   persist.cpp    saving and reloading the store across restarts
//   detect.cpp     the anti-pattern detectors (N+1, row-by-row, OFFSET, huge fetch, seq scan)
//   views.cpp      the SQL-callable functions
#pragma once

#include "core/counters.hpp"
#include "pg.hpp"

namespace pgpf
{

enum TrackLevel
{
    TRACK_NONE,
    TRACK_TOP,
    TRACK_ALL
};

// GUCs (module.cpp)
extern int guc_max;
extern int guc_track;
extern bool guc_track_utility;
extern bool guc_track_planning;
extern bool guc_save;
extern int guc_query_text_size;
extern int guc_plan_text_size;
extern bool guc_plan_text;
extern int guc_max_antipatterns;

// Nesting depth of the executor/planner/utility calls in this backend (hooks.cpp).
extern int nesting_level;

inline bool tracking(int level)
{
    return !IsParallelWorker() && (guc_track == TRACK_ALL || (guc_track == TRACK_TOP && level == 0));
}

void install_hooks();

// capture.cpp. A statement between ExecutorStart and ExecutorEnd, as our hooks measure it: the
// time and buffer/WAL usage of its ExecutorRun and ExecutorFinish calls (what a query's total-time
// instrumentation would measure, without allocating one), and what the detectors need.
struct RunFacts
{
    int64 rows; // es_processed summed over runs (before 17 it counts only the last run)
    int32 runs;
    bool unbounded; // a run was asked for all rows
    bool sampled;   // gets per-node row counts for the scan detector
};
struct Running
{
    QueryDesc *qd;
    instr_time started; // of the call being measured
    instr_time elapsed; // summed over calls
    BufferUsage buf_before;
    WalUsage wal_before;
    pgperfgate::IoUsage io; // summed over calls
    RunFacts facts;
};
// Registers a tracked statement about to start; NULL when our stack is full. Once the executor
// has started, capture_executor_started() sets up the fallback for a statement not on the stack.
Running *capture_executor_start(QueryDesc *queryDesc);
void capture_executor_started(QueryDesc *queryDesc, const Running *running);
// The stack's depth, and dropping what is above a depth (the entries of failed statements).
int capture_depth();
void capture_truncate(int depth);
// Around each ExecutorRun (count = rows asked for, 0 for all) and ExecutorFinish (count unused).
// capture_call_begin() returns what capture_call_end() is to be given (NULL: nothing measured).
Running *capture_call_begin(QueryDesc *queryDesc, bool is_run);
void capture_call_end(QueryDesc *queryDesc, Running *running, bool is_run, uint64 count);
void capture_executor_end(QueryDesc *queryDesc);
PlannedStmt *capture_planner(Query *parse, const char *query_string, int cursorOptions,
                             ParamListInfo boundParams, planner_hook_type next);
// buf_start and wal_start: the usage counters before the utility ran.
void capture_utility(uint64 queryid, const char *query_string, int location, int length, double ms,
                     uint64 rows, const BufferUsage &buf_start, const WalUsage &wal_start);

// plan_id.cpp. *features receives PLAN_HAS_* bits: what the detectors may want to look at.
constexpr uint32 PLAN_HAS_OFFSET = 1;  // a Limit node with an OFFSET
constexpr uint32 PLAN_HAS_SEQSCAN = 2; // a (parallel) sequential scan with a filter
uint64 compute_plan_id(const PlannedStmt *stmt, uint32 *features);

// detect.cpp: the anti-pattern detectors, per backend.
void detect_define_gucs();
void detect_executor_start(QueryDesc *queryDesc, Running *running);
void detect_note_utility(uint64 queryid); // a utility statement (a DO block, say) is starting
void detect_utility_end();                // ... and has ended: the loops it ran are over
void detect_executor_end(QueryDesc *queryDesc, const RunFacts &run, uint64 queryid, uint32 plan_features,
                         int64 rows, double ms);
void detect_raise_pending(); // after ExecutorEnd: the log line, warning or error a detector asked for
void detect_flush();         // ends this backend's open bursts (before the views read them)

// plan_text.cpp: palloc'd costs-off EXPLAIN text of a running query, without a trailing newline.
char *render_plan_text(QueryDesc *queryDesc);

// normalize.cpp
void remember_normalized_text(ParseState *pstate, Query *query, JumbleState *jstate);
// The query's text for storing: normalized if this backend saw it parsed, otherwise the statement's
// own text. palloc'd; *len receives its length.
char *query_text_for(uint64 queryid, const char *source, int location, int length, int *len);

} // namespace pgpf
