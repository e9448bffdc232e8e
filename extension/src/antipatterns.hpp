// antipatterns.hpp — the anti-pattern vocabulary (one record per kind: kinds.cpp) and the shared
// table of findings (antipatterns.cpp, which states its locking). The detectors (detect.cpp,
// detect_scan.cpp, detect_spill.cpp) write it; the views read it.
#pragma once

#include "pg.hpp"

namespace pgpf
{

enum class ApKind : uint8
{
    NPlusOne = 1,
    RowByRow = 2,
    DeepOffset = 3,
    HugeFetch = 4,
    FilterHeavySeqScan = 5,
    TempSpill = 6,       // detect_spill.cpp; largest: the memory it would have needed, kB
    PerIdLookupLoop = 7, // a loop of lookups inside one transaction with no parent row source
    SessionSetting = 8,  // detect_session.cpp; query id: the SET's; columns: the setting's name
    // detect_connection.cpp: query id 0, related_queryid a hash of the application and client
    // address (not shown); largest: the highest rate of short sessions a minute
    ConnectionPerRequest = 9,
    // detect_connection.cpp; query id: the statement before the idle gap; largest: the longest gap, ms
    IdleInTransaction = 10,
    WideFetch = 11,     // detect_wide.cpp; largest: rows; columns: the large columns (table.column)
    CacheCandidate = 12 // detect_repeat.cpp; largest: runs in the window; related_rows: rows per run
};
constexpr int kApKinds = 12;

// The plan node a finding is about, where it names one (a spill's).
enum class ApNode : uint8
{
    None = 0,
    Sort = 1,
    Hash = 2,
    HashAggregate = 3
};

struct ApEntry;

// One kind of finding: all that is known about it outside its detector, in one record of kinds.cpp.
// Adding a kind is adding its ApKind value, its record there and its detector's file.
struct ApKindInfo
{
    ApKind kind;
    const char *name;   // in the views and in pg_perfgate_mute()
    const char *action; // its setting is pg_perfgate.<action>_action; NULL: none of its own
    ApKind action_kind; // the kind whose *_action setting decides its messages; ApKind(0): none
    const char *advice; // one line in plain words: the HINT of its messages, and the view's advice
                        // to a role that may not see the entry's detail
    // The advice made concrete from the entry's fields (detail, columns, node, largest, ...);
    // NULL: `advice` as is.
    const char *(*advise)(const ApEntry &e);
};
// The record of a kind (an "unknown" one for a kind with none).
const ApKindInfo &ap_kind(ApKind kind);
// Every record, in the order the names are listed.
extern const ApKindInfo ap_kinds[];
extern const int ap_kind_count;
inline const char *ap_kind_name(ApKind kind)
{
    return ap_kind(kind).name;
}
inline const char *ap_advice(ApKind kind)
{
    return ap_kind(kind).advice;
}
// The advice for an entry: its kind's advise(), else the kind's advice.
const char *ap_advice_for(const ApEntry &e);
// The kind of that name, ApKind(0) if none; and every name, for error hints.
ApKind ap_kind_from_name(const char *name);
const char *ap_kind_names();

// Entry identity. Zero-filled before use (padding is compared and hashed).
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
    char detail[128];  // for people: e.g. what a spill wrote, the rows per call of a loop
    char columns[128]; // the columns an index would serve (a filtered scan's, a sort's), "" if none
    ApNode node;       // the plan node it is about, None if none
    uint8 pad3[7];
};

// An N+1 loop's rows per call so far; the finding's detail is formatted from the latest one only
// when it reaches shared memory (a loop inside a function is a finding at every call).
struct ApRowsPerCall
{
    int64 min, sum, n, max;
};

struct ApSample
{
    bool new_occurrence;
    int64 calls;
    double ms;
    int64 largest;
    int64 related_rows;
    int64 rows_discarded;
    const char *detail;                 // may be NULL
    const ApRowsPerCall *rows_per_call; // may be NULL; the detail when detail is NULL
    const char *columns;                // may be NULL
    ApNode node;
};

// "min 1, mean 2.5, max 8"
void ap_format_rows_per_call(const ApRowsPerCall &r, char *out, size_t size);

void ap_init(); // pg_perfgate.max_antipatterns, from _PG_init
void ap_shmem_request();
void ap_shmem_startup();
// Adds a sample to the entry of key (a zero-filled ApKey), in this backend's aggregate first; it
// reaches shared memory at once when the key is new to this backend, else within kFlushAfter
// (antipatterns.cpp states when). A full table evicts.
void ap_record(const ApKey &key, const ApSample &sample);
// Writes this backend's aggregate to shared memory (one exclusive lock acquisition).
void ap_flush();
extern bool ap_pending_;         // this backend has unflushed findings
extern TimestampTz ap_flush_due; // when the oldest of them is old enough to be flushed
// ap_flush() if the oldest unflushed finding is old enough; now: the statement's start timestamp.
inline void ap_flush_if_due(TimestampTz now)
{
    if (ap_pending_ && now >= ap_flush_due)
        ap_flush();
}
extern int64 ap_flushes; // ap_flush() calls that took the lock, for pg_perfgate_backend_state()
// Drops this backend's unflushed findings (a reset happened since they were recorded).
void ap_forget_pending();
// A copy of every entry, palloc'd.
ApEntry *ap_copy_all(int *count);
// Removes the entries matching the filter (0 = any; queryid matches either query id).
void ap_reset(Oid userid, Oid dbid, uint64 queryid);
// For persist.cpp, in the postmaster at start and shutdown only (no locking): every entry with its
// eviction usage, and loading one back.
void ap_for_each_unlocked(void (*fn)(const ApEntry &e, uint32 usage, void *arg), void *arg);
void ap_load_entry(const ApEntry &e, uint32 usage);

} // namespace pgpf
