/*
 * slowlog.cpp — the slow-statement log: what auto_explain is used for, without its cost at low
 * thresholds. An execution that took at least pg_perfgate.log_min_duration gets one LOG line with
 * its query id, plan id, duration, rows and buffers, then the statement's own text, its bound
 * parameters and the plan of that execution (EXPLAIN, costs off, rendered from the execution's own
 * plan tree, so its own constants; with actual rows and loops when the execution was sampled by
 * pg_perfgate.log_analyze_sample_rate). Only a slow execution that is allowed a line pays for the
 * rendering; nothing else is measured for it that capture does not measure anyway, and the hot path
 * asks one question (slowlog_due(), a compare against a threshold that is +infinity when the log is
 * off), plus one compare at ExecutorStart for the sampling (slowlog_sample()).
 *
 * What is written follows auto_explain's conventions: the text is the statement as the client sent
 * it (auto_explain's "Query Text"); parameters are written as core writes them ("$1 = '777'"), each
 * value cut at pg_perfgate.log_parameter_max_length bytes (-1: whole, 0: never written), and only
 * parameters the client bound (a Bind message or EXECUTE), never the variables of a PL/pgSQL function
 * (what errdetail_params() writes too). Where the plan cannot be rendered now (no transaction) the
 * entry's stored plan is shown, and the line says so.
 *
 * Rate limit, shared by all backends so that a storm of slow statements cannot flood the log: at
 * most pg_perfgate.log_max_per_minute lines per wall-clock minute. The lines not written are
 * counted, and the next line that is written says how many. State: one small struct in shared
 * memory ("pg_perfgate slowlog") under a spinlock held for a few instructions, taken only for a
 * slow execution.
 */
#include <cmath>

#include "slowlog.hpp"

#include "guard.hpp"

namespace pgpf
{

double slowlog_threshold_ms = HUGE_VAL;
double slowlog_sample_rate = 0;

namespace
{

int guc_log_min_duration = -1;
int guc_log_max_per_minute = 60;
int guc_log_parameter_max_length = -1;
double guc_log_analyze_sample_rate = 0;

struct SlowlogShared
{
    slock_t mutex;
    int64 minute;     // the wall-clock minute `written` counts in
    int32 written;    // lines written in it
    int64 suppressed; // slow executions not logged since the last line written
};
SlowlogShared *slowlog_shared = nullptr;

// Executions are sampled only while the log is on: the row counts serve nothing else.
void assign_log_min_duration(int newval, void *)
{
    slowlog_threshold_ms = newval < 0 ? HUGE_VAL : double(newval);
    slowlog_sample_rate = newval < 0 ? 0 : guc_log_analyze_sample_rate;
}

void assign_log_analyze_sample_rate(double newval, void *)
{
    slowlog_sample_rate = guc_log_min_duration < 0 ? 0 : newval;
}

// Whether this line may be written; *suppressed: lines not written since the last one that was.
bool take_turn(int64 *suppressed)
{
    *suppressed = 0;
    if (slowlog_shared == nullptr)
        return true;
    const int64 minute = GetCurrentTimestamp() / USECS_PER_MINUTE;
    bool ok;
    SpinLockAcquire(&slowlog_shared->mutex);
    if (slowlog_shared->minute != minute)
    {
        slowlog_shared->minute = minute;
        slowlog_shared->written = 0;
    }
    ok = slowlog_shared->written < guc_log_max_per_minute;
    if (ok)
    {
        slowlog_shared->written++;
        *suppressed = slowlog_shared->suppressed;
        slowlog_shared->suppressed = 0;
    }
    else
        slowlog_shared->suppressed++;
    SpinLockRelease(&slowlog_shared->mutex);
    return ok;
}

} // namespace

void slowlog_init()
{
    DefineCustomIntVariable("pg_perfgate.log_min_duration",
                            "Executions that take at least this long are logged with their plan id, text, "
                            "parameters and plan (-1 disables, 0 logs every execution).",
                            nullptr, &guc_log_min_duration, -1, -1, INT_MAX, PGC_SUSET, GUC_UNIT_MS, nullptr,
                            assign_log_min_duration, nullptr);
    DefineCustomIntVariable("pg_perfgate.log_max_per_minute",
                            "Most slow-statement lines written per minute by all sessions together; the "
                            "next line written says how many were left out.",
                            nullptr, &guc_log_max_per_minute, 60, 1, INT_MAX, PGC_SUSET, 0, nullptr, nullptr,
                            nullptr);
    DefineCustomIntVariable("pg_perfgate.log_parameter_max_length",
                            "Bytes of each bound parameter value written with a slow statement (-1: the "
                            "whole value, 0: no parameters), as auto_explain.log_parameter_max_length.",
                            nullptr, &guc_log_parameter_max_length, -1, -1, INT_MAX / 2, PGC_SUSET,
                            GUC_UNIT_BYTE, nullptr, nullptr, nullptr);
    DefineCustomRealVariable("pg_perfgate.log_analyze_sample_rate",
                             "Share of executions that count rows per plan node while the slow-statement "
                             "log is on, so that a slow one's plan shows actual rows (0 disables).",
                             nullptr, &guc_log_analyze_sample_rate, 0.0, 0.0, 1.0, PGC_SUSET, 0, nullptr,
                             assign_log_analyze_sample_rate, nullptr);
}

void slowlog_sample_start(QueryDesc *queryDesc)
{
    if (slowlog_sample_rate >= 1.0 || pg_prng_double(&pg_global_prng_state) < slowlog_sample_rate)
        queryDesc->instrument_options |= INSTRUMENT_ROWS;
}

void slowlog_shmem_request()
{
    RequestAddinShmemSpace(MAXALIGN(sizeof(SlowlogShared)));
}

void slowlog_shmem_startup()
{
    bool found;
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    slowlog_shared =
        static_cast<SlowlogShared *>(ShmemInitStruct("pg_perfgate slowlog", sizeof(SlowlogShared), &found));
    if (!found)
    {
        SpinLockInit(&slowlog_shared->mutex);
        slowlog_shared->minute = 0;
        slowlog_shared->written = 0;
        slowlog_shared->suppressed = 0;
    }
    LWLockRelease(AddinShmemInitLock);
}

namespace
{

// The statement's own text, as the client sent it (white space around it trimmed).
char *own_text(const char *source, int location, int length)
{
    if (source == nullptr)
        return nullptr;
    const char *stmt = CleanQuerytext(source, &location, &length);
    return length > 0 ? pnstrdup(stmt, length) : nullptr;
}

// Only parameters the client bound: a PL/pgSQL function's variables come through a fetch hook.
ParamListInfo client_params(const QueryDesc *qd)
{
    if (qd == nullptr || qd->params == nullptr || qd->params->paramFetch != nullptr ||
        qd->params->numParams <= 0 || guc_log_parameter_max_length == 0)
        return nullptr;
    return qd->params;
}

} // namespace

void slowlog_write(const EntryKey &key, double ms, int64 rows, const pgpf::IoUsage &io, QueryDesc *qd,
                   const char *source, int location, int length)
{
    int64 suppressed;
    if (!take_turn(&suppressed))
        return;
    char *text = own_text(source, location, length);
    char *plan = nullptr, *params = nullptr;
    const char *plan_note = "";
    bool rendered = false;
    if (qd != nullptr && qd->planstate != nullptr)
    {
        // Actual rows only from a sampled execution: other nodes were not instrumented.
        const bool analyze = slowlog_sample_rate > 0 && (qd->instrument_options & INSTRUMENT_ROWS) != 0 &&
                             qd->planstate->instrument != nullptr;
        rendered = render_run_text(qd, analyze, client_params(qd), guc_log_parameter_max_length, &plan,
                                   &params) == PlanTextState::Rendered;
        if (rendered && analyze)
            plan_note = " (actual rows: pg_perfgate.log_analyze_sample_rate)";
    }
    if (!rendered && key.planid != 0)
    {
        // No transaction to render it in (a cursor closed at commit), or EXPLAIN failed: the plan
        // stored for the entry, rendered at its first execution, with that execution's constants.
        char *stored_query;
        store_copy_texts(key, &stored_query, &plan);
        plan_note = plan != nullptr ? " (stored at the entry's first execution)" : "";
    }
    // The server log is the DBA's: the query id is shown whatever the role. The statement is not
    // repeated by PostgreSQL (errhidestmt): its text is in the line.
    ereport(LOG,
            (errmsg("pg_perfgate: slow statement: %.3f ms, query id " INT64_FORMAT ", plan id " INT64_FORMAT
                    ", " INT64_FORMAT " rows, shared blocks: " INT64_FORMAT " hit " INT64_FORMAT
                    " read " INT64_FORMAT " dirtied " INT64_FORMAT " written, temp blocks: " INT64_FORMAT
                    " read " INT64_FORMAT " written%s\nquery: %s%s%s\nplan%s:\n%s",
                    ms, int64(key.queryid), int64(key.planid), rows, int64(io.shared_blks_hit),
                    int64(io.shared_blks_read), int64(io.shared_blks_dirtied), int64(io.shared_blks_written),
                    int64(io.temp_blks_read), int64(io.temp_blks_written),
                    suppressed > 0 ? psprintf(" (" INT64_FORMAT " slow executions before this one were not "
                                              "logged: pg_perfgate.log_max_per_minute)",
                                              suppressed)
                                   : "",
                    text != nullptr ? text : "(not known)", params != nullptr ? "\nparameters: " : "",
                    params != nullptr ? params : "", plan_note,
                    plan != nullptr   ? plan
                    : key.planid == 0 ? "(utility statement)"
                                      : "(not known)"),
             errhidestmt(true)));
}

} // namespace pgpf
