/*
 * errors.cpp — failed statements: an error count per (role, database, query id, SQLSTATE), what
 * pg_stat_monitor offers and nothing in core does.
 *
 * Counted from emit_log_hook, which PostgreSQL calls when it reports an error: at ERROR level, in a
 * client backend, the failure is charged to the query id of the statement the client sent
 * (pgstat_get_my_query_id(), which core sets at parse analysis and keeps until the next statement
 * starts). Errors that are caught (a PL/pgSQL EXCEPTION block, our own plan-text rendering) are
 * never reported and so never counted; errors that log_min_messages keeps out of the server log are
 * not seen either. A statement that succeeds costs nothing: no hook of ours runs on that path.
 *
 * Layout: one ClockTable (core/table.hpp) of ErrEntry, pg_perfgate.max_errors entries, in a
 * shared-memory segment of its own ("pg_perfgate errors"). Locking: one LWLock (tranche
 * "pg_perfgate errors"), taken exclusively by the hook to count, shared to copy out for the view.
 * Nothing in between can raise an error or allocate: the hook runs while an error is being
 * reported, with interrupts held, in the scarce error memory, so the message and the query text
 * are copied into fixed buffers before the lock is taken.
 */
#include "errors.hpp"

#include "core/fingerprint.hpp"
#include "core/table.hpp"
#include "guard.hpp"
#include "settings.hpp"
#include "normalize.hpp"
#include "srf.hpp"

namespace pgpf
{

namespace
{

using ErrTable = pgpf::ClockTable<ErrEntry>;

int guc_max_errors = 1000;

struct ErrShared
{
    LWLock *lock;
    char table[FLEXIBLE_ARRAY_MEMBER];
};
ErrShared *err_shared = nullptr;
emit_log_hook_type prev_emit_log_hook = nullptr;

Size err_size()
{
    return add_size(offsetof(ErrShared, table), ErrTable::bytes(uint32(guc_max_errors)));
}

uint64 err_hash(const ErrKey &k)
{
    pgpf::Fingerprint f;
    f.mix((uint64(k.userid) << 32) | k.dbid);
    f.mix(k.queryid);
    f.mix(uint64(uint32(k.sqlstate)));
    return f.finish();
}

void count_error(const ErrorData *edata)
{
    ErrKey key;
    memset(&key, 0, sizeof(key));
    // The role outside any SECURITY DEFINER function: the one the statement's own entry has.
    key.userid = GetOuterUserId();
    key.dbid = MyDatabaseId;
    key.queryid = pgstat_get_my_query_id();
    key.sqlstate = edata->sqlerrcode;
    const uint64 hash = err_hash(key);
    const TimestampTz now = GetCurrentTimestamp();

    char message[sizeof(ErrEntry::message)];
    strlcpy(message, edata->message != nullptr ? edata->message : "", sizeof(message));
    // The text only when the statement is known: no query id means it failed in parsing, and its
    // raw text may carry what it was about to set (a password) and nothing to group it by.
    char query[sizeof(ErrEntry::query)];
    query[0] = '\0';
    if (key.queryid != 0 && debug_query_string != nullptr)
        copy_query_text(key.queryid, debug_query_string, -1, 0, query, sizeof(query));

    LWLockAcquire(err_shared->lock, LW_EXCLUSIVE);
    ErrTable t(err_shared->table);
    ErrEntry *e = t.find(key, hash);
    if (e == nullptr)
    {
        bool evicted;
        e = t.insert(key, hash, &evicted);
        if (e != nullptr)
        {
            e->first_seen = now;
            memcpy(e->query, query, sizeof(e->query));
        }
    }
    if (e != nullptr)
    {
        t.touch(e);
        e->count++;
        e->last_seen = now;
        memcpy(e->message, message, sizeof(e->message));
    }
    LWLockRelease(err_shared->lock);
}

void pgpf_emit_log_hook(ErrorData *edata)
{
    if (prev_emit_log_hook)
        prev_emit_log_hook(edata);
    // Client backends only: a parallel worker's error is reported again by its leader.
    if (edata->elevel != ERROR || err_shared == nullptr || guc_track == TRACK_NONE ||
        MyBackendType != B_BACKEND || MyProc == nullptr || proc_exit_inprogress ||
        in_error_recursion_trouble())
        return;
    guarded("emit_log_hook", [&] { count_error(edata); });
}

} // namespace

void errors_init()
{
    DefineCustomIntVariable("pg_perfgate.max_errors",
                            "Maximum number of (role, database, query id, SQLSTATE) error counts kept; the "
                            "least recent are evicted.",
                            nullptr, &guc_max_errors, 1000, 100, INT_MAX / 2, PGC_POSTMASTER, 0, nullptr,
                            nullptr, nullptr);
    prev_emit_log_hook = emit_log_hook;
    emit_log_hook = pgpf_emit_log_hook;
}

void errors_shmem_request()
{
    RequestAddinShmemSpace(err_size());
    RequestNamedLWLockTranche("pg_perfgate errors", 1);
}

void errors_shmem_startup()
{
    bool found;
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    err_shared = static_cast<ErrShared *>(ShmemInitStruct("pg_perfgate errors", err_size(), &found));
    if (!found)
    {
        err_shared->lock = &GetNamedLWLockTranche("pg_perfgate errors")->lock;
        ErrTable::create(err_shared->table, uint32(guc_max_errors));
    }
    LWLockRelease(AddinShmemInitLock);
}

ErrEntry *errors_copy_all(int *count)
{
    *count = 0;
    if (err_shared == nullptr)
        return static_cast<ErrEntry *>(palloc(sizeof(ErrEntry)));
    // Allocated before the lock is taken, for the most the table can hold.
    ErrEntry *out =
        static_cast<ErrEntry *>(palloc_extended(sizeof(ErrEntry) * Max(guc_max_errors, 1), MCXT_ALLOC_HUGE));
    int n = 0;
    LWLockAcquire(err_shared->lock, LW_SHARED);
    ErrTable t(err_shared->table);
    t.for_each([&](const ErrEntry &e) { out[n++] = e; });
    LWLockRelease(err_shared->lock);
    *count = n;
    return out;
}

void errors_reset(Oid userid, Oid dbid, uint64 queryid)
{
    if (err_shared == nullptr)
        return;
    LWLockAcquire(err_shared->lock, LW_EXCLUSIVE);
    ErrTable t(err_shared->table);
    if (userid == 0 && dbid == 0 && queryid == 0)
        t.clear();
    else
        t.for_each(
            [&](const ErrEntry &e)
            {
                if ((userid == 0 || e.key.userid == userid) && (dbid == 0 || e.key.dbid == dbid) &&
                    (queryid == 0 || e.key.queryid == queryid))
                    t.remove(&e);
            });
    LWLockRelease(err_shared->lock);
}

void errors_for_each_unlocked(void (*fn)(const ErrEntry &e, uint32 usage, void *arg), void *arg)
{
    if (err_shared == nullptr)
        return;
    ErrTable t(err_shared->table);
    t.for_each([&](const ErrEntry &e) { fn(e, t.usage_of(&e), arg); });
}

void errors_load_entry(const ErrEntry &src, uint32 usage)
{
    if (err_shared == nullptr)
        return;
    ErrTable t(err_shared->table);
    const uint64 hash = err_hash(src.key);
    if (t.find(src.key, hash) != nullptr)
        return;
    bool evicted;
    ErrEntry *e = t.insert(src.key, hash, &evicted);
    if (e == nullptr)
        return;
    *e = src;
    t.set_usage(e, usage);
}

namespace
{

// pg_perfgate_errors_internal(): one row per entry. Query id, query text and message (it may
// quote the failing statement's values) only for the entry's own role and pg_read_all_stats.
void errors_rows(FunctionCallInfo fcinfo)
{
    TupleDesc desc;
    Tuplestorestate *store = begin_srf(fcinfo, &desc);
    if (desc->natts != 9)
        elog(ERROR, "pg_perfgate_errors_internal: declared with %d columns, expected 9", desc->natts);
    const Oid user = GetUserId();
    const bool all_stats = has_privs_of_role(user, ROLE_PG_READ_ALL_STATS);
    int n;
    ErrEntry *entries = errors_copy_all(&n);
    for (int i = 0; i < n; i++)
    {
        const ErrEntry &e = entries[i];
        const bool visible = all_stats || e.key.userid == user;
        Datum v[9];
        bool nulls[9];
        memset(nulls, 0, sizeof(nulls));
        v[0] = ObjectIdGetDatum(e.key.userid);
        v[1] = ObjectIdGetDatum(e.key.dbid);
        v[2] = Int64GetDatum(int64(e.key.queryid));
        nulls[2] = !visible || e.key.queryid == 0;
        v[3] = CStringGetTextDatum(unpack_sql_state(e.key.sqlstate));
        v[4] = Int64GetDatum(e.count);
        v[5] = CStringGetTextDatum(e.message);
        nulls[5] = !visible;
        v[6] = CStringGetTextDatum(e.query);
        nulls[6] = !visible || e.query[0] == '\0';
        v[7] = TimestampTzGetDatum(e.first_seen);
        v[8] = TimestampTzGetDatum(e.last_seen);
        tuplestore_putvalues(store, desc, v, nulls);
    }
}

} // namespace

} // namespace pgpf

PGPF_FUNCTION(pg_perfgate_errors_internal)
{
    pgpf::errors_rows(fcinfo);
    return (Datum)0;
}
