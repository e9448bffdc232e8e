/*
 * activity.cpp — what is running now: per backend, the query id and plan id of the top-level
 * statement it runs, so that pg_perfgate_activity can join pg_stat_activity with the plan and the
 * hot-query row of each backend's current statement (what pg_stat_plans offers on 16+).
 *
 * Layout: PGPF_MAX_BACKENDS() slots in a shared-memory segment of its own ("pg_perfgate
 * activity"), each on a cache line of its own, indexed by the backend's slot number (compat.h).
 *
 * Protocol (no lock; the same as PostgreSQL's own PgBackendStatus):
 *  - A slot is written only by the backend that owns it: when a tracked top-level statement starts
 *    (ExecutorStart, once its plan id is known) and when it ends (ExecutorEnd), and cleared when its
 *    transaction aborts, since a failed statement never reaches ExecutorEnd. (One that fails inside
 *    a savepoint leaves its slot until the next statement: the view shows slots of active backends
 *    only.) A write bumps `changecount` to odd, fills the fields, and bumps it to even, with write
 *    barriers between.
 *  - Readers (the view) copy a slot and accept the copy only if `changecount` was even and the same
 *    before and after: a torn read is retried a few times, then that backend is left out. The copy
 *    carries the statement's start timestamp, which the view matches with pg_stat_activity's
 *    query_start, so a slot left from an earlier statement never shows beside a newer one (nor beside
 *    an untracked statement, a utility, that runs now).
 * Costs per top-level statement: two slot writes to a cache line no other backend writes.
 */
#include "activity.hpp"

#include "guard.hpp"
#include "views.hpp"

extern "C"
{
    PG_FUNCTION_INFO_V1(pg_perfgate_activity_internal);
}

namespace pgpf
{

namespace
{

using activity_detail::ActivitySlot;
using activity_detail::mine;
using activity_detail::mine_busy;

struct PaddedSlot
{
    ActivitySlot s;
    char pad[PG_CACHE_LINE_SIZE - sizeof(ActivitySlot)];
};
static_assert(sizeof(PaddedSlot) == PG_CACHE_LINE_SIZE, "one slot per cache line");
static_assert(std::is_trivially_copyable_v<ActivitySlot>, "slots live in shared memory");

PaddedSlot *slots = nullptr;
int nslots = 0;

Size activity_size()
{
    return mul_size(Size(PGPF_MAX_BACKENDS()), sizeof(PaddedSlot));
}

} // namespace

namespace activity_detail
{
ActivitySlot *mine = nullptr;
bool mine_busy = false;

ActivitySlot *attach()
{
    if (mine == nullptr && slots != nullptr)
    {
        const int i = PGPF_MY_BACKEND_INDEX();
        if (i >= 0 && i < nslots)
            mine = &slots[i].s;
    }
    return mine;
}
} // namespace activity_detail

void activity_shmem_request()
{
    RequestAddinShmemSpace(activity_size());
}

void activity_shmem_startup()
{
    bool found;
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    slots = static_cast<PaddedSlot *>(ShmemInitStruct("pg_perfgate activity", activity_size(), &found));
    nslots = PGPF_MAX_BACKENDS();
    if (!found)
        memset(static_cast<void *>(slots), 0, activity_size());
    LWLockRelease(AddinShmemInitLock);
}

namespace
{

// pg_perfgate_activity_internal(): one row per backend running a tracked top-level statement. Its
// query id and plan id only for the statement's own role and pg_read_all_stats, as
// pg_stat_activity shows query_id.
void activity_rows(FunctionCallInfo fcinfo)
{
    TupleDesc desc;
    Tuplestorestate *store = begin_srf(fcinfo, &desc);
    if (desc->natts != 6)
        elog(ERROR, "pg_perfgate_activity_internal: declared with %d columns, expected 6", desc->natts);
    if (slots == nullptr)
        return;
    const Oid user = GetUserId();
    const bool all_stats = has_privs_of_role(user, ROLE_PG_READ_ALL_STATS);
    for (int i = 0; i < nslots; i++)
    {
        const ActivitySlot *s = &slots[i].s;
        ActivitySlot copy;
        bool ok = false;
        for (int attempt = 0; attempt < 10 && !ok; attempt++)
        {
            const uint32 before = s->changecount;
            pg_read_barrier();
            memcpy(static_cast<void *>(&copy), const_cast<const ActivitySlot *>(s), sizeof(copy));
            pg_read_barrier();
            ok = before == s->changecount && (before & 1) == 0;
        }
        if (!ok || copy.queryid == 0)
            continue;
        const bool visible = all_stats || copy.userid == user;
        Datum v[6];
        bool nulls[6] = {false, false, false, false, false, false};
        v[0] = Int32GetDatum(copy.pid);
        v[1] = ObjectIdGetDatum(copy.userid);
        v[2] = ObjectIdGetDatum(copy.dbid);
        v[3] = Int64GetDatum(int64(copy.queryid));
        nulls[3] = !visible;
        v[4] = Int64GetDatum(int64(copy.planid));
        nulls[4] = !visible;
        v[5] = TimestampTzGetDatum(copy.statement_start);
        tuplestore_putvalues(store, desc, v, nulls);
    }
}

} // namespace

} // namespace pgpf

Datum pg_perfgate_activity_internal(PG_FUNCTION_ARGS)
{
    pgpf::guarded("pg_perfgate_activity", [&] { pgpf::activity_rows(fcinfo); });
    return (Datum)0;
}
