/*
 * mute.cpp — accepted findings: pg_perfgate_mute(), pg_perfgate_unmute() and the list behind the
 * pg_perfgate_mutes view.
 *
 * Layout: up to kMaxMutes MuteEntry in a shared-memory segment of its own ("pg_perfgate mutes"),
 * with one LWLock (tranche "pg_perfgate mutes"). Readers (the *_action check when a detector fires,
 * the views) take it shared; a mute or unmute takes it exclusive, writes the whole new list to its
 * file and only then changes shared memory, so that what the views show is what a restart brings
 * back. A failed write is an ERROR and changes nothing. Mutes are not transactional: like
 * pg_perfgate_reset(), one done in a transaction that rolls back stays.
 *
 * File: pg_perfgate_mutes.dat in the data directory (not pg_stat/: mutes are decisions, not
 * statistics, and survive a crash restart too). Layout: magic, format, count, the entries, CRC-32C.
 * Loaded when shared memory is set up; a file that fails any check is ignored with a WARNING that
 * names it, never a failed start.
 *
 * Who may mute: the functions are revoked from PUBLIC (a mute changes what every role is told, like
 * a reset); a superuser may call them and GRANT EXECUTE to a DBA role. The list is shown to members
 * of pg_read_all_stats (the view's grant).
 */
#include "mute.hpp"

#include "guard.hpp"
#include "srf.hpp"

namespace pgpf
{

namespace
{

constexpr int kMaxMutes = 256;
constexpr const char *kFile = "pg_perfgate_mutes.dat";
constexpr const char *kTempFile = "pg_perfgate_mutes.dat.tmp";
constexpr uint32 kMagic = 0x4D465047; // "GPFM"
constexpr uint32 kFormat = 1;

static_assert(std::is_trivially_copyable<MuteEntry>::value, "shared memory holds plain structs");

struct MuteShared
{
    LWLock *lock;
    int32 count;
    MuteEntry entries[kMaxMutes];
};
MuteShared *mute_shared = nullptr;

struct FileHeader
{
    uint32 magic;
    uint32 format;
    uint32 entry_size;
    int32 count;
};

// Reads the saved mutes into shared memory; anything wrong is a WARNING and no mutes.
void load(MuteShared *m)
{
    FILE *file = AllocateFile(kFile, PG_BINARY_R);
    if (file == nullptr)
    {
        if (errno != ENOENT)
            ereport(WARNING, (errcode_for_file_access(),
                              errmsg("pg_perfgate: could not read \"%s\": %m; no finding is muted", kFile)));
        return;
    }
    FileHeader h;
    MuteEntry *entries = static_cast<MuteEntry *>(palloc(sizeof(MuteEntry) * kMaxMutes));
    pg_crc32c stored = 0, crc;
    bool ok = fread(&h, sizeof(h), 1, file) == 1 && h.magic == kMagic && h.format == kFormat &&
              h.entry_size == sizeof(MuteEntry) && h.count >= 0 && h.count <= kMaxMutes &&
              fread(entries, sizeof(MuteEntry), h.count, file) == size_t(h.count) &&
              fread(&stored, sizeof(stored), 1, file) == 1 && fgetc(file) == EOF;
    if (ok)
    {
        INIT_CRC32C(crc);
        COMP_CRC32C(crc, &h, sizeof(h));
        COMP_CRC32C(crc, entries, sizeof(MuteEntry) * h.count);
        FIN_CRC32C(crc);
        ok = EQ_CRC32C(crc, stored);
    }
    FreeFile(file);
    if (!ok)
    {
        ereport(WARNING, (errmsg("pg_perfgate: ignoring \"%s\": not a mutes file of this version or damaged; "
                                 "no finding is muted",
                                 kFile)));
        pfree(entries);
        return;
    }
    memcpy(m->entries, entries, sizeof(MuteEntry) * h.count);
    m->count = h.count;
    pfree(entries);
}

// Writes n entries to the file (temporary name, then a durable rename); ERROR on failure.
void save(const MuteEntry *entries, int n)
{
    FILE *file = AllocateFile(kTempFile, PG_BINARY_W);
    if (file == nullptr)
        ereport(ERROR,
                (errcode_for_file_access(), errmsg("pg_perfgate: could not write \"%s\": %m", kTempFile)));
    FileHeader h{kMagic, kFormat, uint32(sizeof(MuteEntry)), n};
    pg_crc32c crc;
    INIT_CRC32C(crc);
    COMP_CRC32C(crc, &h, sizeof(h));
    COMP_CRC32C(crc, entries, sizeof(MuteEntry) * n);
    FIN_CRC32C(crc);
    const bool ok = fwrite(&h, sizeof(h), 1, file) == 1 &&
                    fwrite(entries, sizeof(MuteEntry), n, file) == size_t(n) &&
                    fwrite(&crc, sizeof(crc), 1, file) == 1;
    if (FreeFile(file) != 0 || !ok)
    {
        unlink(kTempFile);
        ereport(ERROR,
                (errcode_for_file_access(), errmsg("pg_perfgate: could not write \"%s\": %m", kTempFile)));
    }
    durable_rename(kTempFile, kFile, ERROR);
}

bool covers(const MuteEntry &m, ApKind kind, Oid userid, Oid dbid, uint64 queryid)
{
    return m.kind == uint8(kind) && m.queryid == queryid && (m.userid == 0 || m.userid == userid) &&
           (m.dbid == 0 || m.dbid == dbid);
}

void check_attached()
{
    if (mute_shared == nullptr)
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("pg_perfgate must be loaded via shared_preload_libraries")));
}

ApKind kind_arg(FunctionCallInfo fcinfo)
{
    if (PG_ARGISNULL(0))
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("kind must not be NULL")));
    const char *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
    const ApKind kind = ap_kind_from_name(name);
    if (kind == ApKind(0))
        ereport(ERROR,
                (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("unknown anti-pattern kind \"%s\"", name),
                 errhint("The kinds are those of pg_perfgate_antipatterns.kind: %s.", ap_kind_names())));
    return kind;
}

uint64 queryid_arg(FunctionCallInfo fcinfo)
{
    if (PG_ARGISNULL(1) || PG_GETARG_INT64(1) == 0)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("queryid must be the query id of the finding, not NULL or 0")));
    return uint64(PG_GETARG_INT64(1));
}

Oid oid_arg(FunctionCallInfo fcinfo, int i)
{
    return PG_ARGISNULL(i) ? InvalidOid : PG_GETARG_OID(i);
}

// pg_perfgate_mute(kind, queryid, note, userid, dbid): adds the mute, or replaces its note.
void mute(FunctionCallInfo fcinfo)
{
    check_attached();
    const ApKind kind = kind_arg(fcinfo);
    const uint64 queryid = queryid_arg(fcinfo);
    const char *note = PG_ARGISNULL(2) ? "" : text_to_cstring(PG_GETARG_TEXT_PP(2));
    if (note[0] == '\0')
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("a mute needs a note that says why the finding is accepted")));
    const Oid userid = oid_arg(fcinfo, 3), dbid = oid_arg(fcinfo, 4);
    MuteEntry e;
    memset(&e, 0, sizeof(e));
    e.kind = uint8(kind);
    e.userid = userid;
    e.dbid = dbid;
    e.queryid = queryid;
    e.muted_by = GetUserId();
    e.muted_at = GetCurrentTimestamp();
    strlcpy(e.note, note, sizeof(e.note));

    MuteEntry *copy = static_cast<MuteEntry *>(palloc(sizeof(MuteEntry) * kMaxMutes));
    LWLockAcquire(mute_shared->lock, LW_EXCLUSIVE);
    int n = mute_shared->count;
    memcpy(copy, mute_shared->entries, sizeof(MuteEntry) * n);
    int i = 0;
    while (i < n && !(copy[i].kind == e.kind && copy[i].queryid == queryid && copy[i].userid == userid &&
                      copy[i].dbid == dbid))
        i++;
    if (i == n && n == kMaxMutes)
        ereport(ERROR,
                (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                 errmsg("pg_perfgate: %d findings are muted already, the most there can be", kMaxMutes),
                 errhint("Unmute some (pg_perfgate_unmute), or raise the detector's threshold instead.")));
    copy[i] = e;
    if (i == n)
        n++;
    save(copy, n);
    memcpy(mute_shared->entries, copy, sizeof(MuteEntry) * n);
    mute_shared->count = n;
    LWLockRelease(mute_shared->lock);
    pfree(copy);
}

// pg_perfgate_unmute(kind, queryid, userid, dbid): removes that mute; returns how many were removed.
int64 unmute(FunctionCallInfo fcinfo)
{
    check_attached();
    const ApKind kind = kind_arg(fcinfo);
    const uint64 queryid = queryid_arg(fcinfo);
    const Oid userid = oid_arg(fcinfo, 2), dbid = oid_arg(fcinfo, 3);
    MuteEntry *copy = static_cast<MuteEntry *>(palloc(sizeof(MuteEntry) * kMaxMutes));
    LWLockAcquire(mute_shared->lock, LW_EXCLUSIVE);
    int n = 0;
    for (int i = 0; i < mute_shared->count; i++)
    {
        const MuteEntry &m = mute_shared->entries[i];
        if (!(m.kind == uint8(kind) && m.queryid == queryid && m.userid == userid && m.dbid == dbid))
            copy[n++] = m;
    }
    const int64 removed = mute_shared->count - n;
    if (removed > 0)
    {
        save(copy, n);
        memcpy(mute_shared->entries, copy, sizeof(MuteEntry) * n);
        mute_shared->count = n;
    }
    LWLockRelease(mute_shared->lock);
    pfree(copy);
    return removed;
}

void list(FunctionCallInfo fcinfo)
{
    check_attached();
    TupleDesc desc;
    Tuplestorestate *store = begin_srf(fcinfo, &desc);
    int n;
    MuteEntry *mutes = mute_copy_all(&n);
    for (int i = 0; i < n; i++)
    {
        const MuteEntry &m = mutes[i];
        Datum v[7];
        bool nulls[7] = {false, false, false, false, false, false, false};
        v[0] = CStringGetTextDatum(ap_kind_name(ApKind(m.kind)));
        v[1] = Int64GetDatum(int64(m.queryid));
        v[2] = ObjectIdGetDatum(m.userid);
        nulls[2] = m.userid == InvalidOid;
        v[3] = ObjectIdGetDatum(m.dbid);
        nulls[3] = m.dbid == InvalidOid;
        v[4] = CStringGetTextDatum(m.note);
        v[5] = ObjectIdGetDatum(m.muted_by);
        v[6] = TimestampTzGetDatum(m.muted_at);
        tuplestore_putvalues(store, desc, v, nulls);
    }
}

} // namespace

void mute_shmem_request()
{
    RequestAddinShmemSpace(sizeof(MuteShared));
    RequestNamedLWLockTranche("pg_perfgate mutes", 1);
}

void mute_shmem_startup()
{
    bool found;
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    mute_shared = static_cast<MuteShared *>(ShmemInitStruct("pg_perfgate mutes", sizeof(MuteShared), &found));
    if (!found)
    {
        memset(static_cast<void *>(mute_shared), 0, sizeof(MuteShared));
        mute_shared->lock = &GetNamedLWLockTranche("pg_perfgate mutes")->lock;
        load(mute_shared);
    }
    LWLockRelease(AddinShmemInitLock);
}

bool mute_covers(ApKind kind, Oid userid, Oid dbid, uint64 queryid)
{
    // An unlocked look first: no mutes is the usual case (a mute added meanwhile applies from the next
    // finding).
    if (mute_shared == nullptr || mute_shared->count == 0)
        return false;
    bool hit = false;
    LWLockAcquire(mute_shared->lock, LW_SHARED);
    for (int i = 0; i < mute_shared->count && !hit; i++)
        hit = covers(mute_shared->entries[i], kind, userid, dbid, queryid);
    LWLockRelease(mute_shared->lock);
    return hit;
}

MuteEntry *mute_copy_all(int *count)
{
    MuteEntry *out = static_cast<MuteEntry *>(palloc(sizeof(MuteEntry) * kMaxMutes));
    *count = 0;
    if (mute_shared == nullptr)
        return out;
    LWLockAcquire(mute_shared->lock, LW_SHARED);
    *count = mute_shared->count;
    memcpy(out, mute_shared->entries, sizeof(MuteEntry) * mute_shared->count);
    LWLockRelease(mute_shared->lock);
    return out;
}

const MuteEntry *mute_find(const MuteEntry *mutes, int n, ApKind kind, Oid userid, Oid dbid, uint64 queryid)
{
    for (int i = 0; i < n; i++)
        if (covers(mutes[i], kind, userid, dbid, queryid))
            return &mutes[i];
    return nullptr;
}

} // namespace pgpf

PGPF_FUNCTION(pg_perfgate_mute)
{
    pgpf::mute(fcinfo);
    PG_RETURN_VOID();
}

PGPF_FUNCTION(pg_perfgate_unmute)
{
    return Int64GetDatum(pgpf::unmute(fcinfo));
}

PGPF_FUNCTION(pg_perfgate_mutes_internal)
{
    pgpf::list(fcinfo);
    return (Datum)0;
}
