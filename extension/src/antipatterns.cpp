/*
 * antipatterns.cpp — the anti-pattern vocabulary and the shared table of findings.
 *
 * Layout: one ClockTable (core/table.hpp) of ApEntry, pg_perfgate.max_antipatterns entries, in a
 * shared-memory segment of its own ("pg_perfgate antipatterns").
 * Locking: one LWLock (tranche "pg_perfgate antipatterns"). ap_record() takes it exclusively, and
 * only when a detector reports a finding — at most once per burst and per occurrence, never per
 * statement; copying out for the views takes it shared; no other lock is held meanwhile, and
 * nothing in between can raise an error. A full table evicts the least recently touched entry.
 */
#include "antipatterns.hpp"

#include "core/fingerprint.hpp"
#include "core/table.hpp"
#include "module.hpp"

namespace pgpf
{

namespace
{

using ApTable = pgperfgate::ClockTable<ApEntry>;

struct ApShared
{
    LWLock *lock;
    char table[FLEXIBLE_ARRAY_MEMBER];
};
ApShared *ap_shared = nullptr;

Size ap_size()
{
    return add_size(offsetof(ApShared, table), ApTable::bytes(uint32(guc_max_antipatterns)));
}

ApTable ap_table()
{
    return ApTable(ap_shared->table);
}

uint64 ap_hash(const ApKey &k)
{
    pgperfgate::Fingerprint f;
    f.mix((uint64(k.userid) << 32) | k.dbid);
    f.mix(k.queryid);
    f.mix(k.related_queryid);
    f.mix(k.kind);
    return f.finish();
}

// What each kind is called and what to do about it, indexed by ApKind; shown in the view and as
// the HINT of the messages the *_action settings ask for.
struct KindInfo
{
    const char *name;
    const char *advice;
};
const KindInfo kinds[kApKinds + 1] = {
    {"unknown", ""},
    {"n_plus_one",
     "Load the rows in one query: a join, or one query with WHERE id = ANY($1) and all the ids."},
    {"row_by_row_write",
     "Write the rows in one statement: a multi-row INSERT ... VALUES, INSERT ... SELECT, or COPY."},
    {"deep_offset",
     "Use keyset pagination: WHERE sort_key > $last ORDER BY sort_key LIMIT n, instead of OFFSET."},
    {"unstreamed_fetch",
     "Fetch large results in batches through a server-side cursor (DECLARE ... CURSOR, FETCH n)."},
    {"filter_heavy_seq_scan",
     "An index on the filtered columns would let the query read only the rows it keeps."},
    {"temp_spill",
     "A sort or hash wrote temporary files: give this statement more memory (SET LOCAL work_mem in its "
     "transaction), or let an index return the rows in order."},
};

const KindInfo &info_of(ApKind kind)
{
    const int k = int(kind);
    return kinds[k >= 1 && k <= kApKinds ? k : 0];
}

} // namespace

const char *ap_kind_name(ApKind kind)
{
    return info_of(kind).name;
}

const char *ap_advice(ApKind kind)
{
    return info_of(kind).advice;
}

void ap_shmem_request()
{
    RequestAddinShmemSpace(ap_size());
    RequestNamedLWLockTranche("pg_perfgate antipatterns", 1);
}

void ap_shmem_startup()
{
    bool found;
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    ap_shared = static_cast<ApShared *>(ShmemInitStruct("pg_perfgate antipatterns", ap_size(), &found));
    if (!found)
    {
        ap_shared->lock = &GetNamedLWLockTranche("pg_perfgate antipatterns")->lock;
        ApTable::create(ap_shared->table, uint32(guc_max_antipatterns));
    }
    LWLockRelease(AddinShmemInitLock);
}

void ap_record(const ApKey &key, const ApSample &sample)
{
    if (ap_shared == nullptr)
        return;
    const uint64 hash = ap_hash(key);
    const TimestampTz now = GetCurrentStatementStartTimestamp();
    LWLockAcquire(ap_shared->lock, LW_EXCLUSIVE);
    ApTable t = ap_table();
    ApEntry *e = t.find(key, hash);
    if (e == nullptr)
    {
        bool evicted;
        e = t.insert(key, hash, &evicted);
        if (e != nullptr)
        {
            e->first_seen = now;
            e->related_rows = -1;
        }
    }
    if (e != nullptr)
    {
        t.touch(e);
        e->occurrences += sample.new_occurrence ? 1 : 0;
        e->calls += sample.calls;
        e->total_ms += sample.ms;
        if (sample.largest >= e->largest)
        {
            e->largest = sample.largest;
            if (sample.related_rows >= 0)
                e->related_rows = sample.related_rows;
        }
        e->rows_discarded += sample.rows_discarded;
        e->last_seen = now;
        if (sample.detail != nullptr)
            strlcpy(e->detail, sample.detail, sizeof(e->detail));
    }
    LWLockRelease(ap_shared->lock);
}

ApEntry *ap_copy_all(int *count)
{
    *count = 0;
    if (ap_shared == nullptr)
        return static_cast<ApEntry *>(palloc(sizeof(ApEntry)));
    LWLockAcquire(ap_shared->lock, LW_SHARED);
    ApTable t = ap_table();
    // palloc cannot fail here for want of an error path: the size is bounded by the table's.
    ApEntry *out = static_cast<ApEntry *>(
        palloc_extended(sizeof(ApEntry) * Max(t.size(), 1u), MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM));
    int n = 0;
    if (out != nullptr)
        t.for_each([&](const ApEntry &e) { out[n++] = e; });
    LWLockRelease(ap_shared->lock);
    if (out == nullptr)
        ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory copying anti-patterns")));
    *count = n;
    return out;
}

void ap_reset(Oid userid, Oid dbid, uint64 queryid)
{
    if (ap_shared == nullptr)
        return;
    const bool all = userid == 0 && dbid == 0 && queryid == 0;
    LWLockAcquire(ap_shared->lock, LW_EXCLUSIVE);
    ApTable ap = ap_table();
    if (all)
        ap.clear();
    else
        ap.for_each(
            [&](const ApEntry &e)
            {
                if ((userid == 0 || e.key.userid == userid) && (dbid == 0 || e.key.dbid == dbid) &&
                    (queryid == 0 || e.key.queryid == queryid || e.key.related_queryid == queryid))
                    ap.remove(&e);
            });
    LWLockRelease(ap_shared->lock);
}

} // namespace pgpf
