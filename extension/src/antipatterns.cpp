/*
 * antipatterns.cpp — the anti-pattern vocabulary and the shared table of findings.
 *
 * Layout: one ClockTable (core/table.hpp) of ApEntry, pg_perfgate.max_antipatterns entries, in a
 * shared-memory segment of its own ("pg_perfgate antipatterns").
 * Locking: one LWLock (tranche "pg_perfgate antipatterns"), never taken per statement. ap_record()
 * adds a finding to this backend's own aggregate of open findings (kPending entries, no lock);
 * ap_flush() writes them all under one exclusive acquisition. A backend flushes when a finding is
 * new to it (so that it shows at once), when its oldest unflushed finding is kFlushAfter old (at
 * the next finding or the next top-level statement), when its aggregate is full, before the
 * views are read by it, and when it exits. A loop inside a function that is called again and
 * again so takes the lock about once a second per backend, not twice per call. Copying out for the
 * views takes the lock shared; no other lock is held meanwhile, and nothing in between can raise
 * an error. A full table evicts the least recently touched entry.
 */
#include "antipatterns.hpp"

#include "core/fingerprint.hpp"
#include "core/table.hpp"

namespace pgpf
{

namespace
{
int guc_max_antipatterns = 1000;
} // namespace

void ap_init()
{
    DefineCustomIntVariable("pg_perfgate.max_antipatterns",
                            "Maximum number of anti-pattern entries kept; the least recent are evicted.",
                            nullptr, &guc_max_antipatterns, 1000, 100, INT_MAX / 2, PGC_POSTMASTER, 0,
                            nullptr, nullptr, nullptr);
}

namespace
{

using ApTable = pgpf::ClockTable<ApEntry>;

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
    pgpf::Fingerprint f;
    f.mix((uint64(k.userid) << 32) | k.dbid);
    f.mix(k.queryid);
    f.mix(k.related_queryid);
    f.mix(k.kind);
    return f.finish();
}

// This backend's findings not yet in shared memory, and the hashes of the keys it has written
// there (a direct-mapped cache: a miss only makes a finding count as new once more).
constexpr int kPending = 8;
constexpr int kKnown = 64;
constexpr int64 kFlushAfter = 1000000; // microseconds
struct Pending
{
    ApEntry entry; // key, counters, first_seen/last_seen of the samples
    uint64 hash;
    bool has_rows;      // the detail is to be formatted from rows at the flush
    ApRowsPerCall rows; // the latest sample's
};
Pending pending[kPending];
int pending_count = 0;
uint64 known[kKnown];

void merge(ApEntry &e, const ApEntry &add)
{
    e.occurrences += add.occurrences;
    e.calls += add.calls;
    e.total_ms += add.total_ms;
    if (add.largest >= e.largest)
    {
        e.largest = add.largest;
        if (add.related_rows >= 0)
            e.related_rows = add.related_rows;
    }
    e.rows_discarded += add.rows_discarded;
    e.last_seen = Max(e.last_seen, add.last_seen);
    // The columns and node describe the same sample as the detail.
    if (add.detail[0] != '\0')
    {
        memcpy(e.detail, add.detail, sizeof(e.detail));
        memcpy(e.columns, add.columns, sizeof(e.columns));
        e.node = add.node;
    }
}

} // namespace

bool ap_pending_ = false;
TimestampTz ap_flush_due = 0;
int64 ap_flushes = 0;

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
    Pending *p = nullptr;
    for (int i = 0; i < pending_count && p == nullptr; i++)
        if (pending[i].hash == hash && memcmp(&pending[i].entry.key, &key, sizeof(key)) == 0)
            p = &pending[i];
    if (p == nullptr)
    {
        if (pending_count == kPending)
            ap_flush();
        if (pending_count == 0)
            ap_flush_due = now + kFlushAfter; // the oldest unflushed finding's time, plus the wait
        p = &pending[pending_count++];
        memset(static_cast<void *>(p), 0, sizeof(*p));
        p->entry.key = key;
        p->entry.related_rows = -1;
        p->entry.first_seen = now;
        p->hash = hash;
    }
    ApEntry add;
    memset(static_cast<void *>(&add), 0, sizeof(add));
    add.occurrences = sample.new_occurrence ? 1 : 0;
    add.calls = sample.calls;
    add.total_ms = sample.ms;
    add.largest = sample.largest;
    add.related_rows = sample.related_rows;
    add.rows_discarded = sample.rows_discarded;
    add.last_seen = now;
    if (sample.detail != nullptr)
        strlcpy(add.detail, sample.detail, sizeof(add.detail));
    else if (sample.rows_per_call != nullptr)
    {
        p->rows = *sample.rows_per_call;
        p->has_rows = true;
    }
    if (sample.columns != nullptr)
        strlcpy(add.columns, sample.columns, sizeof(add.columns));
    add.node = sample.node;
    merge(p->entry, add);
    ap_pending_ = true;
    if (known[hash % kKnown] != hash || now >= ap_flush_due)
        ap_flush();
}

void ap_format_rows_per_call(const ApRowsPerCall &r, char *out, size_t size)
{
    snprintf(out, size, "min %lld, mean %.1f, max %lld", (long long)r.min,
             r.n > 0 ? double(r.sum) / double(r.n) : 0.0, (long long)r.max);
}

void ap_flush()
{
    if (ap_shared == nullptr || pending_count == 0)
    {
        pending_count = 0;
        ap_pending_ = false;
        return;
    }
    ap_flushes++;
    for (int i = 0; i < pending_count; i++)
    {
        Pending &p = pending[i];
        if (!p.has_rows)
            continue;
        char rows[96];
        ap_format_rows_per_call(p.rows, rows, sizeof(rows));
        snprintf(p.entry.detail, sizeof(p.entry.detail), "rows per call in the last loop: %s", rows);
    }
    LWLockAcquire(ap_shared->lock, LW_EXCLUSIVE);
    ApTable t = ap_table();
    for (int i = 0; i < pending_count; i++)
    {
        const Pending &p = pending[i];
        ApEntry *e = t.find(p.entry.key, p.hash);
        if (e == nullptr)
        {
            bool evicted;
            e = t.insert(p.entry.key, p.hash, &evicted);
            if (e != nullptr)
            {
                e->first_seen = p.entry.first_seen;
                e->related_rows = -1;
            }
        }
        if (e != nullptr)
        {
            t.touch(e);
            merge(*e, p.entry);
        }
    }
    LWLockRelease(ap_shared->lock);
    for (int i = 0; i < pending_count; i++)
        known[pending[i].hash % kKnown] = pending[i].hash;
    pending_count = 0;
    ap_pending_ = false;
}

void ap_forget_pending()
{
    pending_count = 0;
    ap_pending_ = false;
    memset(known, 0, sizeof(known));
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
    // This backend's unflushed findings belong to the statistics being reset (and every other
    // backend drops its own when it notices the reset: detect.cpp).
    ap_forget_pending();
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

void ap_for_each_unlocked(void (*fn)(const ApEntry &e, uint32 usage, void *arg), void *arg)
{
    if (ap_shared == nullptr)
        return;
    ApTable t = ap_table();
    t.for_each([&](const ApEntry &e) { fn(e, t.usage_of(&e), arg); });
}

void ap_load_entry(const ApEntry &src, uint32 usage)
{
    if (ap_shared == nullptr)
        return;
    ApTable t = ap_table();
    const uint64 hash = ap_hash(src.key);
    if (t.find(src.key, hash) != nullptr)
        return;
    bool evicted;
    ApEntry *e = t.insert(src.key, hash, &evicted);
    if (e == nullptr)
        return;
    *e = src;
    t.set_usage(e, usage);
}

} // namespace pgpf
