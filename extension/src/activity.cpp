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
 *
 * A statement running for the first time has no store entry yet, so nothing to join its plan and
 * query group with. For it (and only for it) the backend publishes them while it runs: a second
 * array ("pg_perfgate activity texts"), one slot per backend of pg_perfgate.plan_text_size bytes of
 * plan text, written under the same changecount protocol by its owner right after ExecutorStart,
 * tagged with the statement's query id, plan id and start so that the view pairs it with the
 * statement it belongs to. The plan text is the one the entry will store (rendered once: capture
 * hands it on to the new entry at ExecutorEnd). Whether an entry exists is asked of a small
 * per-backend memory of the keys it recorded (a few compares per statement) before the store.
 *
 * The view's rows are pg_stat_activity's client backends: the function returns a row for each
 * client backend of the same per-transaction snapshot pg_stat_activity reads (whose backend_type it
 * hides from a role that may not see the session), so background processes never show as rows.
 */
#include "activity.hpp"

#include "guard.hpp"
#include "settings.hpp"
#include "store.hpp"
#include "srf.hpp"

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

// A first execution's plan text and query group, published while it runs (see the header).
struct TextSlot
{
    uint32 changecount;
    uint64 queryid; // 0: nothing published
    uint64 planid;
    TimestampTz statement_start;
    uint64 query_group;
    int32 plan_len;
    char plan[FLEXIBLE_ARRAY_MEMBER];
};
static_assert(std::is_trivially_copyable_v<TextSlot>, "slots live in shared memory");
char *texts = nullptr;
Size text_slot_size = 0;

TextSlot *text_slot(int i)
{
    return reinterpret_cast<TextSlot *>(texts + Size(i) * text_slot_size);
}

Size activity_size()
{
    return mul_size(Size(PGPF_MAX_BACKENDS()), sizeof(PaddedSlot));
}

Size texts_size()
{
    return mul_size(Size(PGPF_MAX_BACKENDS()), MAXALIGN(offsetof(TextSlot, plan) + Size(guc_plan_text_size)));
}

// This backend's text slot.
TextSlot *my_text = nullptr;
} // namespace

namespace activity_detail
{
ActivitySlot *mine = nullptr;
bool mine_busy = false;
bool text_busy = false;

ActivitySlot *attach()
{
    if (mine == nullptr && slots != nullptr)
    {
        const int i = PGPF_MY_BACKEND_INDEX();
        if (i >= 0 && i < nslots)
        {
            mine = &slots[i].s;
            // What stays the same for the backend's life (activity_start() writes the rest).
            write_slot(mine,
                       [](ActivitySlot *w)
                       {
                           w->pid = MyProcPid;
                           w->dbid = MyDatabaseId;
                           w->queryid = 0;
                       });
        }
    }
    return mine;
}
} // namespace activity_detail

void activity_shmem_request()
{
    RequestAddinShmemSpace(add_size(activity_size(), texts_size()));
}

void activity_shmem_startup()
{
    bool found;
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    slots = static_cast<PaddedSlot *>(ShmemInitStruct("pg_perfgate activity", activity_size(), &found));
    nslots = PGPF_MAX_BACKENDS();
    if (!found)
        memset(static_cast<void *>(slots), 0, activity_size());
    texts = static_cast<char *>(ShmemInitStruct("pg_perfgate activity texts", texts_size(), &found));
    text_slot_size = MAXALIGN(offsetof(TextSlot, plan) + Size(guc_plan_text_size));
    if (!found)
        memset(texts, 0, texts_size());
    LWLockRelease(AddinShmemInitLock);
}

namespace activity_detail
{
KnownKey known[kKnown];
uint32 known_generation = 0;

bool known_after_reset(uint64 queryid, uint64 planid)
{
    // A reset emptied the store: what this backend remembers is no longer there.
    memset(known, 0, sizeof(known));
    known_generation = pg_atomic_read_u32(store_reset_generation);
    (void)queryid;
    (void)planid;
    return false;
}
} // namespace activity_detail

void activity_note_known(uint64 queryid, uint64 planid)
{
    activity_detail::known_slot(queryid, planid) = activity_detail::KnownKey{queryid, planid, GetUserId()};
}

void activity_publish_new(uint64 queryid, uint64 planid, uint64 query_group, const char *plan)
{
    if (texts == nullptr || activity_detail::attach() == nullptr)
        return;
    if (my_text == nullptr)
        my_text = text_slot(int(reinterpret_cast<PaddedSlot *>(activity_detail::mine) - slots));
    const TimestampTz start = GetCurrentStatementStartTimestamp();
    const int len = plan != nullptr ? int(strlen(plan)) : 0;
    const int keep = len < guc_plan_text_size ? len : pg_mbcliplen(plan, len, guc_plan_text_size - 1);
    TextSlot *w = my_text;
    w->changecount++;
    pg_write_barrier();
    w->queryid = queryid;
    w->planid = planid;
    w->statement_start = start;
    w->query_group = query_group;
    w->plan_len = keep;
    if (keep > 0)
        memcpy(w->plan, plan, keep);
    w->plan[keep] = '\0';
    pg_write_barrier();
    w->changecount++;
    activity_detail::text_busy = true;
}

void activity_unpublish()
{
    if (!activity_detail::text_busy)
        return;
    activity_detail::text_busy = false;
    my_text->changecount++;
    pg_write_barrier();
    my_text->queryid = 0;
    pg_write_barrier();
    my_text->changecount++;
}

namespace
{

// A consistent copy of a slot written under the changecount protocol: false when its owner kept
// writing it (then that backend is left out).
template <typename T> bool copy_slot(const T *s, T *copy, Size size)
{
    for (int attempt = 0; attempt < 10; attempt++)
    {
        const uint32 before = s->changecount;
        pg_read_barrier();
        memcpy(static_cast<void *>(copy), const_cast<const T *>(s), size);
        pg_read_barrier();
        if (before == s->changecount && (before & 1) == 0)
            return true;
    }
    return false;
}

constexpr int kActivityColumns = 8;

// pg_perfgate_activity_internal(): one row per client backend, with the tracked top-level statement
// it runs (NULL columns when none): its query id, plan id, query group and plan (its entry's, or
// what its first run published), all only for the statement's own role and pg_read_all_stats, as
// pg_stat_activity shows query_id. The entry is looked up by its key (one partition's shared lock
// per running statement), not by copying the store: reading the view costs what its hot-query rows
// cost, plus a little per backend.
void activity_rows(FunctionCallInfo fcinfo)
{
    TupleDesc desc;
    Tuplestorestate *store = begin_srf(fcinfo, &desc);
    if (desc->natts != kActivityColumns)
        elog(ERROR, "pg_perfgate_activity_internal: declared with %d columns, expected %d", desc->natts,
             kActivityColumns);
    if (slots == nullptr)
        return;
    const Oid user = GetUserId();
    const bool all_stats = has_privs_of_role(user, ROLE_PG_READ_ALL_STATS);
    // The running statements first, each slot copied once.
    ActivitySlot *running = static_cast<ActivitySlot *>(palloc(sizeof(ActivitySlot) * Max(nslots, 1)));
    int *index = static_cast<int *>(palloc(sizeof(int) * Max(nslots, 1)));
    int nrunning = 0;
    for (int i = 0; i < nslots; i++)
    {
        ActivitySlot copy;
        if (copy_slot(&slots[i].s, &copy, sizeof(copy)) && copy.queryid != 0)
        {
            index[nrunning] = i;
            running[nrunning++] = copy;
        }
    }
    TextSlot *text = static_cast<TextSlot *>(palloc(text_slot_size));
    const int nbackends = pgstat_fetch_stat_numbackends();
    for (int b = 1; b <= nbackends; b++)
    {
        const LocalPgBackendStatus *l = PGPF_LOCAL_BEENTRY(b);
        if (l == nullptr || l->backendStatus.st_backendType != B_BACKEND)
            continue;
        const int pid = l->backendStatus.st_procpid;
        Datum v[kActivityColumns];
        bool nulls[kActivityColumns];
        for (int c = 0; c < kActivityColumns; c++)
        {
            v[c] = (Datum)0;
            nulls[c] = true;
        }
        v[0] = Int32GetDatum(pid);
        nulls[0] = false;
        const ActivitySlot *r = nullptr;
        int ri = -1;
        for (int k = 0; k < nrunning && r == nullptr; k++)
            if (running[k].pid == pid)
            {
                r = &running[k];
                ri = index[k];
            }
        if (r != nullptr)
        {
            const bool visible = all_stats || r->userid == user;
            v[1] = ObjectIdGetDatum(r->userid);
            v[2] = ObjectIdGetDatum(r->dbid);
            v[3] = Int64GetDatum(int64(r->queryid));
            v[4] = Int64GetDatum(int64(r->planid));
            v[5] = TimestampTzGetDatum(r->statement_start);
            nulls[1] = nulls[2] = nulls[5] = false;
            nulls[3] = nulls[4] = !visible;
            // The entry's, else what a first run published. Only what the caller may see of it, as
            // pg_perfgate_statements shows it.
            EntryKey key;
            memset(&key, 0, sizeof(key));
            key.userid = r->userid;
            key.dbid = r->dbid;
            key.queryid = r->queryid;
            key.planid = r->planid;
            key.toplevel = true;
            uint64 group;
            char *plan = nullptr;
            if (visible && store_entry_texts(key, &group, &plan, guc_plan_text_size))
            {
                v[6] = Int64GetDatum(int64(group));
                nulls[6] = false;
            }
            else if (visible && texts != nullptr && copy_slot(text_slot(ri), text, text_slot_size) &&
                     text->queryid == r->queryid && text->planid == r->planid &&
                     text->statement_start == r->statement_start)
            {
                v[6] = Int64GetDatum(int64(text->query_group));
                nulls[6] = false;
                if (text->plan_len > 0)
                {
                    text->plan[Min(text->plan_len, guc_plan_text_size - 1)] = '\0';
                    plan = text->plan;
                }
            }
            if (plan != nullptr)
            {
                v[7] = CStringGetTextDatum(plan);
                nulls[7] = false;
            }
        }
        tuplestore_putvalues(store, desc, v, nulls);
    }
}

} // namespace

} // namespace pgpf

PGPF_FUNCTION(pg_perfgate_activity_internal)
{
    pgpf::activity_rows(fcinfo);
    return (Datum)0;
}
