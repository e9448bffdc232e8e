// errors.hpp — failed statements counted per (role, database, query id, SQLSTATE) (errors.cpp,
// which states its locking), for the pg_perfgate_errors view and the hot queries' errors column.
#pragma once

#include "pg.hpp"

namespace pgpf
{

struct ErrKey
{
    Oid userid;
    Oid dbid;
    uint64 queryid; // of the statement the client sent; 0 when it failed before it had one
    int32 sqlstate;
    int32 pad;
};

struct ErrEntry
{
    ErrKey key;
    int64 count;
    TimestampTz first_seen;
    TimestampTz last_seen;
    char message[128]; // the latest one, cut
    char query[256];   // normalized where this backend saw it parsed; cut
};

// pg_perfgate.max_errors and the emit_log_hook that counts errors, from _PG_init.
void errors_init();
void errors_shmem_request();
void errors_shmem_startup();
// A copy of every entry, palloc'd.
ErrEntry *errors_copy_all(int *count);
// Removes the entries matching the filter (0 = any).
void errors_reset(Oid userid, Oid dbid, uint64 queryid);
// For persist.cpp, in the postmaster at start and shutdown only (no locking): every entry with its
// eviction usage, and loading one back.
void errors_for_each_unlocked(void (*fn)(const ErrEntry &e, uint32 usage, void *arg), void *arg);
void errors_load_entry(const ErrEntry &e, uint32 usage);

} // namespace pgpf
