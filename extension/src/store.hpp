// store.hpp — the shared statement store's interface: what capture records into, what the views
// read and reset. Shared memory only: layout, locking and eviction live in store.cpp, whose header
// states the locking protocol.
#pragma once

#include "core/counters.hpp"
#include "core/histogram.hpp"
#include "core/window.hpp"
#include "pg.hpp"
#include "plan_text.hpp"

namespace pgpf
{

// Entry identity. Zero-filled before use (padding is compared and hashed).
struct EntryKey
{
    Oid userid;
    Oid dbid;
    uint64 queryid;
    uint64 planid;
    bool toplevel;
    char pad[7];
};

struct StoreEntry
{
    EntryKey key;
    bool has_plan_text; // set once the plan text is stored; guarded like the texts (see store.cpp)
    bool plan_skipped;  // rendering the plan text failed: not tried again for this entry
    int32 query_len;    // bytes of query text stored, after truncation
    int32 plan_len;
    uint64 query_group; // of the entry's query text, set once when it is created (core/query_group.hpp)
    // Since when the counters, and the min/max times, run (pg_stat_statements 1.11's names): the
    // start of the statement that created the entry; a min/max-only reset moves the second.
    TimestampTz stats_since;
    TimestampTz minmax_stats_since;
    pgpf::Counters counters; // guarded by the entry's spinlock (see store.cpp)
    pgpf::Histogram hist;    // execution times; guarded likewise
};

enum class SampleKind
{
    Execution,
    Planning
};

struct Sample
{
    SampleKind kind;
    double ms;
    uint64 ns;
    int64 rows;
    const pgpf::IoUsage *io;
    const pgpf::JitUsage *jit; // NULL: the execution was not JIT-compiled
    // Whether io may have anything in the fields a server fills only sometimes (IoUsage::add's rest:
    // the I/O times, measured with track_io_timing; from 18 on wal_buffers_full and the parallel
    // workers). false spares adding them.
    bool io_rest;
    // Whether io may have anything in the local, temp and WAL counters (IoUsage::add's more).
    // false spares adding them.
    bool io_more = true;
    // The statement timestamp of the statement it measures (its last_seen, its recent-window bucket,
    // a new entry's stats_since): read by the caller, which usually has it already.
    TimestampTz started;
};

// The texts of a new entry, prepared by the caller before the store is entered (the store never
// calls out to build them).
struct NewTexts
{
    const char *query; // may be NULL
    int query_len;
    bool query_cut;   // already cut to query_text_size by its producer: count it as truncated
    bool plan_wanted; // this entry should get a plan text
    PlanTextState plan_state;
    const char *plan; // with PlanTextState::Rendered
    uint64 query_group;
};

// Its settings (pg_perfgate.max, query_text_size, plan_text_size, window_buckets and
// window_bucket_seconds), from _PG_init.
void store_init();
void store_shmem_request();
void store_shmem_startup();
extern void *store_memory; // the shared store, once attached (store.cpp)
inline bool store_attached()
{
    return store_memory != nullptr;
}
// Bumped by every pg_perfgate_reset(): a backend holding findings from before it drops them.
extern pg_atomic_uint32 *store_reset_generation;
// Called with the key of each entry a full table evicts, after the store's lock is released: a part
// that keeps something per entry (param_sample.cpp) sets it at start, so that it goes with the entry.
extern void (*store_evicted_hook)(const EntryKey &key);
// Raises an error that tells the user how to load the library when the store is not there.
void store_check_attached();

// What the caller of store_update() has left to do.
enum class StoreAction
{
    Done,     // the sample is in the entry (or there is no store)
    PlanText, // the sample is in the entry, which still wants its plan text (store_set_plan_text())
    Insert    // no entry: the caller prepares the texts and calls store_insert()
};
// Adds the sample to key's entry: store_update(), inline below (its hit path runs for every
// recorded statement, in the caller's frame).
namespace store_detail
{
// One entry's spinlock and live flag on a cache line of their own: packed, backends recording
// different statements would fight over the line their locks happen to share.
struct PaddedLock
{
    slock_t lock;
    bool live; // the entry holds a key lock-free updaters may match; changed under `lock` only
    char pad[PG_CACHE_LINE_SIZE - sizeof(slock_t) - sizeof(bool)];
};
static_assert(sizeof(PaddedLock) == PG_CACHE_LINE_SIZE, "one entry lock per cache line");

// Where this backend last found an entry of a query id (direct-mapped): a statement run again
// skips the key's hash and the table's probe. Only a hint, as any lock-free look-up is: the entry
// is checked under its spinlock (live, and this very key: the key is not compared twice), and
// whatever does not check out (reused, removed by a reset, another key of the slot: another plan,
// role or query id) takes the usual look-up (store.cpp).
struct KnownEntry
{
    StoreEntry *entry; // NULL: empty
    // Where the hit path finds the rest of the entry, kept with it (entries never move): its
    // spinlock, its recent window (NULL when there are none) and its usage word.
    PaddedLock *lock;
    pgpf::WindowSlot *ring;
    uint32 *usage;
};
constexpr int kKnown = 64;
extern KnownEntry known_entries[kKnown];
// The recent windows' shape, fixed for the server's life (copied from shared memory at attach).
extern int window_buckets; // ring length per entry (0: no windows)
extern int64 window_us;    // bucket length

// An execution's weight for eviction: one per call plus one per millisecond, so that a statement
// that runs rarely but long is kept like one that runs often.
inline uint32 usage_weight(const Sample &s)
{
    return s.ms < 1e9 ? 1 + uint32(s.ms) : 1000000001u;
}

// Under e's spinlock (or with e unpublished). ring: e's recent window (NULL when there are none).
pg_attribute_always_inline void apply(StoreEntry *e, pgpf::WindowSlot *ring, const Sample &s, TimestampTz now)
{
    if (s.kind == SampleKind::Execution)
    {
        e->counters.add_execution(s.ms, s.rows, *s.io, now, s.io_rest, s.io_more);
        // One bucket_of() for both histograms: the window's bucket is read from a table.
        const int b = pgpf::Histogram::bucket_of(s.ns);
        e->hist.record_bucket(b);
        if (unlikely(s.jit != nullptr))
            e->counters.jit.add(*s.jit);
        // The bucket of the statement's start, like last_seen (a clock before 2000 has none).
        if (ring != nullptr && now > 0)
        {
            const int64 bucket = now / window_us;
            ring[bucket % window_buckets].add_in(bucket, s.ms, pgpf::kWindowBucketOf.of[b], s.rows, *s.io,
                                                 s.io_more);
        }
    }
    else
        e->counters.add_planning(s.ms, *s.io, now, s.io_rest);
}

// store_update() when the remembered entry did not check out: the usual look-up, which then
// remembers what it found.
StoreAction update_slow(const EntryKey &key, const Sample &sample, KnownEntry &known);
} // namespace store_detail

inline __attribute__((always_inline)) StoreAction store_update(const EntryKey &key, const Sample &sample)
{
    using namespace store_detail;
    KnownEntry &known = known_entries[key.queryid % kKnown];
    // The hit path: where this backend last found this query id's entry, checked under its spinlock.
    if (likely(known.entry != nullptr))
    {
        StoreEntry *e = known.entry;
        PaddedLock *l = known.lock;
        SpinLockAcquire(&l->lock);
        if (likely(l->live && memcmp(&e->key, &key, sizeof(key)) == 0))
        {
            apply(e, known.ring, sample, sample.started);
            const bool need_plan = !e->has_plan_text && !e->plan_skipped;
            SpinLockRelease(&l->lock);
            // The entry's usage word (the clock table's touch()).
            const uint32 u = __atomic_load_n(known.usage, __ATOMIC_RELAXED);
            const uint32 v = u + usage_weight(sample);
            __atomic_store_n(known.usage, v < u ? UINT32_MAX : v, __ATOMIC_RELAXED);
            return unlikely(need_plan) ? StoreAction::PlanText : StoreAction::Done;
        }
        SpinLockRelease(&l->lock);
    }
    return update_slow(key, sample, known);
}
// Creates key's entry with the sample (or adds to it, when another backend was quicker); a full
// table evicts.
void store_insert(const EntryKey &key, const Sample &sample, const NewTexts &texts);
// Gives an existing entry its plan text, unless it has one by now. Failed counts as skipped.
void store_set_plan_text(const EntryKey &key, PlanTextState state, const char *plan);

// text[0, len) into dst (size bytes, NUL-terminated); when it does not fit, cut at a character
// boundary and ended with a marker ("…" in a UTF-8 database, "..." in others) within the size.
// Returns the bytes written. Every text the store keeps is cut this way.
int store_clip_text(char *dst, int size, const char *text, int len);

// Whether key has an entry, looked up without a lock (an entry being reused meanwhile may be
// missed or seen): a hint, for what pg_perfgate_activity shows of a statement running for the first
// time. true when the store is not there.
bool store_has(const EntryKey &key);

// For pg_perfgate_activity: key's query group and a copy of its plan text (palloc'd, at most
// plan_size - 1 bytes; NULL when it has none); false when there is no entry. One partition's shared
// lock, held while copying.
bool store_entry_texts(const EntryKey &key, uint64 *query_group, char **plan, int plan_size);

// For the slow-statement log: copies of key's query and plan texts (palloc'd; NULL when not stored).
void store_copy_texts(const EntryKey &key, char **query, char **plan);

// Removes the entries matching the filter (0 = any); all of them resets the info counters too, and
// bumps store_reset_generation. Returns the number removed. minmax_only: removes nothing, starts
// the matching entries' min/max times afresh (and their minmax_stats_since) and returns how many.
uint64 store_reset(Oid userid, Oid dbid, uint64 queryid, bool minmax_only = false);

struct StoreInfo
{
    int64 entries;
    int64 max;
    int64 evictions;
    int64 texts_truncated;
    int64 plan_texts_skipped;
    int64 memory_bytes;
    TimestampTz stats_reset;
};
// take_locks is false only in the postmaster at shutdown, when no backend is left.
StoreInfo store_info(bool take_locks = true);

// A copy of one entry and its texts, palloc'd in the caller's context.
struct EntryCopy
{
    StoreEntry entry;
    char *query; // NUL-terminated, NULL when not stored
    char *plan;
};
// Copies every entry out, partition by partition (each under its shared lock only while copying).
EntryCopy *store_copy_all(int *count);

// The recent windows: the buckets that cover the last `seconds` (the current one, which has only
// begun, and enough whole ones before it; at most the ring; seconds <= 0: the whole ring), and when
// the first of them started.
struct WindowRange
{
    int64 first;
    int64 last;
    TimestampTz start;
};
// false when the windows are off (pg_perfgate.window_buckets = 0).
bool store_window_range(int seconds, WindowRange *range);
// Like store_copy_all(), with each copy's counters and histogram those of the buckets in range
// (calls, times, rows, I/O; what buckets do not keep is zero) and first_seen the range's start.
// Entries with no call in range are left out.
EntryCopy *store_copy_recent(const WindowRange &range, int *count);

// For persist.cpp: iteration and insertion without locking, at postmaster start and shutdown only.
// usage: the entry's eviction weight (core/table.hpp); ring: its window_buckets() recent buckets.
struct SavedEntry
{
    const StoreEntry *entry;
    uint32 usage;
    const pgpf::WindowSlot *ring;
    int ring_len;
    const char *query;
    const char *plan;
};
void store_for_each_unlocked(void (*fn)(const SavedEntry &e, void *arg), void *arg);
// ring_len saved slots whose bucket length was window_us; kept where they fit the current ring.
void store_load_entry(const SavedEntry &e, int query_len, int plan_len, int64 window_us);
void store_set_info(TimestampTz stats_reset, int64 evictions, int64 texts_truncated);
// The ring's length and bucket length (microseconds) this server runs with.
int store_window_buckets();
int64 store_window_us();

} // namespace pgpf
