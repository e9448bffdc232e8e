/*
 * persist.cpp — saving the store at clean shutdown and loading it at start.
 *
 * File: pg_stat/pg_perfgate.stat, written by the postmaster to a temporary name and renamed into
 * place. Layout: FileHeader; per statement entry its StoreEntry image, its eviction usage (a
 * uint64), its ring of recent buckets (window_buckets WindowSlots), its query text and plan text
 * bytes; per anti-pattern finding its ApEntry image and usage; per error count its ErrEntry image
 * and usage; then a CRC-32C of everything before it. So a restart keeps what eviction knew, the
 * recent windows, the findings and the error counts together with stats_reset. Loading checks
 * magic, format version, server version, record sizes, plan id version, CRC and every length
 * before it trusts a byte;
 * anything wrong means a WARNING and an empty store, never a failed start. The file is removed once loaded,
 * so a crash restart does not bring back statistics that were already superseded.
 */
#include "antipatterns.hpp"
#include "errors.hpp"
#include "guard.hpp"
#include "persist.hpp"
#include "plan_id.hpp"
#include "store.hpp"

#include <sys/stat.h>

namespace pgpf
{

namespace
{
bool guc_save = true;
} // namespace

void persist_init()
{
    DefineCustomBoolVariable("pg_perfgate.save", "Whether statistics are saved across server restarts.",
                             nullptr, &guc_save, true, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
}

namespace
{

constexpr const char *kFile = "pg_stat/pg_perfgate.stat";
constexpr const char *kTempFile = "pg_stat/pg_perfgate.stat.tmp";
constexpr uint32 kMagic = 0x46504750; // "PGPF"
// 2: StoreEntry gained query_group and the JIT counters. 3: the header names the plan id's version.
// 4: the counters of later majors (local block times, JIT deforming, WAL buffers full, parallel
// workers). 5: entries carry their usage, stats_since/minmax_stats_since and recent buckets;
// findings and error counts follow them. 6: a finding has the columns and plan node its advice
// reads. Files of another format are ignored with a WARNING (validate()), never read.
constexpr uint32 kFormat = 6;
constexpr Size kMaxFile = Size(1) << 30;
constexpr uint32 kMaxRing = 1440; // pg_perfgate.window_buckets' maximum

struct FileHeader
{
    uint32 magic;
    uint32 format;
    uint32 pg_version;
    uint32 entry_size;
    uint32 plan_id_version; // kPlanIdVersion (plan_id.hpp) of the build that computed its plan ids
    uint32 window_buckets;  // recent buckets saved per entry
    int64 count;
    TimestampTz stats_reset;
    int64 evictions;
    int64 texts_truncated;
    int64 window_us; // their length
    uint32 slot_size;
    uint32 ap_entry_size;
    uint32 err_entry_size;
    uint32 reserved;
    int64 ap_count;
    int64 err_count;
};

// What follows each record's image: its eviction usage (core/table.hpp).
struct SavedUsage
{
    uint32 usage;
    uint32 pad;
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

void write_usage(Writer *w, uint32 usage)
{
    const SavedUsage u{usage, 0};
    write_bytes(w, &u, sizeof(u));
}

void write_entry(const SavedEntry &s, void *arg)
{
    Writer *w = static_cast<Writer *>(arg);
    StoreEntry copy;
    memcpy(static_cast<void *>(&copy), s.entry, sizeof(copy));
    if (s.query == nullptr)
        copy.query_len = 0;
    if (s.plan == nullptr)
    {
        copy.plan_len = 0;
        copy.has_plan_text = false;
    }
    write_bytes(w, &copy, sizeof(copy));
    write_usage(w, s.usage);
    write_bytes(w, s.ring, sizeof(pgpf::WindowSlot) * Size(s.ring_len));
    write_bytes(w, s.query, Size(copy.query_len));
    write_bytes(w, s.plan, Size(copy.plan_len));
    w->count++;
}

void write_ap(const ApEntry &e, uint32 usage, void *arg)
{
    Writer *w = static_cast<Writer *>(arg);
    write_bytes(w, &e, sizeof(e));
    write_usage(w, usage);
}

void write_err(const ErrEntry &e, uint32 usage, void *arg)
{
    Writer *w = static_cast<Writer *>(arg);
    write_bytes(w, &e, sizeof(e));
    write_usage(w, usage);
}

void count_entry(const SavedEntry &, void *arg)
{
    (*static_cast<int64 *>(arg))++;
}
void count_ap(const ApEntry &, uint32, void *arg)
{
    (*static_cast<int64 *>(arg))++;
}
void count_err(const ErrEntry &, uint32, void *arg)
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
    if (h.pg_version != PG_VERSION_NUM / 100 || h.entry_size != sizeof(StoreEntry) ||
        h.slot_size != sizeof(pgpf::WindowSlot) || h.ap_entry_size != sizeof(ApEntry) ||
        h.err_entry_size != sizeof(ErrEntry))
        return "written by another server version or build";
    if (h.window_buckets > kMaxRing || h.count < 0 || h.ap_count < 0 || h.err_count < 0)
        return "header is corrupt";
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
    const Size fixed = sizeof(StoreEntry) + sizeof(SavedUsage) + sizeof(pgpf::WindowSlot) * h.window_buckets;
    for (int64 i = 0; i < h.count; i++)
    {
        if (end - off < fixed)
            return "entry runs past the end of the file";
        StoreEntry e;
        memcpy(static_cast<void *>(&e), buf + off, sizeof(e));
        off += fixed;
        if (e.query_len < 0 || e.plan_len < 0 || Size(e.query_len) + Size(e.plan_len) > end - off)
            return "text runs past the end of the file";
        off += Size(e.query_len) + Size(e.plan_len);
    }
    const Size ap_bytes = sizeof(ApEntry) + sizeof(SavedUsage),
               err_bytes = sizeof(ErrEntry) + sizeof(SavedUsage);
    if (Size(h.ap_count) > (end - off) / ap_bytes)
        return "findings run past the end of the file";
    off += Size(h.ap_count) * ap_bytes;
    if (Size(h.err_count) > (end - off) / err_bytes)
        return "error counts run past the end of the file";
    off += Size(h.err_count) * err_bytes;
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
    h.window_buckets = uint32(store_window_buckets());
    h.window_us = store_window_us();
    h.slot_size = sizeof(pgpf::WindowSlot);
    h.ap_entry_size = sizeof(ApEntry);
    h.err_entry_size = sizeof(ErrEntry);
    store_for_each_unlocked(count_entry, &h.count);
    ap_for_each_unlocked(count_ap, &h.ap_count);
    errors_for_each_unlocked(count_err, &h.err_count);
    h.stats_reset = info.stats_reset;
    h.evictions = info.evictions;
    h.texts_truncated = info.texts_truncated;

    Writer w{file, 0, false, 0};
    INIT_CRC32C(w.crc);
    write_bytes(&w, &h, sizeof(h));
    store_for_each_unlocked(write_entry, &w);
    ap_for_each_unlocked(write_ap, &w);
    errors_for_each_unlocked(write_err, &w);
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
        // The images are copied out of the buffer: its offsets keep no alignment.
        pgpf::WindowSlot *ring = static_cast<pgpf::WindowSlot *>(
            palloc(sizeof(pgpf::WindowSlot) * Max(h.window_buckets, uint32(1))));
        SavedUsage u;
        for (int64 i = 0; i < h.count; i++)
        {
            StoreEntry e;
            memcpy(static_cast<void *>(&e), buf + off, sizeof(e));
            off += sizeof(e);
            memcpy(&u, buf + off, sizeof(u));
            off += sizeof(u);
            memcpy(static_cast<void *>(ring), buf + off, sizeof(pgpf::WindowSlot) * h.window_buckets);
            off += sizeof(pgpf::WindowSlot) * h.window_buckets;
            const char *query = buf + off;
            off += Size(e.query_len);
            const char *plan = e.has_plan_text ? buf + off : nullptr;
            off += Size(e.plan_len);
            const SavedEntry s{&e, u.usage, ring, int(h.window_buckets), query, plan};
            store_load_entry(s, e.query_len, e.plan_len, h.window_us);
        }
        for (int64 i = 0; i < h.ap_count; i++)
        {
            ApEntry e;
            memcpy(static_cast<void *>(&e), buf + off, sizeof(e));
            off += sizeof(e);
            memcpy(&u, buf + off, sizeof(u));
            off += sizeof(u);
            ap_load_entry(e, u.usage);
        }
        for (int64 i = 0; i < h.err_count; i++)
        {
            ErrEntry e;
            memcpy(static_cast<void *>(&e), buf + off, sizeof(e));
            off += sizeof(e);
            memcpy(&u, buf + off, sizeof(u));
            off += sizeof(u);
            errors_load_entry(e, u.usage);
        }
        pfree(ring);
        store_set_info(h.stats_reset, h.evictions, h.texts_truncated);
    }
    if (buf)
        pfree(buf);
    unlink(kFile);
}

namespace
{
void save_at_exit(int code, Datum arg)
{
    guarded("on_shmem_exit", [&] { persist_save(code, arg); });
}
} // namespace

void persist_startup()
{
    // The postmaster loads the saved statistics once, when it has just created shared memory (and
    // again after a crash, when the file is gone), and saves them when it shuts down cleanly.
    if (IsUnderPostmaster || !store_attached())
        return;
    on_shmem_exit(save_at_exit, (Datum)0);
    persist_load();
}

} // namespace pgpf
