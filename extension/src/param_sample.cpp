/*
 * param_sample.cpp — a small sample of the real parameter values of each statement entry, so that a
 * statement can be replayed as it ran (perfgate capture). Opt-in: pg_perfgate.capture_params (off,
 * superuser-only). With it off the hooks pay one compare each and nothing here runs.
 *
 * What a sample is: the values of one execution, numbered as the entry's normalized text numbers
 * them ($1..$n): the parameters the client bound (a Bind message or EXECUTE; never a PL/pgSQL
 * function's variables), as their type's output function writes them, with their type; then the
 * constants the normalized text shows as $n, as the client wrote them (kind "constant", type
 * unknown). Only top-level statements are sampled. A sample that does not fit its share of the
 * entry's bytes is not kept (counted as too large); a statement with no values has no samples.
 *
 * Bounds: at most pg_perfgate.capture_params_max entries have samples (a clock table that evicts
 * the least used), each with kSamples samples in pg_perfgate.capture_params_size bytes: the segment
 * is fixed at start. Samples are a reservoir: the n-th execution replaces a random sample with
 * probability kSamples / n, so each entry's samples stay a uniform draw of all its executions, and
 * only a chosen execution pays for formatting its values. Which executions are chosen depends on
 * their number alone, so that the same run of an application keeps the same samples. The store's eviction of
 * an entry and pg_perfgate_reset() drop its samples; they are never saved to disk, and never written to the
 * server log (a failing output function drops the sample without its message, which may carry the
 * value). pg_perfgate_param_samples() shows them only to the statement's own role and to members
 * of pg_read_all_stats; no view has them.
 *
 * Locking: one LWLock (tranche "pg_perfgate params") and a spinlock per entry. Choosing whether an
 * execution is sampled: the shared lock and the entry's spinlock for its execution count (the
 * exclusive lock to create the entry). Writing a chosen sample, removing entries: the exclusive
 * lock, taken after the values are formatted (no lock is held while an output function runs); a
 * write checks the entry's generation, so a sample never lands in an entry reused meanwhile.
 * Reading: the shared lock while copying. Lock order: the store's partition locks are never held
 * when this lock is taken.
 */
#include "param_sample.hpp"

#include "core/table.hpp"
#include "guard.hpp"
#include "srf.hpp"

namespace pgpf
{

bool guc_capture_params = false;

namespace
{

constexpr int kSamples = 8;
constexpr int kMaxConstants = 64; // a statement with more constants is sampled without them: skipped

int guc_capture_params_max = 1000;
int guc_capture_params_size = 2048;

struct ParamEntry
{
    EntryKey key;
    slock_t mutex;            // guards seen
    int64 seen;               // executions considered since the entry was created
    int64 not_kept;           // chosen executions whose values could not be kept
    uint32 generation;        // set at creation, unique over the segment's life
    uint16 len[kSamples];     // bytes of each sample; 0: none (guarded by the LWLock)
    uint16 nvalues[kSamples]; // values in each sample
};
static_assert(std::is_trivially_copyable_v<ParamEntry>, "shared memory holds trivially copyable structs");
using ParamTable = pgpf::ClockTable<ParamEntry>;

struct ParamShared
{
    LWLock *lock;
    uint32 next_generation;
    int32 entry_size; // bytes of samples per entry
    Size data_offset; // from the start of this struct
    alignas(64) char table[FLEXIBLE_ARRAY_MEMBER];
};
ParamShared *shared = nullptr;

Size table_bytes()
{
    return MAXALIGN(ParamTable::bytes(uint32(guc_capture_params_max)));
}

Size segment_size()
{
    return add_size(add_size(offsetof(ParamShared, table), table_bytes()),
                    mul_size(Size(guc_capture_params_max), Size(guc_capture_params_size)));
}

uint64 key_hash(const EntryKey &key)
{
    return hash_bytes_extended(reinterpret_cast<const unsigned char *>(&key), sizeof(key), 0);
}

char *data_of(const ParamTable &t, const ParamEntry *e)
{
    return reinterpret_cast<char *>(shared) + shared->data_offset + Size(t.index_of(e)) * shared->entry_size;
}

int sample_capacity()
{
    return shared->entry_size / kSamples;
}

// One value, as it is packed in a sample: header then bytes (unaligned; read with memcpy).
struct ValueHeader
{
    uint16 param; // its $n in the normalized text
    uint8 flags;
    uint32 type;
    uint16 len;
} __attribute__((packed));
constexpr uint8 kConstant = 1;
constexpr uint8 kNull = 2;

// A sample being built in backend memory; `failed` once it cannot be kept.
struct Builder
{
    char *buf;
    int cap;
    int used;
    int count;
    bool failed;
};

void add_value(Builder *b, int param, uint8 flags, Oid type, const char *value, int len)
{
    if (b->failed)
        return;
    if (b->used + int(sizeof(ValueHeader)) + len > b->cap || len > UINT16_MAX || param > UINT16_MAX)
    {
        b->failed = true;
        return;
    }
    ValueHeader h{uint16(param), flags, uint32(type), uint16(len)};
    memcpy(b->buf + b->used, &h, sizeof(h));
    b->used += int(sizeof(h));
    if (len > 0)
        memcpy(b->buf + b->used, value, len);
    b->used += len;
    b->count++;
}

// Where the last parsed statement's constants are (this backend's, at parse analysis).
struct PendingConstants
{
    uint64 queryid; // 0: none
    uint32 text_hash;
    int location;
    int length;
    int first_param; // the $n of the first constant: highest bound parameter + 1
    int count;       // -1: too many to sample
    int locs[kMaxConstants];
};
PendingConstants pending{0, 0, 0, 0, 0, 0, {}};

int statement_length(const char *source, int location, int length)
{
    return length > 0 ? length : int(strlen(source + location));
}

uint32 text_hash(const char *source, int location, int length)
{
    return hash_bytes(reinterpret_cast<const unsigned char *>(source + location),
                      statement_length(source, location, length));
}

int compare_ints(const void *a, const void *b)
{
    const int x = *static_cast<const int *>(a), y = *static_cast<const int *>(b);
    return (x > y) - (x < y);
}

// The constants of the pending statement, as the client wrote them, numbered as normalize.cpp
// numbers them (sorted by location, duplicates and those outside the statement skipped).
void add_constants(Builder *b, const char *source)
{
    int *locs = static_cast<int *>(palloc(sizeof(int) * pending.count));
    memcpy(locs, pending.locs, sizeof(int) * pending.count);
    qsort(locs, pending.count, sizeof(int), compare_ints);
    core_yy_extra_type yyextra;
    core_yyscan_t scanner = scanner_init(source, &yyextra, &ScanKeywords, ScanKeywordTokens);
    yyextra.escape_string_warning = false;
    core_YYSTYPE yylval;
    YYLTYPE yylloc;
    int param = pending.first_param;
    int last_loc = -1;
    int copied = pending.location;
    const int end = pending.location + statement_length(source, pending.location, pending.length);
    for (int i = 0; i < pending.count && !b->failed; i++)
    {
        const int loc = locs[i];
        if (loc < 0 || loc <= last_loc)
            continue;
        last_loc = loc;
        int len = -1;
        for (;;)
        {
            int tok = core_yylex(&yylval, &yylloc, scanner);
            if (tok == 0)
                break;
            if (yylloc >= loc)
            {
                if (source[loc] == '-') // a negative constant is '-' then the number
                    tok = core_yylex(&yylval, &yylloc, scanner);
                if (tok != 0)
                    len = int(strlen(yyextra.scanbuf + loc));
                break;
            }
        }
        if (len < 0)
        {
            b->failed = true; // a constant whose text is not found: the sample would be incomplete
            break;
        }
        if (loc < copied || loc + len > end)
            continue;
        add_value(b, param++, kConstant, UNKNOWNOID, source + loc, len);
        copied = loc + len;
    }
    scanner_finish(scanner);
    pfree(locs);
}

struct BoundArgs
{
    Builder *b;
    ParamListInfo params;
};

void add_bound_values(void *arg)
{
    BoundArgs *a = static_cast<BoundArgs *>(arg);
    for (int i = 0; i < a->params->numParams && !a->b->failed; i++)
    {
        const ParamExternData &p = a->params->params[i];
        if (p.isnull || !OidIsValid(p.ptype))
        {
            add_value(a->b, i + 1, kNull, p.ptype, nullptr, 0);
            continue;
        }
        Oid out;
        bool varlena;
        getTypeOutputInfo(p.ptype, &out, &varlena);
        char *text = OidOutputFunctionCall(out, p.value);
        add_value(a->b, i + 1, 0, p.ptype, text, int(strlen(text)));
        pfree(text);
    }
}

// The client's bound parameters, through their types' output functions, in an internal
// subtransaction: an output function that fails drops the sample, and its message is not kept (it
// may quote the value).
void add_bound(Builder *b, ParamListInfo params)
{
    BoundArgs a{b, params};
    if (in_subtransaction(add_bound_values, &a, nullptr) != SubxactResult::Done)
        b->failed = true;
}

// Which sample the n-th execution replaces (n > kSamples; it is kept when the result is below
// kSamples): uniform in [0, n), from n alone, so that the same sequence of executions keeps the same
// samples on every server and in every run (a capture is repeatable), while each entry's samples stay
// a uniform draw of its executions.
uint64 reservoir_slot(int64 n)
{
    uint64 z = uint64(n) * UINT64CONST(0x9E3779B97F4A7C15);
    z = (z ^ (z >> 30)) * UINT64CONST(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64CONST(0x94D049BB133111EB);
    z ^= z >> 31;
    return z % uint64(n);
}

// Whether this execution is to be sampled: *slot receives the sample it replaces, *generation the
// entry's. Creates the entry for its first execution.
bool choose(const EntryKey &key, int *slot, uint32 *generation)
{
    const uint64 hash = key_hash(key);
    ParamTable t(shared->table);
    LWLockAcquire(shared->lock, LW_SHARED);
    ParamEntry *e = t.find(key, hash);
    if (e != nullptr)
    {
        t.touch(e);
        SpinLockAcquire(&e->mutex);
        const int64 n = ++e->seen;
        SpinLockRelease(&e->mutex);
        *generation = e->generation;
        LWLockRelease(shared->lock);
        if (n <= kSamples)
        {
            *slot = int(n - 1);
            return true;
        }
        const uint64 r = reservoir_slot(n);
        *slot = int(r);
        return r < uint64(kSamples);
    }
    LWLockRelease(shared->lock);
    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    e = t.find(key, hash);
    if (e == nullptr)
    {
        bool evicted;
        e = t.insert(key, hash, &evicted);
        memset(data_of(t, e), 0,
               shared->entry_size); // an evicted entry's values go now, not when overwritten
        SpinLockInit(&e->mutex);
        e->generation = ++shared->next_generation;
    }
    t.touch(e);
    const int64 n = ++e->seen; // exclusive: no one else holds the spinlock
    *generation = e->generation;
    LWLockRelease(shared->lock);
    *slot = int(Min(n - 1, int64(kSamples - 1)));
    return n <= kSamples;
}

void store_sample(const EntryKey &key, int slot, uint32 generation, const Builder &b)
{
    ParamTable t(shared->table);
    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    ParamEntry *e = t.find(key, key_hash(key));
    if (e != nullptr && e->generation == generation)
    {
        if (b.failed)
            e->not_kept++;
        else
        {
            memcpy(data_of(t, e) + Size(slot) * sample_capacity(), b.buf, b.used);
            e->len[slot] = uint16(b.used);
            e->nvalues[slot] = uint16(b.count);
        }
    }
    LWLockRelease(shared->lock);
}

} // namespace

void param_sample_init()
{
    store_evicted_hook = param_sample_forget;
    DefineCustomBoolVariable("pg_perfgate.capture_params",
                             "Whether a small sample of each statement's parameter values is kept, for "
                             "perfgate capture (shown only to the statement's role and pg_read_all_stats).",
                             nullptr, &guc_capture_params, false, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomIntVariable("pg_perfgate.capture_params_max",
                            "Maximum number of statement entries with parameter samples; the least used "
                            "are evicted.",
                            nullptr, &guc_capture_params_max, 1000, 0, INT_MAX / 2, PGC_POSTMASTER, 0,
                            nullptr, nullptr, nullptr);
    DefineCustomIntVariable("pg_perfgate.capture_params_size",
                            "Bytes of parameter samples kept per statement entry (8 samples share them).",
                            nullptr, &guc_capture_params_size, 2048, 256, 8 * UINT16_MAX, PGC_POSTMASTER,
                            GUC_UNIT_BYTE, nullptr, nullptr, nullptr);
}

void param_sample_shmem_request()
{
    if (guc_capture_params_max <= 0)
        return;
    RequestAddinShmemSpace(segment_size());
    RequestNamedLWLockTranche("pg_perfgate params", 1);
}

void param_sample_shmem_startup()
{
    if (guc_capture_params_max <= 0)
        return;
    bool found;
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    shared = static_cast<ParamShared *>(ShmemInitStruct("pg_perfgate params", segment_size(), &found));
    if (!found)
    {
        shared->lock = &GetNamedLWLockTranche("pg_perfgate params")->lock;
        shared->next_generation = 0;
        shared->entry_size = guc_capture_params_size;
        shared->data_offset = offsetof(ParamShared, table) + table_bytes();
        ParamTable::create(shared->table, uint32(guc_capture_params_max));
    }
    LWLockRelease(AddinShmemInitLock);
}

void param_sample_note_constants(ParseState *pstate, const Query *query, const JumbleState *jstate)
{
    if (shared == nullptr || nesting_level != 0 || query->queryId == 0 || jstate == nullptr ||
        pstate->p_sourcetext == nullptr)
        return;
    pending.queryid = query->queryId;
    pending.location = Max(query->stmt_location, 0);
    pending.length = query->stmt_len;
    pending.text_hash = text_hash(pstate->p_sourcetext, pending.location, pending.length);
    pending.first_param = jstate->highest_extern_param_id + 1;
    if (jstate->clocations_count > kMaxConstants)
    {
        pending.count = -1;
        return;
    }
    // From 18 the locations include the client's own parameters ($1), which keep their text in the
    // normalized query: they are bound values, not constants.
    pending.count = 0;
    for (int i = 0; i < jstate->clocations_count; i++)
        if (!PGPF_LOCATION_KEEPS_TEXT(jstate, jstate->clocations[i]))
            pending.locs[pending.count++] = jstate->clocations[i].location;
}

void param_sample_executor_end(QueryDesc *queryDesc, const Running *running)
{
    if (shared == nullptr || !running->toplevel || !store_attached())
        return;
    const ParamListInfo params = queryDesc->params;
    const bool bound = params != nullptr && params->paramFetch == nullptr && params->numParams > 0;
    const bool constants = pending.queryid == running->queryid && pending.count != 0;
    if (!bound && !constants)
        return; // nothing to sample (or its constants are not known)

    EntryKey key;
    memset(&key, 0, sizeof(key));
    key.userid = running->userid; // the role its record is kept under (capture.cpp)
    key.dbid = MyDatabaseId;
    key.queryid = running->queryid;
    key.planid = running->planid;
    key.toplevel = true;
    int slot;
    uint32 generation;
    if (!choose(key, &slot, &generation))
        return;

    const PlannedStmt *stmt = queryDesc->plannedstmt;
    Builder b{static_cast<char *>(palloc(sample_capacity())), sample_capacity(), 0, 0, false};
    if (bound)
        add_bound(&b, params);
    if (constants)
    {
        // Taken from this execution's text, where the parse saw them: checked to be the same text.
        const char *source = queryDesc->sourceText;
        const int location = Max(stmt->stmt_location, 0);
        if (pending.count < 0 || source == nullptr || location != pending.location ||
            stmt->stmt_len != pending.length ||
            text_hash(source, location, stmt->stmt_len) != pending.text_hash)
            b.failed = true;
        else
            add_constants(&b, source);
    }
    store_sample(key, slot, generation, b);
    pfree(b.buf);
}

void param_sample_forget(const EntryKey &key)
{
    if (shared == nullptr)
        return;
    ParamTable t(shared->table);
    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    ParamEntry *e = t.find(key, key_hash(key));
    if (e != nullptr)
    {
        memset(data_of(t, e), 0, shared->entry_size);
        t.remove(e);
    }
    LWLockRelease(shared->lock);
}

void param_sample_reset(Oid userid, Oid dbid, uint64 queryid)
{
    if (shared == nullptr)
        return;
    ParamTable t(shared->table);
    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    // Removing never moves other entries, so removing while walking is safe.
    t.for_each(
        [&](const ParamEntry &e)
        {
            if ((userid == 0 || e.key.userid == userid) && (dbid == 0 || e.key.dbid == dbid) &&
                (queryid == 0 || e.key.queryid == queryid))
            {
                memset(data_of(t, &e), 0, shared->entry_size);
                t.remove(&e);
            }
        });
    LWLockRelease(shared->lock);
}

} // namespace pgpf

// One row per sampled value: (userid, dbid, queryid, planid, toplevel, executions, not_kept,
// sample, param, kind, type, value); an entry with no sample kept has one row, NULL from sample on. Only the
// caller's own statements unless it has the privileges of pg_read_all_stats: a sample is what the statement's
// role sent.
PGPF_FUNCTION(pg_perfgate_param_samples)
{
    using namespace pgpf;
    {
        TupleDesc desc;
        Tuplestorestate *out = begin_srf(fcinfo, &desc);
        if (shared == nullptr)
            return (Datum)0;
        const Oid user = GetUserId();
        const bool all = has_privs_of_role(user, ROLE_PG_READ_ALL_STATS);
        // Copied under the shared lock into memory allocated before it is taken.
        const int max = guc_capture_params_max;
        ParamEntry *entries =
            static_cast<ParamEntry *>(palloc_extended(sizeof(ParamEntry) * Size(max), MCXT_ALLOC_HUGE));
        char *data =
            static_cast<char *>(palloc_extended(Size(shared->entry_size) * Size(max), MCXT_ALLOC_HUGE));
        int n = 0;
        ParamTable t(shared->table);
        LWLockAcquire(shared->lock, LW_SHARED);
        t.for_each(
            [&](const ParamEntry &e)
            {
                // The store's entry is gone (evicted while this backend was sampling it).
                if ((!all && e.key.userid != user) || !store_has(e.key))
                    return;
                entries[n] = e;
                memcpy(data + Size(n) * shared->entry_size, data_of(t, &e), shared->entry_size);
                n++;
            });
        LWLockRelease(shared->lock);
        const int cap = sample_capacity();
        for (int i = 0; i < n; i++)
        {
            const ParamEntry &e = entries[i];
            Datum values[12];
            bool nulls[12] = {};
            values[0] = ObjectIdGetDatum(e.key.userid);
            values[1] = ObjectIdGetDatum(e.key.dbid);
            values[2] = Int64GetDatum(int64(e.key.queryid));
            values[3] = Int64GetDatum(int64(e.key.planid));
            values[4] = BoolGetDatum(e.key.toplevel);
            values[5] = Int64GetDatum(e.seen);
            values[6] = Int64GetDatum(e.not_kept);
            bool any = false;
            for (int s = 0; s < kSamples; s++)
            {
                const char *p = data + Size(i) * shared->entry_size + Size(s) * cap;
                const char *end = p + e.len[s];
                for (int v = 0; v < e.nvalues[s] && p + sizeof(ValueHeader) <= end; v++)
                {
                    ValueHeader h;
                    memcpy(&h, p, sizeof(h));
                    p += sizeof(h);
                    any = true;
                    values[7] = Int32GetDatum(s + 1);
                    values[8] = Int32GetDatum(h.param);
                    values[9] = CStringGetTextDatum((h.flags & kConstant) ? "constant" : "bound");
                    values[10] = ObjectIdGetDatum(h.type);
                    nulls[11] = (h.flags & kNull) != 0;
                    if (!nulls[11])
                        values[11] = PointerGetDatum(cstring_to_text_with_len(p, h.len));
                    p += h.len;
                    tuplestore_putvalues(out, desc, values, nulls);
                }
            }
            if (!any) // its executions were counted, none kept: one row says so
            {
                for (int c = 7; c < 12; c++)
                    nulls[c] = true;
                tuplestore_putvalues(out, desc, values, nulls);
            }
        }
    }
    return (Datum)0;
}
