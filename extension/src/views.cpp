/*
 * views.cpp — the SQL-callable functions that combine several parts: the statement views (entries
 * of the store with their error counts), the anti-patterns view (findings with their mutes and
 * advice), pg_perfgate_reset() and pg_perfgate_backend_state(). Where a view's function goes: in the
 * file of the part whose data it returns (errors.cpp, activity.cpp, mute.cpp, store.cpp's
 * pg_perfgate_info); here only when it reads more than one part. Each is defined with PGPF_FUNCTION
 * (srf.hpp).
 *
 * pg_perfgate_internal(showtext, grouping) returns one row per entry (grouping 0), per (database,
 * query id, plan id) (1), per (database, query id, toplevel) (2), or per (database, query group,
 * toplevel) (3: the IN-list variants of a statement together, named by their busiest query id the
 * caller may see); the views in the install script shape those rows. Grouped query rows also carry
 * the error count of their query ids (errors.cpp), on top-level rows: errors are charged to the
 * statement the client sent. Entries are copied out of shared memory first, one partition at a time, and
 * grouped and turned into tuples with no lock held.
 *
 * pg_perfgate_recent_internal(showtext, grouping, seconds) does the same over the recent buckets of
 * the entries (store.hpp): the last `seconds` (0: all the ring keeps), with fewer columns, since a
 * bucket keeps calls, times, rows, I/O and a latency histogram only.
 *
 * Each row says since when its figures run: stats_since and minmax_stats_since, pg_stat_statements
 * 1.11's columns; a grouped row shows the latest of its entries' (an entry created again after an
 * eviction or a reset restarts the row's figures, and a sampler must see that).
 *
 * Who sees what (the pg_stat_statements rule, in every view, grouped ones included): query text,
 * plan text (it carries the constants of its first execution) and query id of an entry only to the
 * entry's own role and to members of pg_read_all_stats; others see NULL. A group (a plan, a query
 * over all roles) shows its query id when the caller may see one of its entries, and takes its texts
 * only from entries the caller may see: never another role's text, comments or constants. The
 * counters of a group are summed over every role, as pg_stat_statements shows every role's counters.
 * An anti-pattern's query ids, detail (it names tables and columns) and concrete advice likewise.
 */
#include "antipatterns.hpp"
#include "detect.hpp"
#include "errors.hpp"
#include "exec_state.hpp"
#include "guard.hpp"
#include "mute.hpp"
#include "normalize.hpp"
#include "param_sample.hpp"
#include "store.hpp"
#include "srf.hpp"

namespace pgpf
{

namespace
{

constexpr int kColumns = 64;
constexpr int kRecentColumns = 31;

enum Grouping
{
    BY_ENTRY = 0,
    BY_PLAN = 1,
    BY_QUERY = 2,
    BY_GROUP = 3 // (database, query group, toplevel): IN-list variants of one statement together
};

int compare_group(const void *a, const void *b, void *arg)
{
    const int group_mode = *static_cast<int *>(arg);
    const StoreEntry &x = (*static_cast<EntryCopy *const *>(a))->entry;
    const StoreEntry &y = (*static_cast<EntryCopy *const *>(b))->entry;
    if (x.key.dbid != y.key.dbid)
        return x.key.dbid < y.key.dbid ? -1 : 1;
    if (group_mode == BY_GROUP && x.query_group != y.query_group)
        return x.query_group < y.query_group ? -1 : 1;
    if (group_mode == BY_GROUP && x.key.toplevel != y.key.toplevel)
        return x.key.toplevel ? -1 : 1;
    if (x.key.queryid != y.key.queryid)
        return x.key.queryid < y.key.queryid ? -1 : 1;
    if (group_mode == BY_QUERY && x.key.toplevel != y.key.toplevel)
        return x.key.toplevel ? -1 : 1;
    if (x.key.planid != y.key.planid)
        return x.key.planid < y.key.planid ? -1 : 1;
    return 0;
}

bool same_group(const StoreEntry &x, const StoreEntry &y, int mode)
{
    if (x.key.dbid != y.key.dbid)
        return false;
    if (mode == BY_GROUP)
        return x.query_group == y.query_group && x.key.toplevel == y.key.toplevel;
    if (x.key.queryid != y.key.queryid)
        return false;
    return mode == BY_PLAN ? x.key.planid == y.key.planid : x.key.toplevel == y.key.toplevel;
}

Datum numeric_from_uint64(uint64 v)
{
    char buf[32];
    snprintf(buf, sizeof(buf), UINT64_FORMAT, v);
    return DirectFunctionCall3(numeric_in, CStringGetDatum(buf), ObjectIdGetDatum(0), Int32GetDatum(-1));
}

struct Row
{
    Datum values[kColumns];
    bool nulls[kColumns];
    int i;
    void put(Datum d) { values[i++] = d; }
    void null() { nulls[i++] = true; }
    // Not the *GetDatumFast macros: from 17 they check the type with a C-only builtin. The same code
    // where float8 is by value (64-bit); elsewhere these copy instead of pointing at the argument.
    void f8(double v) { put(Float8GetDatum(v)); }
    void i8(int64 v) { put(Int64GetDatum(v)); }
    // count, total, min, max, mean, stddev: the columns pg_stat_statements has for exec and plan
    void times(const pgpf::TimeStats &t)
    {
        i8(t.n);
        f8(t.total);
        // 0 before the first value, and after a min/max-only reset until the next one (as
        // pg_stat_statements shows it).
        f8(t.has_minmax() ? t.min : 0);
        f8(t.has_minmax() ? t.max : 0);
        f8(t.mean);
        f8(t.stddev());
    }
    void ts(TimestampTz t)
    {
        if (t == 0)
            null();
        else
            put(TimestampTzGetDatum(t));
    }
};

int compare_planid(const void *a, const void *b)
{
    const uint64 x = *static_cast<const uint64 *>(a);
    const uint64 y = *static_cast<const uint64 *>(b);
    return x < y ? -1 : (x > y ? 1 : 0);
}

// Distinct plan ids among the first n (sorted in place): a group's IN-list variants usually share
// their plans, so a plan is counted once however many query ids run it.
int count_distinct_plans(uint64 *planids, int n)
{
    qsort(planids, n, sizeof(uint64), compare_planid);
    int distinct = 0;
    for (int i = 0; i < n; i++)
        if (i == 0 || planids[i] != planids[i - 1])
            distinct++;
    return distinct;
}

// What a row shows beyond the counters: its query id (a group's busiest visible one), whether the
// caller may see it, its texts, and what only grouped rows have.
struct RowFacts
{
    uint64 queryid;
    bool visible;
    const char *query;
    const char *plan;
    int plan_count;
    int variants;   // query ids in the row
    Datum queryids; // bigint[] of those the caller may see (BY_GROUP)
    int64 errors;   // -1: not shown
    TimestampTz stats_since;
    TimestampTz minmax_stats_since;
};

// The p50, p95 and p99 of a row, each kept within the row's min and max when it has them.
void quantiles(Row &r, const pgpf::TimeStats &t, const pgpf::Histogram &h)
{
    static const double qs[] = {0.50, 0.95, 0.99};
    for (double q : qs)
    {
        double ms = h.quantile(q) / 1e6;
        if (t.has_minmax())
            ms = Min(Max(ms, t.min), t.max);
        r.f8(ms);
    }
}

// The key columns every row of pg_perfgate_internal() and the recent windows starts with: userid,
// dbid, toplevel, queryid, planid, each NULL where the grouping (mode) or the caller's rights hide it.
void put_key_columns(Row &r, int mode, const StoreEntry &e, const RowFacts &f)
{
    memset(r.nulls, 0, sizeof(r.nulls));
    r.i = 0;
    if (mode == BY_ENTRY)
        r.put(ObjectIdGetDatum(e.key.userid));
    else
        r.null();
    r.put(ObjectIdGetDatum(e.key.dbid));
    if (mode == BY_PLAN)
        r.null();
    else
        r.put(BoolGetDatum(e.key.toplevel));
    if (f.visible)
        r.i8(int64(f.queryid));
    else
        r.null();
    if (mode == BY_QUERY || mode == BY_GROUP)
        r.null();
    else
        r.i8(int64(e.key.planid));
}

// The query group: no secret, a hash of a text the caller may not see, like a query id, but it names
// no statement by itself; shown with the query id.
void put_query_group(Row &r, int mode, const StoreEntry &e, const RowFacts &f)
{
    if (f.visible || mode == BY_GROUP)
        r.i8(int64(e.query_group));
    else
        r.null();
}

// The query text and plan text columns, to the caller who may see them.
void put_texts(Row &r, const RowFacts &f)
{
    if (f.visible && f.query != nullptr)
        r.put(CStringGetTextDatum(f.query));
    else
        r.null();
    if (f.visible && f.plan != nullptr)
        r.put(CStringGetTextDatum(f.plan));
    else
        r.null();
}

// The recent windows' row (kRecentColumns), from the same grouping as emit()'s.
void emit_recent(Tuplestorestate *store, TupleDesc desc, int mode, const StoreEntry &e,
                 const pgpf::Counters &c, const pgpf::Histogram &h, const RowFacts &f)
{
    Row r;
    put_key_columns(r, mode, e, f);
    put_query_group(r, mode, e, f);
    put_texts(r, f);
    r.i8(c.exec.n);
    r.f8(c.exec.total);
    r.f8(c.exec.has_minmax() ? c.exec.min : 0);
    r.f8(c.exec.has_minmax() ? c.exec.max : 0);
    r.f8(c.exec.mean);
    quantiles(r, c.exec, h);
    r.i8(c.rows);
    r.i8(c.io.shared_blks_hit);
    r.i8(c.io.shared_blks_read);
    r.i8(c.io.shared_blks_dirtied);
    r.i8(c.io.shared_blks_written);
    r.i8(c.io.local_blks_hit);
    r.i8(c.io.local_blks_read);
    r.i8(c.io.temp_blks_read);
    r.i8(c.io.temp_blks_written);
    r.put(numeric_from_uint64(c.io.wal_bytes));
    r.ts(c.first_seen); // the window's start
    r.put(Int32GetDatum(f.plan_count));
    r.put(Int32GetDatum(f.variants));
    if (f.queryids != (Datum)0)
        r.put(f.queryids);
    else
        r.null();
    r.ts(f.stats_since);
    Assert(r.i == kRecentColumns);
    tuplestore_putvalues(store, desc, r.values, r.nulls);
}

void emit(Tuplestorestate *store, TupleDesc desc, int mode, const StoreEntry &e, const pgpf::Counters &c,
          const pgpf::Histogram &h, const RowFacts &f)
{
    Row r;
    put_key_columns(r, mode, e, f);
    put_texts(r, f);

    r.times(c.exec);
    quantiles(r, c.exec, h);
    r.times(c.plan);
    r.i8(c.rows);
    r.i8(c.io.shared_blks_hit);
    r.i8(c.io.shared_blks_read);
    r.i8(c.io.shared_blks_dirtied);
    r.i8(c.io.shared_blks_written);
    r.i8(c.io.local_blks_hit);
    r.i8(c.io.local_blks_read);
    r.i8(c.io.local_blks_dirtied);
    r.i8(c.io.local_blks_written);
    r.i8(c.io.temp_blks_read);
    r.i8(c.io.temp_blks_written);
    r.f8(c.io.blk_read_time);
    r.f8(c.io.blk_write_time);
    r.f8(c.io.temp_blk_read_time);
    r.f8(c.io.temp_blk_write_time);
    r.i8(c.io.wal_records);
    r.i8(c.io.wal_fpi);
    r.put(numeric_from_uint64(c.io.wal_bytes));
    r.ts(c.first_seen);
    r.ts(c.last_seen);
    r.put(Int32GetDatum(f.plan_count));
    put_query_group(r, mode, e, f);
    r.i8(c.jit.functions);
    r.f8(c.jit.generation_time);
    r.i8(c.jit.inlining_count);
    r.f8(c.jit.inlining_time);
    r.i8(c.jit.optimization_count);
    r.f8(c.jit.optimization_time);
    r.i8(c.jit.emission_count);
    r.f8(c.jit.emission_time);
    if (f.errors >= 0)
        r.i8(f.errors);
    else
        r.null();
    r.put(Int32GetDatum(f.variants));
    if (f.queryids != (Datum)0)
        r.put(f.queryids);
    else
        r.null();
    // The counters of later majors (0 on earlier ones); each major's pg_perfgate_statements shows
    // those its pg_stat_statements has (pg_perfgate--1.0.sql).
    r.f8(c.io.local_blk_read_time);
    r.f8(c.io.local_blk_write_time);
    r.i8(c.jit.deform_count);
    r.f8(c.jit.deform_time);
    r.i8(c.io.parallel_workers_to_launch);
    r.i8(c.io.parallel_workers_launched);
    r.i8(c.io.wal_buffers_full);
    r.ts(f.stats_since);
    r.ts(f.minmax_stats_since);
    Assert(r.i == kColumns);
    tuplestore_putvalues(store, desc, r.values, r.nulls);
}

// Error counts per (database, query id), summed over roles and SQLSTATEs, sorted for look-ups.
struct ErrorSum
{
    Oid dbid;
    uint64 queryid;
    int64 count;
};

int compare_error_sum(const void *a, const void *b)
{
    const ErrorSum &x = *static_cast<const ErrorSum *>(a);
    const ErrorSum &y = *static_cast<const ErrorSum *>(b);
    if (x.dbid != y.dbid)
        return x.dbid < y.dbid ? -1 : 1;
    if (x.queryid != y.queryid)
        return x.queryid < y.queryid ? -1 : 1;
    return 0;
}

ErrorSum *error_sums(int *count)
{
    int n;
    ErrEntry *entries = errors_copy_all(&n);
    ErrorSum *sums = static_cast<ErrorSum *>(palloc(sizeof(ErrorSum) * Max(n, 1)));
    for (int i = 0; i < n; i++)
        sums[i] = ErrorSum{entries[i].key.dbid, entries[i].key.queryid, entries[i].count};
    qsort(sums, n, sizeof(ErrorSum), compare_error_sum);
    int m = 0;
    for (int i = 0; i < n; i++)
    {
        if (m > 0 && compare_error_sum(&sums[m - 1], &sums[i]) == 0)
            sums[m - 1].count += sums[i].count;
        else
            sums[m++] = sums[i];
    }
    pfree(entries);
    *count = m;
    return sums;
}

int64 errors_of(const ErrorSum *sums, int n, Oid dbid, uint64 queryid)
{
    const ErrorSum key{dbid, queryid, 0};
    const void *hit = bsearch(&key, sums, n, sizeof(ErrorSum), compare_error_sum);
    return hit != nullptr ? static_cast<const ErrorSum *>(hit)->count : 0;
}

// recent: the rows of pg_perfgate_recent_internal() (the buckets of the last `seconds`, third
// argument), else pg_perfgate_internal()'s (since the entries were created).
void statements(FunctionCallInfo fcinfo, bool recent)
{
    const bool showtext = PG_GETARG_BOOL(0);
    const int mode = PG_GETARG_INT32(1);
    if (mode < BY_ENTRY || mode > BY_GROUP)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("group_by must be 0 (entries), 1 (plans), 2 (queries) or 3 (query groups), "
                               "not %d",
                               mode)));
    const int seconds = recent ? PG_GETARG_INT32(2) : 0;
    if (seconds < 0)
        ereport(ERROR,
                (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                 errmsg("seconds must be 0 (all the recent intervals kept) or more, not %d", seconds)));
    store_check_attached();
    WindowRange range{};
    if (recent && !store_window_range(seconds, &range))
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("pg_perfgate keeps no recent intervals"),
                        errhint("Set pg_perfgate.window_buckets above 0 and restart the server.")));
    TupleDesc desc;
    Tuplestorestate *store = begin_srf(fcinfo, &desc);
    const int columns = recent ? kRecentColumns : kColumns;
    if (desc->natts != columns)
        elog(ERROR,
             "%s: expected %d result columns, the function is declared with %d; "
             "run ALTER EXTENSION pg_perfgate UPDATE",
             recent ? "pg_perfgate_recent_internal" : "pg_perfgate_internal", columns, desc->natts);
    const Oid user = GetUserId();
    const bool all_stats = has_privs_of_role(user, ROLE_PG_READ_ALL_STATS);
    auto *const put_row = recent ? emit_recent : emit;

    int n;
    EntryCopy *copies = recent ? store_copy_recent(range, &n) : store_copy_all(&n);
    if (mode == BY_ENTRY)
    {
        for (int i = 0; i < n; i++)
        {
            const StoreEntry &e = copies[i].entry;
            const RowFacts f{e.key.queryid,
                             all_stats || e.key.userid == user,
                             showtext ? copies[i].query : nullptr,
                             showtext ? copies[i].plan : nullptr,
                             1,
                             1,
                             (Datum)0,
                             -1,
                             e.stats_since,
                             e.minmax_stats_since};
            put_row(store, desc, mode, e, e.counters, e.hist, f);
        }
        return;
    }

    // Errors are charged to the statement the client sent: shown on top-level rows of queries.
    int nsums = 0;
    ErrorSum *sums = !recent && (mode == BY_QUERY || mode == BY_GROUP) ? error_sums(&nsums) : nullptr;
    EntryCopy **order = static_cast<EntryCopy **>(palloc(sizeof(EntryCopy *) * Max(n, 1)));
    for (int i = 0; i < n; i++)
        order[i] = &copies[i];
    int sort_mode = mode;
    qsort_arg(order, n, sizeof(EntryCopy *), compare_group, &sort_mode);

    pgpf::Histogram *hist = static_cast<pgpf::Histogram *>(palloc(sizeof(pgpf::Histogram)));
    Datum *ids = static_cast<Datum *>(palloc(sizeof(Datum) * Max(n, 1)));
    uint64 *planids = static_cast<uint64 *>(palloc(sizeof(uint64) * Max(n, 1)));
    for (int start = 0; start < n;)
    {
        const StoreEntry &first = order[start]->entry;
        pgpf::Counters sum{};
        hist->clear();
        RowFacts f{first.key.queryid, false, nullptr, nullptr, 0, 0, (Datum)0, -1, 0, 0};
        const bool count_errors = sums != nullptr && first.key.toplevel;
        if (count_errors)
            f.errors = 0;
        int nids = 0;
        int nplanids = 0;
        // The busiest visible query id of the group names it: sum each query id's time in turn.
        double best_time = -1, run_time = 0;
        bool run_visible = false;
        const char *run_query = nullptr, *run_plan = nullptr;
        int end = start;
        for (; end < n && same_group(order[end]->entry, first, mode); end++)
        {
            const EntryCopy &c = *order[end];
            const bool new_query = end == start || c.entry.key.queryid != order[end - 1]->entry.key.queryid;
            if (new_query)
            {
                f.variants++;
                run_time = 0;
                run_visible = false;
                run_query = run_plan = nullptr;
                if (count_errors)
                    f.errors += errors_of(sums, nsums, c.entry.key.dbid, c.entry.key.queryid);
            }
            sum.merge(c.entry.counters);
            hist->merge(c.entry.hist);
            f.stats_since = Max(f.stats_since, c.entry.stats_since);
            f.minmax_stats_since = Max(f.minmax_stats_since, c.entry.minmax_stats_since);
            run_time += c.entry.counters.exec.total;
            // Texts only from entries the caller may see: another role's entry may carry its
            // comments and, in the plan text, its constants.
            if (all_stats || c.entry.key.userid == user)
            {
                if (!run_visible && mode == BY_GROUP)
                    ids[nids++] = Int64GetDatum(int64(c.entry.key.queryid));
                run_visible = true;
                if (run_query == nullptr)
                    run_query = c.query;
                if (run_plan == nullptr)
                    run_plan = c.plan;
            }
            if (run_visible && run_time > best_time)
            {
                best_time = run_time;
                f.visible = true;
                f.queryid = c.entry.key.queryid;
                f.query = run_query;
                f.plan = run_plan;
            }
            if (new_query || c.entry.key.planid != order[end - 1]->entry.key.planid)
                planids[nplanids++] = c.entry.key.planid;
        }
        f.plan_count = count_distinct_plans(planids, nplanids);
        if (!showtext)
            f.query = f.plan = nullptr;
        if (mode == BY_GROUP && nids > 0)
            f.queryids =
                PointerGetDatum(construct_array(ids, nids, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
        put_row(store, desc, mode, first, sum, *hist, f);
        start = end;
    }
}

void antipatterns(FunctionCallInfo fcinfo)
{
    store_check_attached();
    // This backend's own open bursts first, so that a loop that just ended shows.
    detect_flush();
    TupleDesc desc;
    Tuplestorestate *store = begin_srf(fcinfo, &desc);
    constexpr int kApColumns = 17;
    if (desc->natts != kApColumns)
        elog(ERROR, "pg_perfgate_antipatterns_internal: declared with %d columns, expected %d", desc->natts,
             kApColumns);
    const Oid user = GetUserId();
    const bool all_stats = has_privs_of_role(user, ROLE_PG_READ_ALL_STATS);
    int n, nmutes;
    ApEntry *entries = ap_copy_all(&n);
    const MuteEntry *mutes = mute_copy_all(&nmutes);
    for (int i = 0; i < n; i++)
    {
        const ApEntry &e = entries[i];
        const bool visible = all_stats || e.key.userid == user;
        Datum v[kApColumns];
        bool nulls[kApColumns];
        memset(nulls, 0, sizeof(nulls));
        v[0] = CStringGetTextDatum(ap_kind_name(ApKind(e.key.kind)));
        v[1] = ObjectIdGetDatum(e.key.userid);
        v[2] = ObjectIdGetDatum(e.key.dbid);
        v[3] = Int64GetDatum(int64(e.key.queryid));
        nulls[3] = !visible;
        v[4] = Int64GetDatum(int64(e.key.related_queryid));
        nulls[4] =
            !visible || e.key.related_queryid == 0 || ApKind(e.key.kind) == ApKind::ConnectionPerRequest;
        v[5] = Int64GetDatum(e.related_rows);
        nulls[5] = e.related_rows < 0;
        v[6] = Int64GetDatum(e.occurrences);
        v[7] = Int64GetDatum(e.calls);
        v[8] = Float8GetDatum(e.total_ms);
        v[9] = Int64GetDatum(e.largest);
        v[10] = Int64GetDatum(e.rows_discarded);
        // The detail names another role's tables and columns, and the concrete advice repeats it.
        v[11] = CStringGetTextDatum(e.detail);
        nulls[11] = !visible || e.detail[0] == '\0';
        v[12] = TimestampTzGetDatum(e.first_seen);
        v[13] = TimestampTzGetDatum(e.last_seen);
        v[14] = CStringGetTextDatum(visible ? ap_advice_for(e) : ap_advice(ApKind(e.key.kind)));
        // Whether a DBA accepted it (pg_perfgate_mute), and the note, which may name the statement.
        const MuteEntry *m =
            mute_find(mutes, nmutes, ApKind(e.key.kind), e.key.userid, e.key.dbid, e.key.queryid);
        v[15] = BoolGetDatum(m != nullptr);
        v[16] = CStringGetTextDatum(m != nullptr ? m->note : "");
        nulls[16] = m == nullptr || !visible;
        tuplestore_putvalues(store, desc, v, nulls);
    }
}

} // namespace

} // namespace pgpf

PGPF_FUNCTION(pg_perfgate_antipatterns_internal)
{
    pgpf::antipatterns(fcinfo);
    return (Datum)0;
}

PGPF_FUNCTION(pg_perfgate_internal)
{
    pgpf::statements(fcinfo, false);
    return (Datum)0;
}

PGPF_FUNCTION(pg_perfgate_recent_internal)
{
    pgpf::statements(fcinfo, true);
    return (Datum)0;
}

PGPF_FUNCTION(pg_perfgate_reset)
{
    const Oid userid = PG_GETARG_OID(0), dbid = PG_GETARG_OID(1);
    const uint64 queryid = uint64(PG_GETARG_INT64(2));
    // minmax_only (pg_stat_statements_reset's fourth argument): only the statements' min/max times
    // start afresh; findings and errors have none.
    if (PG_NARGS() > 3 && PG_GETARG_BOOL(3))
    {
        pgpf::store_reset(userid, dbid, queryid, true);
        PG_RETURN_VOID();
    }
    pgpf::store_reset(userid, dbid, queryid);
    pgpf::ap_reset(userid, dbid, queryid);
    pgpf::errors_reset(userid, dbid, queryid);
    pgpf::param_sample_reset(userid, dbid, queryid);
    if (queryid == 0)
        pgpf::conn_reset(userid, dbid);
    PG_RETURN_VOID();
}

// This backend's own execution state: what a long-lived session keeps between statements. The
// statement asking is itself on the stack when it is tracked.
PGPF_FUNCTION(pg_perfgate_backend_state)
{
    const TupleDesc desc = pgpf::result_row(fcinfo);
    Datum values[6];
    bool nulls[6] = {false, false, false, false, false, false};
    values[0] = Int32GetDatum(pgpf::exec_depth());
    values[1] = Int32GetDatum(pgpf::exec_subxact_depth());
    values[2] = Int32GetDatum(pgpf::nesting_level);
    values[3] = Int64GetDatum(int64(pgpf::normalize_cache_bytes()));
    values[4] = Int64GetDatum(pgpf::ap_flushes);
    values[5] = Int64GetDatum(pgpf::detect_sampled);
    return HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls));
}
