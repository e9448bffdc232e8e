/*
 * hooks.cpp — the hook shims: each saves the previous hook, chains to it (or to the standard
 * function), keeps the nesting level (exec_state.cpp says how it is restored after errors), and
 * hands the measuring to capture.cpp. Each shim is named after the hook it wraps (pgpf_ExecutorStart
 * beside prev_ExecutorStart, as pg_stat_statements does). hooks_init() defines the tracking settings
 * and installs the shims. Every shim's work runs inside pgpf::guarded(): no C++ exception
 * reaches PostgreSQL, and nothing with a destructor lives in these frames. Two usual cases stay
 * outside a guard of their own, being plain reads and stores: ExecutorFinish with nothing to run,
 * and parse analysis of a statement whose text is cached (the text cache guards its rare work
 * itself, normalize.cpp); the planner's usual case is guarded in a frame that keeps nothing across
 * the planner call. ProcessUtility keeps PG_TRY: it is rare, and it measures its own time.
 */
#include "hooks.hpp"

#include "activity.hpp"
#include "capture.hpp"
#include "detect.hpp"
#include "detect_repeat.hpp"
#include "exec_state.hpp"
#include "guard.hpp"
#include "settings.hpp"
#include "normalize.hpp"
#include "param_sample.hpp"
#include "store.hpp"

namespace pgpf
{

namespace
{

post_parse_analyze_hook_type prev_post_parse_analyze_hook = nullptr;
planner_hook_type prev_planner_hook = nullptr;
ExecutorStart_hook_type prev_ExecutorStart = nullptr;
ExecutorRun_hook_type prev_ExecutorRun = nullptr;
ExecutorFinish_hook_type prev_ExecutorFinish = nullptr;
ExecutorEnd_hook_type prev_ExecutorEnd = nullptr;
ProcessUtility_hook_type prev_ProcessUtility = nullptr;

// Parse analysis, in full: the nesting level to work out, the session to count, a hook before ours,
// a utility statement, parameter samples.
pg_noinline void post_parse_analyze_full(ParseState *pstate, Query *query, JumbleState *jstate)
{
    guarded("post_parse_analyze",
            [&]
            {
                exec_sync_message();
                conn_session_start();
                if (prev_post_parse_analyze_hook)
                    prev_post_parse_analyze_hook(pstate, query, jstate);
                if (!store_attached() || !tracking(nesting_level))
                    return;
                // EXECUTE and PREPARE are counted under the statement they run, DEALLOCATE not at all,
                // exactly as pg_stat_statements does, so that the two agree when both are loaded.
                if (query->utilityStmt != nullptr)
                {
                    if (guc_track_utility && !PGPF_HANDLED_UTILITY(query->utilityStmt))
                        query->queryId = UINT64CONST(0);
                    return;
                }
                remember_normalized_text(pstate, query, jstate);
                if (unlikely(guc_capture_params))
                    param_sample_note_constants(pstate, query, jstate);
            });
}

// The usual statement (none of the above): only its normalized text, which a statement run again has
// cached already. A tail call, so that this frame keeps nothing.
PGPF_HOT void pgpf_post_parse_analyze(ParseState *pstate, Query *query, JumbleState *jstate)
{
    if (unlikely(exec_detail::sync_pending || !conn_started || prev_post_parse_analyze_hook != nullptr ||
                 guc_capture_params || query->utilityStmt != nullptr))
    {
        post_parse_analyze_full(pstate, query, jstate);
        return;
    }
    if (store_attached() && tracking(nesting_level))
        remember_normalized_text(pstate, query, jstate);
}

// The planner hook's rare cases, in a frame of their own: the nesting level to work out first
// (exec_sync_message()), or the planning to record.
pg_noinline PlannedStmt *planner_rare(Query *parse, const char *query_string, int cursorOptions,
                                      ParamListInfo boundParams)
{
    return guarded(
        "planner",
        [&]
        {
            exec_sync_message();
            if (!guc_track_planning)
                return plan_and_note(parse, query_string, cursorOptions, boundParams, prev_planner_hook);
            return capture_planner(parse, query_string, cursorOptions, boundParams, prev_planner_hook);
        });
}

// The usual case passes its arguments straight on and needs none of them afterwards, so its frame
// keeps nothing across the call.
PGPF_HOT PlannedStmt *pgpf_planner(Query *parse, const char *query_string, int cursorOptions,
                                   ParamListInfo boundParams)
{
    if (unlikely(exec_detail::sync_pending || guc_track_planning))
        return planner_rare(parse, query_string, cursorOptions, boundParams);
    return guarded(
        "planner",
        [&] { return plan_and_note(parse, query_string, cursorOptions, boundParams, prev_planner_hook); });
}

PGPF_HOT void pgpf_ExecutorStart(QueryDesc *queryDesc, int eflags)
{
    guarded("ExecutorStart",
            [&]
            {
                exec_sync_message();
                // Before the executor starts: a sampled execution asks for per-node row counts.
                const bool tracked =
                    store_attached() && queryDesc->plannedstmt->queryId != 0 && tracking(nesting_level);
                Running *running = nullptr;
                if (tracked)
                {
                    exec_note_statement_start();
                    running = capture_executor_start(queryDesc, nesting_level == 0);
                    detect_executor_start(queryDesc, running);
                }
                if (prev_ExecutorStart)
                    prev_ExecutorStart(queryDesc, eflags);
                else
                    standard_ExecutorStart(queryDesc, eflags);
                if (tracked)
                    capture_executor_started(queryDesc, running);
            });
}

PGPF_HOT void pgpf_ExecutorRun(PGPF_EXECUTOR_RUN_ARGS)
{
    guarded("ExecutorRun",
            [&]
            {
                exec_sync_message();
                Running *running = exec_find(queryDesc);
                if (running != nullptr)
                    capture_call_begin(running);
                // On error the level is restored by the (sub)transaction abort: see exec_state.cpp.
                nesting_level++;
                if (prev_ExecutorRun)
                    prev_ExecutorRun(PGPF_EXECUTOR_RUN_PASS);
                else
                    standard_ExecutorRun(PGPF_EXECUTOR_RUN_PASS);
                nesting_level--;
                if (running != nullptr)
                    capture_call_end(queryDesc, running, true, count);
            });
}

// An ExecutorFinish with something to run: measured, what it runs one level down.
pg_noinline void finish_measured(QueryDesc *queryDesc)
{
    guarded("ExecutorFinish",
            [&]
            {
                Running *running = exec_find(queryDesc);
                if (running != nullptr)
                    capture_call_begin(running);
                nesting_level++;
                if (prev_ExecutorFinish)
                    prev_ExecutorFinish(queryDesc);
                else
                    standard_ExecutorFinish(queryDesc);
                nesting_level--;
                if (running != nullptr)
                    capture_call_end(queryDesc, running, false, 0);
            });
}

PGPF_HOT void pgpf_ExecutorFinish(QueryDesc *queryDesc)
{
    // Nothing to run (capture.hpp: a SELECT, a write to tables without triggers): nothing to measure
    // and no nested statement, so only the chain, as a tail call. Plain reads, nothing to guard.
    if (likely(capture_finish_is_empty(queryDesc)))
    {
        if (prev_ExecutorFinish)
            prev_ExecutorFinish(queryDesc);
        else
            standard_ExecutorFinish(queryDesc);
        return;
    }
    finish_measured(queryDesc);
}

// ExecutorEnd's rare work, out of line so that the hook's frame stays small: the parameter sample
// (capture_params) and a detector's pending message.
pg_noinline Running *end_param_sample(QueryDesc *queryDesc, Running *running)
{
    param_sample_executor_end(queryDesc, running);
    // Found again: formatting the values may have run a subtransaction.
    return exec_find(queryDesc);
}

pg_noinline void end_raise_pending(QueryDesc *queryDesc)
{
    detect_raise_pending(queryDesc);
}

PGPF_HOT void pgpf_ExecutorEnd(QueryDesc *queryDesc)
{
    guarded("ExecutorEnd",
            [&]
            {
                // A statement we do not track costs this look-up and two tests.
                Running *running = exec_find(queryDesc);
                if (unlikely(guc_capture_params) && running != nullptr)
                    running = end_param_sample(queryDesc, running);
                if ((running != nullptr || queryDesc->totaltime != nullptr) && store_attached())
                    capture_executor_end(queryDesc, running);
                // Every write, at any level, tracked or not: the change stamps of its tables.
                repeat_note_write(queryDesc);
                if (prev_ExecutorEnd)
                    prev_ExecutorEnd(queryDesc);
                else
                    standard_ExecutorEnd(queryDesc);
                if (unlikely(detect_pending_for(queryDesc)))
                    end_raise_pending(queryDesc);
            });
}

void call_process_utility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
                          ProcessUtilityContext context, ParamListInfo params, QueryEnvironment *queryEnv,
                          DestReceiver *dest, QueryCompletion *qc)
{
    if (prev_ProcessUtility)
        prev_ProcessUtility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
    else
        standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
}

// When pg_stat_statements runs outside us (loaded after us) it has cleared a utility statement's
// query id already; a top-level statement's id is still in the backend status, where core put it
// at parse analysis.
uint64 utility_query_id(const PlannedStmt *pstmt)
{
    if (pstmt->queryId == 0 && nesting_level == 0 && IsQueryIdEnabled())
        return pgstat_get_my_query_id();
    return pstmt->queryId;
}

// A utility we measure (hooks.cpp's only PG_TRY, in a frame of its own so that the statements
// that only pass through do not pay for its setjmp).
pg_noinline void measure_utility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
                                 ProcessUtilityContext context, ParamListInfo params,
                                 QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc,
                                 uint64 queryid)
{
    const int location = pstmt->stmt_location;
    const int length = pstmt->stmt_len;
    instr_time start, duration;
    const BufferUsage buf_start = pgBufferUsage;
    const WalUsage wal_start = pgWalUsage;
    INSTR_TIME_SET_CURRENT(start);
    // Statements the utility runs (EXPLAIN ANALYZE, CREATE TABLE AS, a procedure's body) are
    // nested: measured here as part of the utility, on their own only under track = all.
    detect_note_utility(queryid);
    nesting_level++;
    PG_TRY();
    {
        call_process_utility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
    }
    PG_FINALLY();
    {
        nesting_level--;
    }
    PG_END_TRY();
    INSTR_TIME_SET_CURRENT(duration);
    INSTR_TIME_SUBTRACT(duration, start);

    uint64 rows = 0;
    if (qc != nullptr &&
        (qc->commandTag == CMDTAG_COPY || qc->commandTag == CMDTAG_FETCH || qc->commandTag == CMDTAG_SELECT ||
         qc->commandTag == CMDTAG_REFRESH_MATERIALIZED_VIEW))
        rows = qc->nprocessed;

    detect_utility_end(queryid, int64(rows), INSTR_TIME_GET_MILLISEC(duration));
    capture_utility(queryid, queryString, location, length, INSTR_TIME_GET_MILLISEC(duration), rows,
                    buf_start, wal_start);
}

void pgpf_ProcessUtility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
                         ProcessUtilityContext context, ParamListInfo params, QueryEnvironment *queryEnv,
                         DestReceiver *dest, QueryCompletion *qc)
{
    guarded("ProcessUtility",
            [&]
            {
                exec_sync_message();
                const Node *parsetree = pstmt->utilityStmt;
                repeat_note_utility(parsetree);
                // EXECUTE and PREPARE are counted as the statement they run or prepare, which is as
                // top-level as they are, DEALLOCATE not at all (as pg_stat_statements does): they
                // only pass through.
                if (!PGPF_HANDLED_UTILITY(parsetree))
                {
                    call_process_utility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest,
                                         qc);
                    return;
                }
                // Read before chaining: pg_stat_statements, when it runs inside us, clears the query id.
                const uint64 queryid = utility_query_id(pstmt);
                if (store_attached())
                    detect_utility_start(parsetree, queryid);
                if (store_attached() && guc_track_utility && queryid != 0 && tracking(nesting_level))
                {
                    measure_utility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc,
                                    queryid);
                    if (store_attached())
                        detect_utility_done(parsetree, queryid);
                    return;
                }
                // Not measured, but what it runs (a DO block's or a procedure's statements) is still
                // nested. On error the level is restored as for the executor.
                nesting_level++;
                call_process_utility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
                nesting_level--;
                if (store_attached())
                    detect_utility_done(parsetree, queryid);
            });
}

// One pair of (sub)transaction callbacks for the whole extension: PostgreSQL calls every registered
// callback for every event (two per commit at least), so each module's reaction is called from here.
void pgpf_xact_callback(XactEvent event, void *)
{
    guarded("xact callback",
            [&]
            {
                exec_xact_event(event);
                if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
                {
                    detect_forget_pending();
                    conn_forget_end();
                    activity_end();
                    capture_forget_first_run();
                }
            });
}

void pgpf_subxact_callback(SubXactEvent event, SubTransactionId mySubid, SubTransactionId parentSubid, void *)
{
    guarded("subxact callback",
            [&]
            {
                exec_subxact_event(event, mySubid, parentSubid);
                if (event == SUBXACT_EVENT_ABORT_SUB)
                {
                    detect_forget_pending();
                    conn_forget_end();
                    // A first run's plan text lives in its execution's context; a top-level portal
                    // opened in the aborted subtransaction (a protocol-level portal fetched in parts)
                    // is dropped without ExecutorEnd, and that context with it. Forgetting costs at
                    // most one more rendering at an outer statement's ExecutorEnd.
                    capture_forget_first_run();
                }
            });
}

} // namespace

int guc_track = TRACK_TOP;
int track_bound = 1; // track_bound_for(TRACK_TOP) outside a parallel worker
bool guc_track_utility = true;
bool guc_track_planning = false;
bool guc_plan_text = true;

namespace
{
// The tracking rule follows the setting (settings.hpp).
void assign_track(int newval, void *)
{
    track_bound = track_bound_for(newval);
}

const struct config_enum_entry track_options[] = {
    {"none", TRACK_NONE, false},
    {"top", TRACK_TOP, false},
    {"all", TRACK_ALL, false},
    {nullptr, 0, false},
};
} // namespace

void hooks_init()
{
    DefineCustomEnumVariable("pg_perfgate.track",
                             "Which statements are recorded: top (client-issued), all "
                             "(also nested ones in functions), none.",
                             nullptr, &guc_track, TRACK_TOP, track_options, PGC_SUSET, 0, nullptr,
                             assign_track, nullptr);
    DefineCustomBoolVariable("pg_perfgate.track_utility", "Whether utility statements are recorded.", nullptr,
                             &guc_track_utility, true, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomBoolVariable("pg_perfgate.track_planning", "Whether planning time is recorded.", nullptr,
                             &guc_track_planning, false, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomBoolVariable("pg_perfgate.plan_text",
                             "Whether a plan's text (EXPLAIN, costs off) is kept when the "
                             "plan is first seen.",
                             nullptr, &guc_plan_text, true, PGC_SUSET, 0, nullptr, nullptr, nullptr);

    RegisterXactCallback(pgpf_xact_callback, nullptr);
    RegisterSubXactCallback(pgpf_subxact_callback, nullptr);
    prev_post_parse_analyze_hook = post_parse_analyze_hook;
    post_parse_analyze_hook = pgpf_post_parse_analyze;
    prev_planner_hook = planner_hook;
    planner_hook = pgpf_planner;
    prev_ExecutorStart = ExecutorStart_hook;
    ExecutorStart_hook = pgpf_ExecutorStart;
    prev_ExecutorRun = ExecutorRun_hook;
    ExecutorRun_hook = pgpf_ExecutorRun;
    prev_ExecutorFinish = ExecutorFinish_hook;
    ExecutorFinish_hook = pgpf_ExecutorFinish;
    prev_ExecutorEnd = ExecutorEnd_hook;
    ExecutorEnd_hook = pgpf_ExecutorEnd;
    prev_ProcessUtility = ProcessUtility_hook;
    ProcessUtility_hook = pgpf_ProcessUtility;
}

} // namespace pgpf
