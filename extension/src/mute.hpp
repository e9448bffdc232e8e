// mute.hpp — accepted findings (mute.cpp): a DBA marks a finding (kind x query id, optionally one role
// and one database) as known and accepted, with a note. Muted findings leave the views' default
// output and the *_action checks, and are still counted.
#pragma once

#include "antipatterns.hpp"
#include "pg.hpp"

namespace pgpf
{

void mute_shmem_request();
void mute_shmem_startup(); // loads the saved mutes (postmaster, or each backend under EXEC_BACKEND)

// Whether a mute covers the finding (kind, role, database, query id). Takes the mutes' lock shared,
// unless there are none.
bool mute_covers(ApKind kind, Oid userid, Oid dbid, uint64 queryid);

// A palloc'd copy of the mutes, for the views (which match many findings against them at once).
struct MuteEntry
{
    uint8 kind;
    uint8 pad[3];
    Oid userid; // 0: any role
    Oid dbid;   // 0: any database
    Oid muted_by;
    uint64 queryid;
    TimestampTz muted_at;
    char note[256];
};
MuteEntry *mute_copy_all(int *count);
// The first of the n mutes that covers the finding, NULL if none.
const MuteEntry *mute_find(const MuteEntry *mutes, int n, ApKind kind, Oid userid, Oid dbid, uint64 queryid);

} // namespace pgpf
