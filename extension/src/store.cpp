/*
 * store.cpp — the shared-memory store: layout, locking, eviction.
 *
 * Layout: one SharedState header followed by kPartitions partitions. A partition is a ClockTable
 * (extension/core/table.hpp) of StoreEntry, an array of spinlocks, one per entry, two text
 * arrays, one query-text slot and one plan-text slot per table entry (pg_perfgate.query_text_size /
 * plan_text_size bytes each), and the recent windows, a ring of pg_perfgate.window_buckets buckets
 * per entry (core/window.hpp), all indexed like the entries, which never move. pg_perfgate.max is split
 * across partitions so that the total capacity is exactly max. An entry's partition is given by the top bits
 * of its key hash. The store holds shared memory only: texts are prepared by its callers (capture.cpp) before
 * they enter it, and it calls nothing above it.
 *
 * Locking protocol, per partition (one LWLock each, tranche "pg_perfgate"), and per entry (its
 * spinlock and its `live` flag, which live outside the entry so that reinitializing an entry never
 * touches them):
 *  - Recording a statement whose entry exists takes no LWLock: it looks the key up without a lock
 *    (first where this backend last found that query id's entry), takes the spinlock of the entry
 *    it found, and checks that the entry is live and has its key before updating the counters;
 *    otherwise it falls back to the locked path below. This is safe because entries never move,
 *    and whoever reuses or removes an entry (under the exclusive lock) first clears its `live`
 *    flag under its spinlock, then reinitializes it with the spinlock released (the key, a 1.6 kB
 *    memset, the texts: a lock-free updater finds it not live meanwhile and takes the locked path,
 *    which waits), and sets `live` again under the spinlock last. So the spinlock is only ever
 *    held for a flag test or a counter update. A count racing with a reset may be lost.
 *  - Shared lock: find an entry when the lock-free look-up missed; copy entries and texts out for
 *    the views (counters under each entry's spinlock). Texts are only written under the exclusive
 *    lock, so a reader holding the shared lock sees them whole.
 *  - Exclusive lock: insert (and so evict), remove, write a text. Counters are still updated under
 *    the entry's spinlock, since lock-free updaters do not take the LWLock.
 *  - An entry's recent buckets are its counters' companions: updated and read under its spinlock,
 *    cleared with the entry when it is reused (while unpublished).
 *  - Nothing that can ereport runs while a spinlock is held; texts (normalization, EXPLAIN) are
 *    prepared before any lock is taken, so a partition lock is never held across them either.
 *  - No lock covers more than one partition except store_reset(), which takes them one at a time.
 * Eviction is the table's clock sweep over decayed usage: every recorded execution adds one plus
 * its milliseconds to its entry's usage, the hand halves it as it passes (core/table.hpp), and the
 * usage is saved and reloaded with the entry. Amortized O(1), never a sort, never a stall for the
 * backend that found the table full. A full table evicts; it never errors.
 */
#include "store.hpp"

#include "core/fingerprint.hpp"
#include "core/table.hpp"
#include "guard.hpp"
#include "settings.hpp"
#include "srf.hpp"

namespace pgpf
{

namespace
{

constexpr int kPartitions = 16;
using Table = pgpf::ClockTable<StoreEntry>;

using store_detail::apply; // store.hpp: the hit path's, inline there
using store_detail::PaddedLock;
using store_detail::usage_weight;

struct SharedState
{
    LWLockPadded *locks;
    int window_buckets; // ring length per entry (0: no windows)
    int64 window_us;    // bucket length
    slock_t mutex;      // guards stats_reset
    TimestampTz stats_reset;
    pg_atomic_uint64 texts_truncated;
    pg_atomic_uint64 plan_texts_skipped;
    pg_atomic_uint32 reset_generation;
    int query_text_size;
    int plan_text_size;
    Size total_bytes;
    Size part_offset[kPartitions];
    uint32 part_capacity[kPartitions];
    // Where each partition's side arrays start, from the partition's start (kept: the hot path
    // would otherwise recompute the table's size).
    Size mutex_offset[kPartitions];
    Size query_offset[kPartitions];
    Size plan_offset[kPartitions];
    Size window_offset[kPartitions];
};

SharedState *shared = nullptr;

int guc_window_buckets = 10;
int guc_window_seconds = 60;

Size window_bytes(uint32 capacity)
{
    return mul_size(mul_size(Size(capacity), Size(guc_window_buckets)), sizeof(pgpf::WindowSlot));
}

// Partitions, and the lock array in each, start on a cache line.
Size partition_bytes(uint32 capacity)
{
    return CACHELINEALIGN(Table::bytes(capacity)) + CACHELINEALIGN(Size(capacity) * sizeof(PaddedLock)) +
           MAXALIGN(Size(capacity) * guc_query_text_size) +
           CACHELINEALIGN(Size(capacity) * guc_plan_text_size) + CACHELINEALIGN(window_bytes(capacity));
}

uint32 capacity_of(int p)
{
    return uint32(guc_max / kPartitions + (p < guc_max % kPartitions ? 1 : 0));
}

Size store_size()
{
    Size size = CACHELINEALIGN(sizeof(SharedState));
    for (int p = 0; p < kPartitions; p++)
        size = add_size(size, partition_bytes(capacity_of(p)));
    return size;
}

char *partition_base(int p)
{
    return reinterpret_cast<char *>(shared) + shared->part_offset[p];
}
Table table_of(int p)
{
    return Table(partition_base(p));
}

PaddedLock *lock_of(int p, uint32 idx)
{
    return &reinterpret_cast<PaddedLock *>(partition_base(p) + shared->mutex_offset[p])[idx];
}

// Takes an entry out of the lock-free updaters' reach before it is reused or removed.
void unpublish(int p, uint32 idx)
{
    PaddedLock *l = lock_of(p, idx);
    SpinLockAcquire(&l->lock);
    l->live = false;
    SpinLockRelease(&l->lock);
}

void publish(int p, uint32 idx)
{
    PaddedLock *l = lock_of(p, idx);
    SpinLockAcquire(&l->lock);
    l->live = true;
    SpinLockRelease(&l->lock);
}

char *query_slot(int p, uint32 idx)
{
    return partition_base(p) + shared->query_offset[p] + Size(idx) * shared->query_text_size;
}

char *plan_slot(int p, uint32 idx)
{
    return partition_base(p) + shared->plan_offset[p] + Size(idx) * shared->plan_text_size;
}

pgpf::WindowSlot *window_ring(int p, uint32 idx)
{
    return reinterpret_cast<pgpf::WindowSlot *>(partition_base(p) + shared->window_offset[p]) +
           Size(idx) * shared->window_buckets;
}

inline __attribute__((always_inline)) uint64 key_hash(const EntryKey &k)
{
    pgpf::Fingerprint f;
    f.mix((uint64(k.userid) << 32) | k.dbid);
    f.mix(k.queryid);
    f.mix(k.planid ^ (k.toplevel ? 0x8000000000000001ULL : 0));
    return f.finish();
}

int partition_of(uint64 hash)
{
    return int(hash >> 60) & (kPartitions - 1);
}

// Copies text into a slot of `size` bytes, cut at a character boundary and marked when it does not
// fit (store_clip_text()); returns bytes stored. cut: the text was already cut by its producer.
int copy_text(char *slot, int size, const char *text, int len, bool cut = false)
{
    if (size <= 1 || text == nullptr)
        return 0;
    if (len >= size)
    {
        len = store_clip_text(slot, size, text, len);
        cut = true;
    }
    else
    {
        memcpy(slot, text, len);
        slot[len] = '\0';
    }
    if (cut)
        pg_atomic_fetch_add_u64(&shared->texts_truncated, 1);
    return len;
}

// e's recent window, NULL when there are none.
inline pgpf::WindowSlot *ring_of(int p, uint32 idx)
{
    return shared->window_buckets > 0 ? window_ring(p, idx) : nullptr;
}

// Under the partition's exclusive lock.
void put_plan_text(int p, StoreEntry *e, PlanTextState state, const char *text)
{
    if (e->has_plan_text || e->plan_skipped)
        return;
    if (state == PlanTextState::Failed)
    {
        e->plan_skipped = true;
        pg_atomic_fetch_add_u64(&shared->plan_texts_skipped, 1);
        return;
    }
    if (state != PlanTextState::Rendered || text == nullptr)
        return;
    Table t = table_of(p);
    e->plan_len = copy_text(plan_slot(p, t.index_of(e)), shared->plan_text_size, text, int(strlen(text)));
    e->has_plan_text = true;
}

} // namespace

int guc_max = 5000;
int guc_query_text_size = 1024;
int guc_plan_text_size = 2048;

void store_init()
{
    DefineCustomIntVariable("pg_perfgate.max",
                            "Maximum number of statement entries kept; the least used (calls and time, "
                            "decayed) are evicted.",
                            nullptr, &guc_max, 5000, 100, INT_MAX / 2, PGC_POSTMASTER, 0, nullptr, nullptr,
                            nullptr);
    DefineCustomIntVariable("pg_perfgate.query_text_size",
                            "Bytes kept of each query text; longer texts are cut.", nullptr,
                            &guc_query_text_size, 1024, 64, 1024 * 1024, PGC_POSTMASTER, GUC_UNIT_BYTE,
                            nullptr, nullptr, nullptr);
    DefineCustomIntVariable(
        "pg_perfgate.plan_text_size", "Bytes kept of each plan text; longer texts are cut.", nullptr,
        &guc_plan_text_size, 2048, 64, 1024 * 1024, PGC_POSTMASTER, GUC_UNIT_BYTE, nullptr, nullptr, nullptr);
    DefineCustomIntVariable("pg_perfgate.window_buckets",
                            "Number of recent intervals kept per statement entry for the recent views; 0 "
                            "turns them off.",
                            nullptr, &guc_window_buckets, 10, 0, 1440, PGC_POSTMASTER, 0, nullptr, nullptr,
                            nullptr);
    DefineCustomIntVariable("pg_perfgate.window_bucket_seconds", "Length of one recent interval.", nullptr,
                            &guc_window_seconds, 60, 1, 86400, PGC_POSTMASTER, GUC_UNIT_S, nullptr, nullptr,
                            nullptr);
}

int store_window_buckets()
{
    return shared != nullptr ? shared->window_buckets : guc_window_buckets;
}

int64 store_window_us()
{
    return shared != nullptr ? shared->window_us : int64(guc_window_seconds) * USECS_PER_SEC;
}

void store_shmem_request()
{
    RequestAddinShmemSpace(store_size());
    RequestNamedLWLockTranche("pg_perfgate", kPartitions);
}

void *store_memory = nullptr;
pg_atomic_uint32 *store_reset_generation = nullptr;
void (*store_evicted_hook)(const EntryKey &key) = nullptr;

void store_check_attached()
{
    if (shared == nullptr)
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("pg_perfgate must be loaded via \"shared_preload_libraries\""),
                        errhint("Add pg_perfgate to shared_preload_libraries in postgresql.conf and restart "
                                "the server.")));
}

void store_shmem_startup()
{
    bool found;
    const Size size = store_size();
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    shared = static_cast<SharedState *>(ShmemInitStruct("pg_perfgate", size, &found));
    if (!found)
    {
        memset(static_cast<void *>(shared), 0, sizeof(SharedState));
        shared->locks = GetNamedLWLockTranche("pg_perfgate");
        SpinLockInit(&shared->mutex);
        shared->stats_reset = GetCurrentTimestamp();
        pg_atomic_init_u64(&shared->texts_truncated, 0);
        pg_atomic_init_u64(&shared->plan_texts_skipped, 0);
        pg_atomic_init_u32(&shared->reset_generation, 0);
        shared->query_text_size = guc_query_text_size;
        shared->plan_text_size = guc_plan_text_size;
        shared->window_buckets = guc_window_buckets;
        shared->window_us = int64(guc_window_seconds) * USECS_PER_SEC;
        shared->total_bytes = size;
        Size offset = CACHELINEALIGN(sizeof(SharedState));
        for (int p = 0; p < kPartitions; p++)
        {
            const uint32 cap = capacity_of(p);
            shared->part_offset[p] = offset;
            shared->part_capacity[p] = cap;
            shared->mutex_offset[p] = CACHELINEALIGN(Table::bytes(cap));
            shared->query_offset[p] =
                shared->mutex_offset[p] + CACHELINEALIGN(Size(cap) * sizeof(PaddedLock));
            shared->plan_offset[p] = shared->query_offset[p] + MAXALIGN(Size(cap) * guc_query_text_size);
            shared->window_offset[p] =
                shared->plan_offset[p] + CACHELINEALIGN(Size(cap) * guc_plan_text_size);
            Table::create(partition_base(p), capacity_of(p));
            for (uint32 i = 0; i < capacity_of(p); i++)
            {
                SpinLockInit(&lock_of(p, i)->lock);
                lock_of(p, i)->live = false;
            }
            offset += partition_bytes(capacity_of(p));
        }
    }
    LWLockRelease(AddinShmemInitLock);
    store_detail::window_buckets = shared->window_buckets;
    store_detail::window_us = shared->window_us;
    store_memory = shared;
    store_reset_generation = &shared->reset_generation;
}

// Adds the sample to e under e's spinlock. With `check` (a look-up made without the partition lock,
// which may have found an entry being reused) only if e is live and has that key; returns whether
// it did. *need_plan tells whether the entry still wants its plan text.
static pg_attribute_always_inline bool update_entry(int p, Table t, StoreEntry *e, const EntryKey *check,
                                                    const Sample &sample, TimestampTz now, bool *need_plan)
{
    PaddedLock *l = lock_of(p, t.index_of(e));
    SpinLockAcquire(&l->lock);
    const bool mine = check == nullptr || (l->live && memcmp(&e->key, check, sizeof(*check)) == 0);
    if (mine)
    {
        apply(e, ring_of(p, t.index_of(e)), sample, now);
        *need_plan = !e->has_plan_text && !e->plan_skipped;
    }
    SpinLockRelease(&l->lock);
    if (mine)
        t.touch(e, usage_weight(sample));
    return mine;
}

namespace store_detail
{
KnownEntry known_entries[kKnown];
int window_buckets = 0;
int64 window_us = 1;

pg_noinline StoreAction update_slow(const EntryKey &key, const Sample &sample, KnownEntry &known)
{
    if (unlikely(shared == nullptr))
        return StoreAction::Done; // nothing to record into
    const TimestampTz now = sample.started;
    bool need_plan = false;
    const uint64 hash = key_hash(key);
    const int p = partition_of(hash);
    Table t = table_of(p);
    // The common case: the entry exists. No LWLock; what the racy look-up found is checked under
    // the entry's spinlock (see the header comment).
    StoreEntry *e = t.find(key, hash);
    if (e == nullptr || !update_entry(p, t, e, &key, sample, now, &need_plan))
    {
        LWLock *lock = &shared->locks[p].lock;
        LWLockAcquire(lock, LW_SHARED);
        e = t.find(key, hash);
        if (e != nullptr)
            update_entry(p, t, e, nullptr, sample, now, &need_plan);
        LWLockRelease(lock);
        if (e == nullptr)
            return StoreAction::Insert;
    }
    const uint32 idx = t.index_of(e);
    known.entry = e;
    known.lock = lock_of(p, idx);
    known.ring = ring_of(p, idx);
    known.usage = t.usage_word(e);
    return need_plan ? StoreAction::PlanText : StoreAction::Done;
}
} // namespace store_detail

void store_insert(const EntryKey &key, const Sample &sample, const NewTexts &texts)
{
    if (shared == nullptr)
        return;
    const uint64 hash = key_hash(key);
    const int p = partition_of(hash);
    LWLock *lock = &shared->locks[p].lock;
    const TimestampTz now = sample.started;
    Table t = table_of(p);
    bool need_plan = false;
    EntryKey gone{};
    bool had_gone = false;

    LWLockAcquire(lock, LW_EXCLUSIVE);
    StoreEntry *e = t.find(key, hash);
    if (e == nullptr)
    {
        // Out of the lock-free updaters' reach while it is reinitialized (see the header comment).
        bool evicted;
        e = t.insert(key, hash, &evicted,
                     [&](uint32 idx)
                     {
                         unpublish(p, idx);
                         gone = t.entry_at(idx).key;
                     });
        had_gone = evicted;
        const uint32 idx = t.index_of(e);
        e->query_group = texts.query_group;
        e->stats_since = now;
        e->minmax_stats_since = now;
        e->query_len = copy_text(query_slot(p, idx), shared->query_text_size, texts.query, texts.query_len,
                                 texts.query_cut);
        if (shared->window_buckets > 0)
            memset(static_cast<void *>(window_ring(p, idx)), 0,
                   sizeof(pgpf::WindowSlot) * shared->window_buckets);
        apply(e, ring_of(p, idx), sample, now);
        // A new entry starts with usage 1 (the table's); its first execution weighs like the others.
        t.touch(e, usage_weight(sample) - 1);
        publish(p, idx);
    }
    else
        update_entry(p, t, e, nullptr, sample, now, &need_plan);
    if (texts.plan_wanted)
        put_plan_text(p, e, texts.plan_state, texts.plan);
    LWLockRelease(lock);
    // What other parts keep of the evicted entry goes with it (after the partition lock).
    if (had_gone && store_evicted_hook != nullptr)
        store_evicted_hook(gone);
}

void store_set_plan_text(const EntryKey &key, PlanTextState state, const char *plan)
{
    if (shared == nullptr || state == PlanTextState::NotNow)
        return;
    const uint64 hash = key_hash(key);
    const int p = partition_of(hash);
    LWLock *lock = &shared->locks[p].lock;
    LWLockAcquire(lock, LW_EXCLUSIVE);
    StoreEntry *e = table_of(p).find(key, hash);
    if (e != nullptr)
        put_plan_text(p, e, state, plan);
    LWLockRelease(lock);
}

void store_copy_texts(const EntryKey &key, char **query, char **plan)
{
    *query = nullptr;
    *plan = nullptr;
    if (shared == nullptr)
        return;
    const uint64 hash = key_hash(key);
    const int p = partition_of(hash);
    LWLock *lock = &shared->locks[p].lock;
    Table t = table_of(p);
    // Copied into fixed buffers under the lock (nothing that can fail is called while it is held),
    // then into palloc'd strings.
    LWLockAcquire(lock, LW_SHARED);
    const StoreEntry *e = t.find(key, hash);
    const int qlen = e != nullptr ? e->query_len : 0;
    const int plen = e != nullptr && e->has_plan_text ? e->plan_len : 0;
    LWLockRelease(lock);
    if (qlen == 0 && plen == 0)
        return;
    char *q = static_cast<char *>(palloc(qlen + 1));
    char *pl = static_cast<char *>(palloc(plen + 1));
    LWLockAcquire(lock, LW_SHARED);
    e = t.find(key, hash);
    if (e != nullptr)
    {
        // Texts only change under the exclusive lock; an entry reused meanwhile is cut to the lengths
        // read above, and its texts are NUL-terminated within their slots.
        const int ql = Min(qlen, e->query_len);
        const int pll = e->has_plan_text ? Min(plen, e->plan_len) : 0;
        memcpy(q, query_slot(p, t.index_of(e)), ql);
        q[ql] = '\0';
        memcpy(pl, plan_slot(p, t.index_of(e)), pll);
        pl[pll] = '\0';
        *query = ql > 0 ? q : nullptr;
        *plan = pll > 0 ? pl : nullptr;
    }
    LWLockRelease(lock);
}

namespace
{

// The min/max-only reset: no entry is removed, so the shared lock (entries cannot be reused
// meanwhile) and each entry's spinlock suffice.
uint64 reset_minmax(Oid userid, Oid dbid, uint64 queryid)
{
    const TimestampTz now = GetCurrentTimestamp();
    uint64 n = 0;
    for (int p = 0; p < kPartitions; p++)
    {
        LWLock *lock = &shared->locks[p].lock;
        LWLockAcquire(lock, LW_SHARED);
        Table t = table_of(p);
        t.for_each(
            [&](const StoreEntry &ce)
            {
                if ((userid != 0 && ce.key.userid != userid) || (dbid != 0 && ce.key.dbid != dbid) ||
                    (queryid != 0 && ce.key.queryid != queryid))
                    return;
                StoreEntry &e = const_cast<StoreEntry &>(ce);
                PaddedLock *l = lock_of(p, t.index_of(&e));
                SpinLockAcquire(&l->lock);
                e.counters.exec.reset_minmax();
                e.counters.plan.reset_minmax();
                e.minmax_stats_since = now;
                SpinLockRelease(&l->lock);
                n++;
            });
        LWLockRelease(lock);
    }
    return n;
}

} // namespace

uint64 store_reset(Oid userid, Oid dbid, uint64 queryid, bool minmax_only)
{
    store_check_attached();
    if (minmax_only)
        return reset_minmax(userid, dbid, queryid);
    pg_atomic_fetch_add_u32(&shared->reset_generation, 1);
    const bool all = userid == 0 && dbid == 0 && queryid == 0;
    uint64 removed = 0;
    for (int p = 0; p < kPartitions; p++)
    {
        LWLock *lock = &shared->locks[p].lock;
        LWLockAcquire(lock, LW_EXCLUSIVE);
        Table t = table_of(p);
        if (all)
        {
            removed += t.size();
            t.for_each([&](const StoreEntry &e) { unpublish(p, t.index_of(&e)); });
            t.clear();
            t.set_evictions(0);
        }
        else
        {
            // Removing never moves other entries, so removing while walking is safe.
            t.for_each(
                [&](const StoreEntry &e)
                {
                    if ((userid == 0 || e.key.userid == userid) && (dbid == 0 || e.key.dbid == dbid) &&
                        (queryid == 0 || e.key.queryid == queryid))
                    {
                        unpublish(p, t.index_of(&e));
                        t.remove(&e);
                        removed++;
                    }
                });
        }
        LWLockRelease(lock);
    }
    if (all)
    {
        const TimestampTz now = GetCurrentTimestamp();
        SpinLockAcquire(&shared->mutex);
        shared->stats_reset = now;
        SpinLockRelease(&shared->mutex);
        pg_atomic_write_u64(&shared->texts_truncated, 0);
        pg_atomic_write_u64(&shared->plan_texts_skipped, 0);
    }
    return removed;
}

StoreInfo store_info(bool take_locks)
{
    store_check_attached();
    StoreInfo info{};
    for (int p = 0; p < kPartitions; p++)
    {
        LWLock *lock = &shared->locks[p].lock;
        if (take_locks)
            LWLockAcquire(lock, LW_SHARED);
        Table t = table_of(p);
        info.entries += t.size();
        info.max += t.capacity();
        info.evictions += int64(t.evictions());
        if (take_locks)
            LWLockRelease(lock);
    }
    info.texts_truncated = int64(pg_atomic_read_u64(&shared->texts_truncated));
    info.plan_texts_skipped = int64(pg_atomic_read_u64(&shared->plan_texts_skipped));
    info.memory_bytes = int64(shared->total_bytes);
    if (take_locks)
        SpinLockAcquire(&shared->mutex);
    info.stats_reset = shared->stats_reset;
    if (take_locks)
        SpinLockRelease(&shared->mutex);
    return info;
}

EntryCopy *store_copy_all(int *count)
{
    store_check_attached();
    int capacity = 0;
    for (int p = 0; p < kPartitions; p++)
        capacity += int(shared->part_capacity[p]);
    EntryCopy *out =
        static_cast<EntryCopy *>(palloc_extended(sizeof(EntryCopy) * Max(capacity, 1), MCXT_ALLOC_HUGE));
    int n = 0;
    for (int p = 0; p < kPartitions; p++)
    {
        LWLock *lock = &shared->locks[p].lock;
        LWLockAcquire(lock, LW_SHARED);
        Table t = table_of(p);
        t.for_each(
            [&](const StoreEntry &e)
            {
                EntryCopy &c = out[n++];
                slock_t *m = &lock_of(p, t.index_of(&e))->lock;
                SpinLockAcquire(m);
                memcpy(static_cast<void *>(&c.entry), &e, sizeof(StoreEntry));
                SpinLockRelease(m);
                c.query = nullptr;
                c.plan = nullptr;
                if (e.query_len > 0)
                    c.query = pnstrdup(query_slot(p, t.index_of(&e)), e.query_len);
                if (e.has_plan_text)
                    c.plan = pnstrdup(plan_slot(p, t.index_of(&e)), e.plan_len);
            });
        LWLockRelease(lock);
    }
    *count = n;
    return out;
}

bool store_window_range(int seconds, WindowRange *range)
{
    store_check_attached();
    const int n = shared->window_buckets;
    if (n <= 0)
        return false;
    const int64 len = shared->window_us;
    const int64 last = GetCurrentTimestamp() / len;
    // The current interval has only begun: the last `seconds` reach into ceil(seconds / len) more.
    int64 k = seconds <= 0 ? n : 1 + (int64(seconds) * USECS_PER_SEC + len - 1) / len;
    k = Max(int64(1), Min(k, int64(n)));
    range->first = last - k + 1;
    range->last = last;
    range->start = range->first * len;
    return true;
}

EntryCopy *store_copy_recent(const WindowRange &range, int *count)
{
    store_check_attached();
    int capacity = 0;
    for (int p = 0; p < kPartitions; p++)
        capacity += int(shared->part_capacity[p]);
    EntryCopy *out =
        static_cast<EntryCopy *>(palloc_extended(sizeof(EntryCopy) * Max(capacity, 1), MCXT_ALLOC_HUGE));
    const int nwin = shared->window_buckets;
    pgpf::WindowSlot *ring = static_cast<pgpf::WindowSlot *>(palloc(sizeof(pgpf::WindowSlot) * Max(nwin, 1)));
    int n = 0;
    for (int p = 0; p < kPartitions && nwin > 0; p++)
    {
        LWLock *lock = &shared->locks[p].lock;
        LWLockAcquire(lock, LW_SHARED);
        Table t = table_of(p);
        t.for_each(
            [&](const StoreEntry &e)
            {
                const uint32 idx = t.index_of(&e);
                slock_t *m = &lock_of(p, idx)->lock;
                SpinLockAcquire(m);
                memcpy(static_cast<void *>(ring), window_ring(p, idx), sizeof(pgpf::WindowSlot) * nwin);
                const TimestampTz minmax_since = e.minmax_stats_since;
                SpinLockRelease(m);
                bool any = false;
                for (int i = 0; i < nwin && !any; i++)
                    any = ring[i].calls > 0 && ring[i].bucket >= range.first && ring[i].bucket <= range.last;
                if (!any)
                    return;
                // Only what identifies the entry is read unlocked: it cannot change under the shared lock.
                EntryCopy &c = out[n++];
                memset(static_cast<void *>(&c.entry), 0, sizeof(c.entry));
                c.entry.key = e.key;
                c.entry.query_group = e.query_group;
                c.entry.query_len = e.query_len;
                c.entry.has_plan_text = e.has_plan_text;
                c.entry.plan_len = e.plan_len;
                pgpf::window_sum(ring, nwin, range.first, range.last, &c.entry.counters, &c.entry.hist);
                c.entry.counters.first_seen = range.start;
                c.entry.stats_since = e.stats_since;
                c.entry.minmax_stats_since = minmax_since;
                c.query = nullptr;
                c.plan = nullptr;
                if (e.query_len > 0)
                    c.query = pnstrdup(query_slot(p, idx), e.query_len);
                if (e.has_plan_text)
                    c.plan = pnstrdup(plan_slot(p, idx), e.plan_len);
            });
        LWLockRelease(lock);
    }
    pfree(ring);
    *count = n;
    return out;
}

void store_for_each_unlocked(void (*fn)(const SavedEntry &e, void *arg), void *arg)
{
    for (int p = 0; p < kPartitions; p++)
    {
        Table t = table_of(p);
        t.for_each(
            [&](const StoreEntry &e)
            {
                const uint32 idx = t.index_of(&e);
                const SavedEntry s{&e,
                                   t.usage_of(&e),
                                   window_ring(p, idx),
                                   shared->window_buckets,
                                   e.query_len > 0 ? query_slot(p, idx) : nullptr,
                                   e.has_plan_text ? plan_slot(p, idx) : nullptr};
                fn(s, arg);
            });
    }
}

void store_load_entry(const SavedEntry &s, int query_len, int plan_len, int64 window_us)
{
    const StoreEntry &src = *s.entry;
    const uint64 hash = key_hash(src.key);
    const int p = partition_of(hash);
    Table t = table_of(p);
    if (t.find(src.key, hash) != nullptr)
        return;
    bool evicted;
    StoreEntry *e = t.insert(src.key, hash, &evicted);
    const uint32 idx = t.index_of(e);
    t.set_usage(e, s.usage);
    e->counters = src.counters;
    e->hist = src.hist;
    e->plan_skipped = src.plan_skipped;
    e->query_group = src.query_group;
    e->stats_since = src.stats_since;
    e->minmax_stats_since = src.minmax_stats_since;
    e->query_len = copy_text(query_slot(p, idx), shared->query_text_size, s.query, query_len);
    if (s.plan != nullptr)
    {
        e->plan_len = copy_text(plan_slot(p, idx), shared->plan_text_size, s.plan, plan_len);
        e->has_plan_text = true;
    }
    // Buckets of the same length are the same intervals: those still in the ring's reach are kept.
    const int n = shared->window_buckets;
    if (n > 0)
    {
        pgpf::WindowSlot *ring = window_ring(p, idx);
        memset(static_cast<void *>(ring), 0, sizeof(pgpf::WindowSlot) * n);
        if (window_us == shared->window_us)
        {
            const int64 last = GetCurrentTimestamp() / shared->window_us;
            for (int i = 0; i < s.ring_len; i++)
                pgpf::window_restore(ring, n, s.ring[i], last - n + 1, last);
        }
    }
    lock_of(p, idx)->live = true; // the postmaster, alone: no spinlock needed
}

void store_set_info(TimestampTz stats_reset, int64 evictions, int64 texts_truncated)
{
    shared->stats_reset = stats_reset;
    // Evictions live per partition; a reloaded total is credited to the first one.
    table_of(0).set_evictions(table_of(0).evictions() + uint64(evictions));
    pg_atomic_write_u64(&shared->texts_truncated, uint64(texts_truncated));
}

// --- Texts cut at their limit carry a marker (issue 19) -------------------------------------------
int store_clip_text(char *dst, int size, const char *text, int len)
{
    if (size <= 1)
        return 0;
    if (len < size)
    {
        memcpy(dst, text, len);
        dst[len] = '\0';
        return len;
    }
    // Every server encoding is a superset of ASCII; the ellipsis character only in UTF-8.
    const char *marker = GetDatabaseEncoding() == PG_UTF8 ? "\xE2\x80\xA6" : "...";
    const int mlen = int(strlen(marker));
    if (size - 1 <= mlen)
    {
        const int keep = pg_mbcliplen(text, len, size - 1);
        memcpy(dst, text, keep);
        dst[keep] = '\0';
        return keep;
    }
    const int keep = pg_mbcliplen(text, len, size - 1 - mlen);
    memcpy(dst, text, keep);
    memcpy(dst + keep, marker, mlen);
    dst[keep + mlen] = '\0';
    return keep + mlen;
}

// --- For pg_perfgate_activity (issue 19): whether an entry exists, without a lock ----------------
bool store_has(const EntryKey &key)
{
    if (shared == nullptr)
        return true;
    const uint64 hash = key_hash(key);
    return table_of(partition_of(hash)).find(key, hash) != nullptr;
}

bool store_entry_texts(const EntryKey &key, uint64 *query_group, char **plan, int plan_size)
{
    *plan = nullptr;
    if (shared == nullptr)
        return false;
    const uint64 hash = key_hash(key);
    const int p = partition_of(hash);
    LWLock *lock = &shared->locks[p].lock;
    Table t = table_of(p);
    // Copied into the caller's buffer under the lock: nothing that can fail runs while it is held.
    char *buf = static_cast<char *>(palloc(plan_size));
    bool found = false;
    LWLockAcquire(lock, LW_SHARED);
    const StoreEntry *e = t.find(key, hash);
    if (e != nullptr)
    {
        found = true;
        *query_group = e->query_group;
        if (e->has_plan_text && e->plan_len > 0)
        {
            const int len = Min(e->plan_len, plan_size - 1);
            memcpy(buf, plan_slot(p, t.index_of(e)), len);
            buf[len] = '\0';
            *plan = buf;
        }
    }
    LWLockRelease(lock);
    if (*plan == nullptr)
        pfree(buf);
    return found;
}

} // namespace pgpf

// pg_perfgate_info: the store's size, evictions and truncations.
PGPF_FUNCTION(pg_perfgate_info_internal)
{
    const pgpf::StoreInfo info = pgpf::store_info();
    const TupleDesc desc = pgpf::result_row(fcinfo);
    Datum values[7];
    bool nulls[7] = {false, false, false, false, false, false, false};
    values[0] = Int64GetDatum(info.entries);
    values[1] = Int64GetDatum(info.max);
    values[2] = Int64GetDatum(info.evictions);
    values[3] = Int64GetDatum(info.texts_truncated);
    values[4] = Int64GetDatum(info.plan_texts_skipped);
    values[5] = Int64GetDatum(info.memory_bytes);
    values[6] = TimestampTzGetDatum(info.stats_reset);
    return HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls));
}
