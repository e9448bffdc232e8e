/*
 * detect_repeat.cpp — the cache_candidate detector: the same read-only query with the same values
 * run many times in a short window, by any of the sessions of a role, on tables that did not change
 * meanwhile. Each run returns what the one before returned: the application could have kept it.
 *
 * What counts as the same: a top-level SELECT a client sent, keyed by (role, database, query id,
 * values), where the values are a hash of the statement's own text (the query id fixes everything
 * but its constants, so the same text means the same constants; the same constants written with
 * other spacing count apart, which only makes it quieter) and of the parameters the client bound
 * (by-value datums as they are, by-reference ones by their bytes). The values and their hash are
 * never shown anywhere. Not candidates: statements with a function whose result may change between
 * runs (now(), random(), nextval(), current_user: not immutable, checked once per watched read
 * when it first reaches the threshold), SELECT ... FOR UPDATE/SHARE, a data-modifying WITH, and
 * statements reading anything whose changes this file cannot see (a catalog, a foreign table) or
 * no table at all (SELECT 1, a pool's ping).
 *
 * What counts as a change: a per-relation change stamp, a counter in a fixed array indexed by a hash
 * of (database, relation) (a collision only makes reads of the other relation start again: quieter),
 * bumped at the end of every INSERT, UPDATE, DELETE or MERGE that changed rows and every statement
 * with a data-modifying WITH, at any nesting level (a trigger's or a function's writes included),
 * tracked or not, for the relations it wrote (the partitions rows were routed to included). TRUNCATE,
 * COPY FROM, REFRESH MATERIALIZED VIEW and ALTER TABLE bump one stamp every read mixes in. A read
 * remembers the mixed stamps of its relations; a run that finds them changed starts the count again.
 * Not seen: rows written without the executor's end (logical replication's apply workers, another
 * extension writing heap tuples itself). A write is seen when its statement ends, before its
 * transaction commits: a read in between counts with the reads after the commit (one run too many).
 *
 * Cost: a top-level SELECT pays a decrement (a countdown redrawn from the geometric distribution,
 * as pg_perfgate.sample_rate's); only the executions pg_perfgate.cache_candidate_sample_rate
 * samples hash their text and parameters, read the stamps of their relations and take the lock.
 * A sample weighs 1 / rate executions; a finding needs the samples a read of `calls` runs would
 * exceed only by three standard deviations (at least kMinSamples): at the default rate (1 in 16,
 * 200 runs) 23 samples, about 370 runs; at rate 1 exactly `calls` runs. A write
 * pays, per relation written, one atomic increment and one store.
 *
 * Shared memory: the stamps (atomics, no lock), and a table of at most
 * pg_perfgate.cache_candidate_max watched reads with clock-sweep eviction (core/table.hpp) under one
 * LWLock (tranche "pg_perfgate repeats"), taken exclusively by a sampled execution and never while
 * another lock of ours is held; the plan's functions are checked outside it. Nothing is saved at
 * shutdown: a restart forgets the windows, which only delays a finding.
 */
#include <cmath>

#include "detect_repeat.hpp"

#include "core/fingerprint.hpp"
#include "core/table.hpp"
#include "detect_common.hpp"
#include "guard.hpp"
#include "store.hpp"

namespace pgpf
{

int64 repeat_countdown = 0;

namespace
{

int guc_calls = 200;               // executions in the window that make a finding; 0 disables
int guc_window_ms = 60000;         // the window
double guc_sample_rate = 1.0 / 16; // fraction of top-level SELECTs checked
// log1p(-guc_sample_rate), kept by its assign hook: the countdown's draw pays one log1p, not two.
double log_keep = std::log1p(-1.0 / 16);
int guc_max = 1000; // watched reads
// Samples a finding needs (fewer only when the threshold is lower): a handful of lucky samples must
// not make a few runs look like hundreds.
constexpr int kMinSamples = 8;
constexpr int kStampBits = 12; // 4096 change stamps
constexpr int kStamps = 1 << kStampBits;

struct RepeatKey
{
    Oid userid;
    Oid dbid;
    uint64 queryid;
    uint64 values; // hash of the text and the bound parameters
};

enum Verdict : uint8
{
    kUnknown = 0,
    kMutable = 1, // a function whose result may change between runs: never a finding
    kImmutable = 2
};

struct RepeatEntry
{
    RepeatKey key;
    uint64 stamp;             // its relations' mixed change stamps when the window began
    TimestampTz window_start; // the first run of the window
    TimestampTz last_seen;
    double estimated;  // executions in the window: each sample weighs 1 / sample rate
    int64 samples;     // sampled executions in the window
    uint32 generation; // store_reset_generation when the window began
    uint8 verdict;     // Verdict
    bool reported;     // the window's finding is written
    uint8 pad[2];
};
static_assert(std::is_trivially_copyable_v<RepeatEntry>, "shared memory holds trivially copyable structs");
using RepeatTable = pgpf::ClockTable<RepeatEntry>;

struct RepeatShared
{
    LWLock *lock;
    pg_atomic_uint64 epoch;         // bumped by the utilities that change tables: every read mixes it in
    pg_atomic_uint64 epoch_changed; // when, as TimestampTz
    pg_atomic_uint64 stamps[kStamps];
    pg_atomic_uint64 changed[kStamps]; // the start of the statement that last bumped it, TimestampTz
    alignas(64) char table[FLEXIBLE_ARRAY_MEMBER];
};
RepeatShared *shared = nullptr;

Size segment_size()
{
    return add_size(offsetof(RepeatShared, table), RepeatTable::bytes(uint32(guc_max)));
}

inline uint32 stamp_index(Oid dbid, Oid relid)
{
    return uint32(((uint64(dbid) << 32 | relid) * UINT64CONST(0x9E3779B97F4A7C15)) >> (64 - kStampBits));
}

void bump(Oid relid, TimestampTz now)
{
    const uint32 i = stamp_index(MyDatabaseId, relid);
    pg_atomic_fetch_add_u64(&shared->stamps[i], 1);
    pg_atomic_write_u64(&shared->changed[i], uint64(now));
}

// The next countdown: executions until the next sample.
int64 draw()
{
    if (guc_calls <= 0 || guc_sample_rate <= 0)
        return PG_INT64_MAX;
    if (guc_sample_rate >= 1.0)
        return 1;
    return draw_countdown(log_keep);
}

// A changed setting takes effect at this backend's next SELECT.
void redraw(int, void *)
{
    repeat_countdown = 0;
}
// (An assign hook runs before the variable takes the new value.)
void redraw_rate(double rate, void *)
{
    log_keep = rate > 0 && rate < 1.0 ? std::log1p(-rate) : 0;
    repeat_countdown = 0;
}

// A cheap 64-bit hash of len bytes mixed into h: eight bytes at a time through Fingerprint's mixer
// (the values' hash is compared, never shown or kept across a restart).
uint64 hash_bytes_into(const char *p, size_t len, uint64 h)
{
    pgpf::Fingerprint f(h ^ len);
    for (; len >= 8; p += 8, len -= 8)
    {
        uint64 w;
        memcpy(&w, p, 8);
        f.mix(w);
    }
    if (len > 0)
    {
        uint64 w = 0;
        memcpy(&w, p, len);
        f.mix(w);
    }
    return f.finish();
}

// The mixed change stamps of the statement's relations and their latest change (0: none seen since
// the server started). False when it reads no table, or something whose changes are not seen here.
bool read_stamps(const PlannedStmt *stmt, uint64 *stamp, TimestampTz *changed)
{
    uint64 h = pg_atomic_read_u64(&shared->epoch);
    TimestampTz last = TimestampTz(pg_atomic_read_u64(&shared->epoch_changed));
    bool tables = false;
    const ListCell *lc;
    foreach (lc, stmt->rtable)
    {
        const RangeTblEntry *rte = static_cast<const RangeTblEntry *>(lfirst(lc));
        if (rte->rtekind != RTE_RELATION || rte->relkind == RELKIND_VIEW)
            continue; // a view's tables are in the range table too
        if (rte->relid < FirstNormalObjectId ||
            (rte->relkind != RELKIND_RELATION && rte->relkind != RELKIND_PARTITIONED_TABLE &&
             rte->relkind != RELKIND_MATVIEW))
            return false;
        const uint32 i = stamp_index(MyDatabaseId, rte->relid);
        h = hash_combine64(h, pg_atomic_read_u64(&shared->stamps[i]) * 2 + 1);
        last = Max(last, TimestampTz(pg_atomic_read_u64(&shared->changed[i])));
        tables = true;
    }
    *stamp = h;
    *changed = last;
    return tables;
}

// The bound parameters mixed into *h; false when one cannot be hashed here (fetched on demand, or
// stored out of line or compressed): then the statement is no candidate.
bool hash_params(const ParamListInfo params, uint64 *h)
{
    if (params == nullptr)
        return true;
    if (params->paramFetch != nullptr)
        return false;
    for (int i = 0; i < params->numParams; i++)
    {
        const ParamExternData &p = params->params[i];
        *h = hash_combine64(*h, (uint64(p.ptype) << 1) | uint64(p.isnull));
        if (p.isnull)
            continue;
        if (p.ptype == InvalidOid)
            return false;
        int16 typlen;
        bool byval;
        get_typlenbyval(p.ptype, &typlen, &byval);
        if (byval)
        {
            *h = hash_combine64(*h, uint64(p.value));
            continue;
        }
        const char *ptr = DatumGetPointer(p.value);
        Size len;
        if (typlen == -1)
        {
            if (VARATT_IS_EXTERNAL(ptr) || VARATT_IS_COMPRESSED(ptr))
                return false;
            len = VARSIZE_ANY(ptr);
        }
        else if (typlen == -2)
            len = strlen(ptr) + 1;
        else
            len = Size(typlen);
        *h = hash_bytes_into(ptr, len, *h);
    }
    return true;
}

inline bool mutable_expr(const void *node)
{
    return node != nullptr && contain_mutable_functions(static_cast<Node *>(const_cast<void *>(node)));
}

// Whether a node of the executed plan, or one below it (subplans and init plans included), has a
// function whose result may change between runs.
bool plan_mutable(PlanState *ps, void *arg)
{
    if (ps == nullptr)
        return false;
    const Plan *p = ps->plan;
    bool m = mutable_expr(p->targetlist) || mutable_expr(p->qual);
    switch (nodeTag(p))
    {
    case T_IndexScan:
        m = m || mutable_expr(castNode(IndexScan, p)->indexqualorig) ||
            mutable_expr(castNode(IndexScan, p)->indexorderbyorig);
        break;
    case T_IndexOnlyScan:
        m = m || mutable_expr(castNode(IndexOnlyScan, p)->indexqual) ||
            mutable_expr(castNode(IndexOnlyScan, p)->indexorderby);
        break;
    case T_BitmapIndexScan:
        m = m || mutable_expr(castNode(BitmapIndexScan, p)->indexqualorig);
        break;
    case T_BitmapHeapScan:
        m = m || mutable_expr(castNode(BitmapHeapScan, p)->bitmapqualorig);
        break;
    case T_TidScan:
        m = m || mutable_expr(castNode(TidScan, p)->tidquals);
        break;
    case T_TidRangeScan:
        m = m || mutable_expr(castNode(TidRangeScan, p)->tidrangequals);
        break;
    case T_FunctionScan:
        m = m || mutable_expr(castNode(FunctionScan, p)->functions);
        break;
    case T_TableFuncScan:
        m = m || mutable_expr(castNode(TableFuncScan, p)->tablefunc);
        break;
    case T_ValuesScan:
        m = m || mutable_expr(castNode(ValuesScan, p)->values_lists);
        break;
    case T_Result:
        m = m || mutable_expr(castNode(Result, p)->resconstantqual);
        break;
    case T_NestLoop:
        m = m || mutable_expr(castNode(NestLoop, p)->join.joinqual);
        break;
    case T_MergeJoin:
        m = m || mutable_expr(castNode(MergeJoin, p)->join.joinqual) ||
            mutable_expr(castNode(MergeJoin, p)->mergeclauses);
        break;
    case T_HashJoin:
        m = m || mutable_expr(castNode(HashJoin, p)->join.joinqual) ||
            mutable_expr(castNode(HashJoin, p)->hashclauses);
        break;
    case T_Limit:
        m = m || mutable_expr(castNode(Limit, p)->limitOffset) ||
            mutable_expr(castNode(Limit, p)->limitCount);
        break;
    case T_SampleScan: // TABLESAMPLE: other rows each run (REPEATABLE or not, it is no lookup)
    case T_ForeignScan:
    case T_CustomScan:
        m = true;
        break;
    default:
        break;
    }
    if (m)
        return true;
    return planstate_tree_walker(ps, PGPF_PLANSTATE_WALKER(plan_mutable), arg);
}

// Writes the finding of a watched read: its first crossing of the threshold in a window is a new
// occurrence (with the window's executions), each later sample of the window adds what it weighs.
void record(const RepeatEntry &e, QueryDesc *qd, uint64 queryid, int64 rows, double ms, double weight,
            TimestampTz changed, bool first)
{
    const int64 runs = int64(std::llround(e.estimated));
    const double secs = Max(1.0, double(e.last_seen - e.window_start) / USECS_PER_SEC);
    const char *about = weight > 1.0 ? "about " : "";
    char when[64];
    if (changed == 0)
        strlcpy(when, "no change to its tables seen since the server started", sizeof(when));
    else
        snprintf(when, sizeof(when), "its tables last changed %s",
                 timestamptz_to_str(changed - changed % USECS_PER_SEC));
    char detail[128];
    snprintf(detail, sizeof(detail), "%s%lld runs in %.0f s (%.1f/s), %lld row%s each; %s", about,
             (long long)runs, secs, double(runs) / secs, (long long)rows, rows == 1 ? "" : "s", when);
    const int64 calls = first ? runs : int64(std::llround(weight));
    ap_record(
        ap_key(ApKind::CacheCandidate, queryid, 0),
        ApSample{first, calls, ms * double(calls), runs, rows, 0, detail, nullptr, nullptr, ApNode::None});
    if (!first)
        return;
    if (Pending *p = ask(ApKind::CacheCandidate, qd))
    {
        snprintf(
            p->message, sizeof(p->message),
            "cache candidate: \"%s\" ran %s%lld times with the same values on tables that did not change",
            p->query, about, (long long)runs);
        snprintf(p->detail, sizeof(p->detail), "Query id " INT64_FORMAT ", %lld row%s each run; %s.",
                 int64(queryid), (long long)rows, rows == 1 ? "" : "s", when);
    }
}

void start_window(RepeatEntry *e, uint64 stamp, uint32 generation, TimestampTz now)
{
    e->stamp = stamp;
    e->generation = generation;
    e->window_start = now;
    e->samples = 0;
    e->estimated = 0;
    e->reported = false;
}

} // namespace

void repeat_init()
{
    DefineCustomIntVariable(
        "pg_perfgate.cache_candidate_calls",
        "Runs of one read-only query with the same values on unchanged tables, within "
        "pg_perfgate.cache_candidate_window, that make a cache_candidate finding (0 disables).",
        nullptr, &guc_calls, 200, 0, INT_MAX, PGC_SUSET, 0, nullptr, redraw, nullptr);
    DefineCustomIntVariable("pg_perfgate.cache_candidate_window",
                            "The window in which pg_perfgate.cache_candidate_calls runs must fall.", nullptr,
                            &guc_window_ms, 60000, 1000, INT_MAX, PGC_SUSET, GUC_UNIT_MS, nullptr, nullptr,
                            nullptr);
    DefineCustomRealVariable("pg_perfgate.cache_candidate_sample_rate",
                             "Fraction of top-level SELECTs whose values are hashed for the cache_candidate "
                             "detector; each sample counts for 1 / rate runs.",
                             nullptr, &guc_sample_rate, 1.0 / 16, 0.0, 1.0, PGC_SUSET, 0, nullptr,
                             redraw_rate, nullptr);
    DefineCustomIntVariable("pg_perfgate.cache_candidate_max",
                            "Reads (role, database, query id, values) the cache_candidate detector watches "
                            "at once; the least used is forgotten first.",
                            nullptr, &guc_max, 1000, 16, 1000000, PGC_POSTMASTER, 0, nullptr, nullptr,
                            nullptr);
}

void repeat_shmem_request()
{
    RequestAddinShmemSpace(segment_size());
    RequestNamedLWLockTranche("pg_perfgate repeats", 1);
}

void repeat_shmem_startup()
{
    bool found;
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    shared = static_cast<RepeatShared *>(ShmemInitStruct("pg_perfgate repeats", segment_size(), &found));
    if (!found)
    {
        shared->lock = &GetNamedLWLockTranche("pg_perfgate repeats")->lock;
        pg_atomic_init_u64(&shared->epoch, 0);
        pg_atomic_init_u64(&shared->epoch_changed, 0);
        for (int i = 0; i < kStamps; i++)
        {
            pg_atomic_init_u64(&shared->stamps[i], 0);
            pg_atomic_init_u64(&shared->changed[i], 0);
        }
        RepeatTable::create(shared->table, uint32(guc_max));
    }
    LWLockRelease(AddinShmemInitLock);
}

void repeat_write_slow(QueryDesc *qd)
{
    if (shared == nullptr || qd->estate == nullptr)
        return;
    const PlannedStmt *stmt = qd->plannedstmt;
    if (!stmt->hasModifyingCTE && PGPF_ROWS_PROCESSED(qd->estate) == 0)
        return; // changed nothing (or EXPLAIN without ANALYZE)
    const TimestampTz now = GetCurrentStatementStartTimestamp();
    const ListCell *lc;
    foreach (lc, stmt->rtable)
    {
        // The relations written: their lock is RowExclusiveLock (a partitioned table's partitions
        // that an UPDATE or DELETE reaches are in the range table too).
        const RangeTblEntry *rte = static_cast<const RangeTblEntry *>(lfirst(lc));
        if (rte->rtekind == RTE_RELATION && rte->rellockmode >= RowExclusiveLock)
            bump(rte->relid, now);
    }
    // The partitions an INSERT or COPY routed rows to.
    foreach (lc, qd->estate->es_tuple_routing_result_relations)
        bump(RelationGetRelid(static_cast<ResultRelInfo *>(lfirst(lc))->ri_RelationDesc), now);
}

void repeat_utility_slow()
{
    if (shared == nullptr)
        return;
    pg_atomic_fetch_add_u64(&shared->epoch, 1);
    pg_atomic_write_u64(&shared->epoch_changed, uint64(GetCurrentStatementStartTimestamp()));
}

void repeat_read_slow(QueryDesc *qd, uint64 queryid, int64 rows, double ms)
{
    repeat_countdown = draw();
    if (shared == nullptr || guc_calls <= 0 || guc_sample_rate <= 0 || qd->sourceText == nullptr)
        return;
    const PlannedStmt *stmt = qd->plannedstmt;
    if (stmt->hasModifyingCTE || stmt->rowMarks != NIL)
        return;
    uint64 stamp;
    TimestampTz changed;
    if (!read_stamps(stmt, &stamp, &changed))
        return;
    // The values: the statement's own text (its constants) and the bound parameters.
    const int location = Max(stmt->stmt_location, 0);
    const int length = stmt->stmt_len > 0 ? stmt->stmt_len : int(strlen(qd->sourceText + location));
    uint64 values = hash_bytes_into(qd->sourceText + location, size_t(length), queryid);
    if (!hash_params(qd->params, &values))
        return;

    RepeatKey key;
    memset(&key, 0, sizeof(key));
    key.userid = GetUserId();
    key.dbid = MyDatabaseId;
    key.queryid = queryid;
    key.values = values;
    pgpf::Fingerprint kf;
    kf.mix((uint64(key.userid) << 32) | key.dbid);
    kf.mix(key.queryid);
    kf.mix(key.values);
    const uint64 hash = kf.finish();
    const TimestampTz now = GetCurrentStatementStartTimestamp();
    const uint32 generation = pg_atomic_read_u32(store_reset_generation);
    const double weight = guc_sample_rate >= 1.0 ? 1.0 : 1.0 / guc_sample_rate;
    // Samples that a read of only `calls` runs reaches with about 0.1 % probability (three standard
    // deviations above the mean): the busiest of many keys (a lazy load repeating each of 20 ids a
    // hundred times) must not look like hundreds of runs because a few more of its runs were sampled.
    // Computed again only when a setting changed.
    static int cached_calls = -1;
    static double cached_rate = -1;
    static int min_samples = 0;
    if (cached_calls != guc_calls || cached_rate != guc_sample_rate)
    {
        const double mean = double(guc_calls) / weight;
        const double needed = std::ceil(mean + 3.0 * std::sqrt(mean * (1.0 - 1.0 / weight)));
        min_samples = Min(guc_calls, Max(kMinSamples, int(Min(needed, double(INT_MAX)))));
        cached_calls = guc_calls;
        cached_rate = guc_sample_rate;
    }

    RepeatTable table(shared->table);
    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    RepeatEntry *e = table.find(key, hash);
    if (e == nullptr)
    {
        bool evicted;
        e = table.insert(key, hash, &evicted);
        if (e == nullptr)
        {
            LWLockRelease(shared->lock);
            return;
        }
        start_window(e, stamp, generation, now);
    }
    else
    {
        table.touch(e);
        if (e->stamp != stamp || e->generation != generation ||
            now - e->window_start > int64(guc_window_ms) * 1000)
            start_window(e, stamp, generation, now);
    }
    e->samples++;
    e->estimated += weight;
    e->last_seen = now;
    const bool crossing = !e->reported && e->samples >= min_samples;
    const bool check = crossing && e->verdict == kUnknown;
    bool first = crossing && e->verdict == kImmutable;
    const bool more = e->reported && e->verdict == kImmutable;
    if (first)
        e->reported = true;
    RepeatEntry seen = *e;
    LWLockRelease(shared->lock);

    if (check)
    {
        // Once per watched read: its plan's functions, outside the lock.
        const bool is_mutable = plan_mutable(qd->planstate, nullptr);
        LWLockAcquire(shared->lock, LW_EXCLUSIVE);
        e = table.find(key, hash);
        if (e != nullptr)
        {
            e->verdict = is_mutable ? kMutable : kImmutable;
            first = !is_mutable && !e->reported;
            if (first)
            {
                e->reported = true;
                seen = *e;
            }
        }
        LWLockRelease(shared->lock);
    }
    if (first || more)
        record(seen, qd, queryid, rows, ms, weight, changed, first);
}

} // namespace pgpf
