/*
 * persist.cpp — saving the store at clean shutdown and loading it at start.
 *
 * File: pg_stat/pg_perfgate.stat, written by the postmaster to a temporary name and renamed into
 * place. Layout: FileHeader, then per entry its StoreEntry image followed by its query text and
 * plan text bytes, then a CRC-32C of everything before it. Loading checks magic, format version,
 * server version, entry size, plan id version, CRC and every length before it trusts a byte;
 * anything wrong means a WARNING and an empty store, never a failed start. The file is removed once loaded,
 * so a crash restart does not bring back statistics that were already superseded.
 */
#include "module.hpp"
#include "plan_id.hpp"
#include "store.hpp"

#include <sys/stat.h>

namespace pgpf
{

namespace
{

constexpr const char *kFile = "pg_stat/pg_perfgate.stat";
constexpr const char *kTempFile = "pg_stat/pg_perfgate.stat.tmp";
constexpr uint32 kMagic = 0x46504750; // "PGPF"
// 2: StoreEntry gained query_group and the JIT counters. 3: the header names the plan id's version.
// 4: the counters of later majors (local block times, JIT deforming, WAL buffers full, parallel
// workers). Files of another format are ignored with a WARNING (validate()), never read.
constexpr uint32 kFormat = 4;
constexpr Size kMaxFile = Size(1) << 30;

struct FileHeader
{
    uint32 magic;
    uint32 format;
    uint32 pg_version;
    uint32 entry_size;
    uint32 plan_id_version; // kPlanIdVersion (plan_id.hpp) of the build that computed its plan ids
    uint32 reserved;
    int64 count;
    TimestampTz stats_reset;
    int64 evictions;
    int64 texts_truncated;
};

struct Writer
{
    FILE *file;
    pg_crc32c crc;
    bool failed;
    int64 count;
};

void write_bytes(Writer *w, const void *data, Size len)
{
    if (w->failed || len == 0)
        return;
    COMP_CRC32C(w->crc, data, len);
    if (fwrite(data, 1, len, w->file) != len)
        w->failed = true;
}

void write_entry(const StoreEntry &e, const char *query, const char *plan, void *arg)
{
    Writer *w = static_cast<Writer *>(arg);
    StoreEntry copy;
    memcpy(static_cast<void *>(&copy), &e, sizeof(copy));
    if (query == nullptr)
        copy.query_len = 0;
    if (plan == nullptr)
    {
        copy.plan_len = 0;
        copy.has_plan_text = false;
    }
    write_bytes(w, &copy, sizeof(copy));
    write_bytes(w, query, Size(copy.query_len));
    write_bytes(w, plan, Size(copy.plan_len));
    w->count++;
}

void count_entry(const StoreEntry &, const char *, const char *, void *arg)
{
    (*static_cast<int64 *>(arg))++;
}

// Checks the whole image before anything is loaded; returns NULL when fine, else what is wrong.
const char *validate(const char *buf, Size size)
{
    if (size < sizeof(FileHeader) + sizeof(pg_crc32c))
        return "file is truncated";
    FileHeader h;
    memcpy(&h, buf, sizeof(h));
    if (h.magic != kMagic)
        return "not a pg_perfgate statistics file";
    if (h.format != kFormat)
        return "written by another version of pg_perfgate";
    if (h.pg_version != PG_VERSION_NUM / 100 || h.entry_size != sizeof(StoreEntry))
        return "written by another server version or build";
    // Its entries would be kept apart from this build's for the same plans, and every query would
    // show a plan change that never happened.
    if (h.plan_id_version != kPlanIdVersion)
        return "its plan ids were computed by another version of pg_perfgate";
    pg_crc32c stored, crc;
    memcpy(&stored, buf + size - sizeof(pg_crc32c), sizeof(stored));
    INIT_CRC32C(crc);
    COMP_CRC32C(crc, buf, size - sizeof(pg_crc32c));
    FIN_CRC32C(crc);
    if (!EQ_CRC32C(crc, stored))
        return "checksum mismatch";
    Size off = sizeof(FileHeader);
    const Size end = size - sizeof(pg_crc32c);
    for (int64 i = 0; i < h.count; i++)
    {
        if (end - off < sizeof(StoreEntry))
            return "entry runs past the end of the file";
        StoreEntry e;
        memcpy(static_cast<void *>(&e), buf + off, sizeof(e));
        off += sizeof(e);
        if (e.query_len < 0 || e.plan_len < 0 || Size(e.query_len) + Size(e.plan_len) > end - off)
            return "text runs past the end of the file";
        off += Size(e.query_len) + Size(e.plan_len);
    }
    if (off != end)
        return "trailing bytes after the last entry";
    return nullptr;
}

} // namespace

void persist_save(int code, Datum)
{
    // Not after a crash, and not when told not to.
    if (code != 0 || !guc_save || !store_attached())
        return;
    FILE *file = AllocateFile(kTempFile, PG_BINARY_W);
    if (file == nullptr)
    {
        ereport(LOG, (errcode_for_file_access(), errmsg("could not write file \"%s\": %m", kTempFile)));
        return;
    }
    StoreInfo info = store_info(false);
    FileHeader h{};
    h.magic = kMagic;
    h.format = kFormat;
    h.pg_version = PG_VERSION_NUM / 100;
    h.entry_size = sizeof(StoreEntry);
    h.plan_id_version = kPlanIdVersion;
    store_for_each_unlocked(count_entry, &h.count);
    h.stats_reset = info.stats_reset;
    h.evictions = info.evictions;
    h.texts_truncated = info.texts_truncated;

    Writer w{file, 0, false, 0};
    INIT_CRC32C(w.crc);
    write_bytes(&w, &h, sizeof(h));
    store_for_each_unlocked(write_entry, &w);
    FIN_CRC32C(w.crc);
    if (!w.failed && fwrite(&w.crc, 1, sizeof(w.crc), file) != sizeof(w.crc))
        w.failed = true;
    if (FreeFile(file) != 0)
        w.failed = true;
    if (w.failed || w.count != h.count)
    {
        ereport(LOG, (errcode_for_file_access(), errmsg("could not write file \"%s\": %m", kTempFile)));
        unlink(kTempFile);
        return;
    }
    (void)durable_rename(kTempFile, kFile, LOG);
}

void persist_load()
{
    if (!guc_save)
    {
        unlink(kFile);
        return;
    }
    FILE *file = AllocateFile(kFile, PG_BINARY_R);
    if (file == nullptr)
    {
        if (errno != ENOENT)
            ereport(WARNING, (errcode_for_file_access(),
                              errmsg("could not read pg_perfgate statistics file \"%s\": %m", kFile)));
        return;
    }
    struct stat st;
    const char *problem = nullptr;
    char *buf = nullptr;
    Size size = 0;
    if (fstat(fileno(file), &st) != 0)
        problem = "could not stat it";
    else if (Size(st.st_size) > kMaxFile)
        problem = "file is too large";
    else
    {
        size = Size(st.st_size);
        buf = static_cast<char *>(palloc_extended(Max(size, Size(1)), MCXT_ALLOC_HUGE));
        if (fread(buf, 1, size, file) != size)
            problem = "could not read all of it";
    }
    FreeFile(file);
    if (problem == nullptr)
        problem = validate(buf, size);
    if (problem != nullptr)
    {
        ereport(WARNING, (errcode(ERRCODE_DATA_CORRUPTED),
                          errmsg("ignoring pg_perfgate statistics file \"%s\": %s", kFile, problem),
                          errdetail("pg_perfgate starts with empty statistics.")));
    }
    else
    {
        FileHeader h;
        memcpy(&h, buf, sizeof(h));
        Size off = sizeof(FileHeader);
        for (int64 i = 0; i < h.count; i++)
        {
            StoreEntry e;
            memcpy(static_cast<void *>(&e), buf + off, sizeof(e));
            off += sizeof(e);
            const char *query = buf + off;
            off += Size(e.query_len);
            const char *plan = e.has_plan_text ? buf + off : nullptr;
            off += Size(e.plan_len);
            store_load_entry(e, query, e.query_len, plan, e.plan_len);
        }
        store_set_info(h.stats_reset, h.evictions, h.texts_truncated);
    }
    if (buf)
        pfree(buf);
    unlink(kFile);
}

} // namespace pgpf
