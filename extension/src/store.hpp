// The shared store's interface: what capture records into, what views read and reset.
#pragma once

#include "core/counters.hpp"
#include "core/histogram.hpp"
#include "pg.hpp"

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
    int32 query_len;    // bytes of query text stored, after truncation
    int32 plan_len;
    pgperfgate::Counters counters; // guarded by the entry's spinlock (see store.cpp)
    pgperfgate::Histogram hist;    // execution times; guarded likewise
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
    const pgperfgate::IoUsage *io;
};

// Where the texts of a new entry come from; read only when the entry is created or still lacks its
// plan text, outside any lock.
struct TextSource
{
    const char *source; // statement source text, may contain several statements
    int location;       // the statement's location and length in source (-1/0 for all of it)
    int length;
    QueryDesc *queryDesc; // for rendering the plan text; NULL when there is no plan state yet
};

// Anti-patterns (detect.cpp finds them; they are stored apart from the statements).
enum class ApKind : uint8
{
    NPlusOne = 1,
    RowByRow = 2,
    DeepOffset = 3,
    HugeFetch = 4,
    FilterHeavySeqScan = 5
};
constexpr int kApKinds = 5;
// The kind's name in the view, and the advice for it: one line in plain words (detect.cpp).
const char *ap_kind_name(ApKind kind);
const char *ap_advice(ApKind kind);

struct ApKey
{
    uint8 kind;
    uint8 pad[3];
    Oid userid;
    Oid dbid;
    uint32 pad2;
    uint64 queryid;
    uint64 related_queryid; // the parent of an N+1 loop, else 0
};

struct ApEntry
{
    ApKey key;
    int64 occurrences;
    int64 calls;          // executions involved
    double total_ms;      // their time
    int64 largest;        // largest burst, offset, row count or rows scanned
    int64 related_rows;   // rows the parent returned, for the largest burst (-1 unknown)
    int64 rows_discarded; // rows skipped by OFFSET or removed by a filter, summed
    TimestampTz first_seen;
    TimestampTz last_seen;
    char detail[128]; // e.g. the relation and columns a filter-heavy scan filtered on
};

struct ApSample
{
    bool new_occurrence;
    int64 calls;
    double ms;
    int64 largest;
    int64 related_rows;
    int64 rows_discarded;
    const char *detail; // may be NULL
};

// Adds a sample to the anti-pattern entry of key (a zero-filled ApKey); a full table evicts.
void store_antipattern(const ApKey &key, const ApSample &sample);
// A copy of every anti-pattern entry, palloc'd.
ApEntry *store_copy_antipatterns(int *count);

void store_shmem_request();
void store_shmem_startup();
extern void *store_memory; // the shared store, once attached (store.cpp)
inline bool store_attached()
{
    return store_memory != nullptr;
}
// Bumped by every pg_perfgate_reset(): a backend holding findings from before it drops them.
extern pg_atomic_uint32 *store_reset_generation;
// Raises an error that tells the user how to load the library when the store is not there.
void store_check_attached();

void store_record(const EntryKey &key, const Sample &sample, const TextSource &texts);

// Removes the entries matching the filter (0 = any); all of them resets the info counters too.
// Returns the number removed.
uint64 store_reset(Oid userid, Oid dbid, uint64 queryid);

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

// For persist.cpp: iteration and insertion without locking, at postmaster start and shutdown only.
void store_for_each_unlocked(void (*fn)(const StoreEntry &e, const char *query, const char *plan, void *arg),
                             void *arg);
void store_load_entry(const StoreEntry &e, const char *query, int query_len, const char *plan, int plan_len);
void store_set_info(TimestampTz stats_reset, int64 evictions, int64 texts_truncated);

} // namespace pgpf
