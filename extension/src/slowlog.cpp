/*
 * slowlog.cpp — the slow-statement log: what auto_explain is used for, without its cost at low
 * thresholds. An execution that took at least pg_perfgate.log_min_duration gets one LOG line with
 * its query id, plan id, duration, rows and buffers, then its normalized query text and the plan
 * text stored for its entry (rendered once when the entry was created, costs off: the plan's
 * shape, not a new EXPLAIN ANALYZE). Nothing is measured for it that capture does not measure
 * anyway, and the hot path asks one question (slowlog_due(), a compare against a threshold that is
 * +infinity when the log is off).
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

namespace
{

int guc_log_min_duration = -1;
int guc_log_max_per_minute = 60;

struct SlowlogShared
{
    slock_t mutex;
    int64 minute;     // the wall-clock minute `written` counts in
    int32 written;    // lines written in it
    int64 suppressed; // slow executions not logged since the last line written
};
SlowlogShared *slowlog_shared = nullptr;

void assign_log_min_duration(int newval, void *)
{
    slowlog_threshold_ms = newval < 0 ? HUGE_VAL : double(newval);
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

void slowlog_define_gucs()
{
    DefineCustomIntVariable("pg_perfgate.log_min_duration",
                            "Executions that take at least this long are logged with their plan id and "
                            "stored plan (-1 disables, 0 logs every execution).",
                            nullptr, &guc_log_min_duration, -1, -1, INT_MAX, PGC_SUSET, GUC_UNIT_MS, nullptr,
                            assign_log_min_duration, nullptr);
    DefineCustomIntVariable("pg_perfgate.log_max_per_minute",
                            "Most slow-statement lines written per minute by all sessions together; the "
                            "next line written says how many were left out.",
                            nullptr, &guc_log_max_per_minute, 60, 1, INT_MAX, PGC_SUSET, 0, nullptr, nullptr,
                            nullptr);
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

void slowlog_write(const EntryKey &key, double ms, int64 rows, const pgperfgate::IoUsage &io)
{
    int64 suppressed;
    if (!take_turn(&suppressed))
        return;
    char *query, *plan;
    store_copy_texts(key, &query, &plan);
    // The server log is the DBA's: the query id is shown whatever the role, and the normalized text
    // carries no constants. The statement itself (with its constants) is not repeated.
    ereport(LOG,
            (errmsg("pg_perfgate: slow statement: %.3f ms, query id " INT64_FORMAT ", plan id " INT64_FORMAT
                    ", " INT64_FORMAT " rows, shared blocks: " INT64_FORMAT " hit " INT64_FORMAT
                    " read " INT64_FORMAT " dirtied " INT64_FORMAT " written, temp blocks: " INT64_FORMAT
                    " read " INT64_FORMAT " written%s\nquery: %s\nplan:\n%s",
                    ms, int64(key.queryid), int64(key.planid), rows, int64(io.shared_blks_hit),
                    int64(io.shared_blks_read), int64(io.shared_blks_dirtied), int64(io.shared_blks_written),
                    int64(io.temp_blks_read), int64(io.temp_blks_written),
                    suppressed > 0 ? psprintf(" (" INT64_FORMAT " slow executions before this one were not "
                                              "logged: pg_perfgate.log_max_per_minute)",
                                              suppressed)
                                   : "",
                    query != nullptr ? query : "(not stored)",
                    plan != nullptr   ? plan
                    : key.planid == 0 ? "(utility statement)"
                                      : "(not stored)"),
             errhidestmt(true)));
}

} // namespace pgpf
