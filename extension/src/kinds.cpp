/*
 * kinds.cpp — one record per kind of finding (antipatterns.hpp's ApKindInfo): its name, its
 * *_action setting, its advice and the function that makes the advice concrete from the entry's
 * fields. The detectors that raise them: detect.cpp (n_plus_one, per_id_lookup_loop,
 * row_by_row_write, unstreamed_fetch: the bursts and loops of core/burst.hpp), detect_offset.cpp
 * (deep_offset), detect_scan.cpp (filter_heavy_seq_scan), detect_spill.cpp (temp_spill),
 * detect_session.cpp (session_setting), detect_wide.cpp (wide_fetch), detect_connection.cpp
 * (connection_per_request, idle_in_transaction), detect_repeat.cpp (cache_candidate).
 */
#include "antipatterns.hpp"

namespace pgpf
{

namespace
{

// An N+1 loop that ran once per row of the statement before it says so.
const char *advise_n_plus_one(const ApEntry &e)
{
    if (e.related_rows >= 0 && e.related_rows == e.largest)
        return psprintf("%s The loop ran once per row of the query before it.", ap_advice(ApKind::NPlusOne));
    return ap_advice(ApKind::NPlusOne);
}

// The index a filtered scan wants: on the relation and columns its filter reads.
const char *advise_filter_heavy_seq_scan(const ApEntry &e)
{
    if (e.columns[0] == '\0')
        return ap_advice(ApKind::FilterHeavySeqScan);
    return psprintf("Add an index on %s so that the query reads only the rows it keeps.", e.columns);
}

// A spill's advice: the work_mem it needs (detect_spill.cpp) with a margin of 25% (the tape's block
// rounding, the sort array's growth), in whole MB, unless that is more than a statement should hold
// (1 GB); an index for a sort on columns of one relation. A spill seen again after the advice was
// applied advises more (detect_spill.cpp never estimates a need at or below the work_mem it spilled with).
const char *advise_temp_spill(const ApEntry &e)
{
    if (e.largest <= 0)
        return ap_advice(ApKind::TempSpill);
    const int64 mb = (e.largest * 125 / 100 + 1023) / 1024;
    const bool sort = e.node == ApNode::Sort;
    const char *index = sort && e.columns[0] != '\0'
                            ? psprintf(" An index on %s would return the rows in order.", e.columns)
                            : "";
    const char *check = sort
                            ? " The sort's need is estimated from the planner's row width: EXPLAIN (ANALYZE) "
                              "with that setting says \"Sort Method: quicksort\" when it fits."
                            : "";
    if (mb > 1024)
        return psprintf("It would need about " INT64_FORMAT
                        " MB of work_mem, more than one statement should hold: "
                        "reduce the rows it sorts or hashes.%s",
                        e.largest / 1024, index);
    return psprintf("SET LOCAL work_mem = '" INT64_FORMAT "MB' in the transaction that runs it (it needs "
                    "about " INT64_FORMAT " kB).%s%s",
                    mb, e.largest, check, index);
}

// A setting left on the connection: SET LOCAL of that setting in the transactions that want it, or
// RESET after them.
const char *advise_session_setting(const ApEntry &e)
{
    if (e.columns[0] == '\0')
        return ap_advice(ApKind::SessionSetting);
    return psprintf("SET LOCAL %s inside the transaction that needs it (it ends with the transaction), or "
                    "RESET %s right after it: on a pooled connection the next request inherits it.",
                    e.columns, e.columns);
}

// A wide fetch: the columns to leave out, in SQL and in the two ORMs' words.
const char *advise_wide_fetch(const ApEntry &e)
{
    if (e.columns[0] == '\0')
        return ap_advice(ApKind::WideFetch);
    return psprintf(
        "Most of each row is %s: select only the columns the code uses (SQLAlchemy load_only() or "
        "defer(), Django only() or defer()), and load the large ones where they are needed.",
        e.columns);
}

// An application that opens a connection per request: a pool, sized from the rate.
const char *advise_connection_per_request(const ApEntry &e)
{
    if (e.largest <= 0)
        return ap_advice(ApKind::ConnectionPerRequest);
    return psprintf("Use a connection pool (the driver's or the framework's, or PgBouncer) and keep its "
                    "connections open: this client opened up to " INT64_FORMAT
                    " short sessions a minute, each paying for a new backend and its authentication.",
                    e.largest);
}

// A transaction left open while the client did something else: commit first.
const char *advise_idle_in_transaction(const ApEntry &e)
{
    if (e.largest <= 0)
        return ap_advice(ApKind::IdleInTransaction);
    return psprintf(
        "Commit (or roll back) before slow client work: the transaction sat idle for up to " INT64_FORMAT
        " ms after this statement, holding its locks and keeping vacuum from removing dead "
        "rows; idle_in_transaction_session_timeout ends sessions that forget.",
        e.largest);
}

const ApKindInfo kUnknown = {ApKind(0), "unknown", nullptr, ApKind(0), "", nullptr};

} // namespace

// In the order ap_kind_names() lists them.
const ApKindInfo ap_kinds[] = {
    {ApKind::NPlusOne, "n_plus_one", "n_plus_one", ApKind::NPlusOne,
     "Load the rows in one query: a join, or one query with WHERE id = ANY($1) and all the ids.",
     advise_n_plus_one},
    // pg_perfgate.n_plus_one_action covers both kinds of loop of lookups.
    {ApKind::PerIdLookupLoop, "per_id_lookup_loop", nullptr, ApKind::NPlusOne,
     "The client looks rows up one id at a time: send all the ids in one query, WHERE id = ANY($1).",
     nullptr},
    {ApKind::RowByRow, "row_by_row_write", "row_by_row", ApKind::RowByRow,
     "Write the rows in one statement: a multi-row INSERT ... VALUES, INSERT ... SELECT, or COPY.", nullptr},
    {ApKind::DeepOffset, "deep_offset", "deep_offset", ApKind::DeepOffset,
     "Use keyset pagination: WHERE sort_key > $last ORDER BY sort_key LIMIT n, instead of OFFSET.", nullptr},
    {ApKind::HugeFetch, "unstreamed_fetch", "huge_fetch", ApKind::HugeFetch,
     "Fetch large results in batches through a server-side cursor (DECLARE ... CURSOR, FETCH n).", nullptr},
    {ApKind::FilterHeavySeqScan, "filter_heavy_seq_scan", "seq_scan", ApKind::FilterHeavySeqScan,
     "An index on the filtered columns would let the query read only the rows it keeps.",
     advise_filter_heavy_seq_scan},
    // Found at ExecutorEnd from the temp blocks the statement wrote; no message of its own.
    {ApKind::TempSpill, "temp_spill", nullptr, ApKind(0),
     "A sort or hash wrote temporary files: give this statement more memory (SET LOCAL work_mem in its "
     "transaction), or let an index return the rows in order.",
     advise_temp_spill},
    // Found at top-level statements that ran under a session-level SET (detect_session.cpp).
    {ApKind::SessionSetting, "session_setting", "session_setting", ApKind::SessionSetting,
     "A session-level SET stayed on the connection and changed later requests' statements: use SET LOCAL "
     "inside the transaction that needs it, or RESET it after.",
     advise_session_setting},
    // Found when a short session of an application that opens many of them ends (detect_connection.cpp).
    {ApKind::ConnectionPerRequest, "connection_per_request", "connection_per_request",
     ApKind::ConnectionPerRequest,
     "Many short sessions a minute from one application: use a connection pool and keep its connections "
     "open instead of connecting for every request.",
     advise_connection_per_request},
    // Found at the statement (or COMMIT/ROLLBACK) that ends an idle gap inside a transaction.
    {ApKind::IdleInTransaction, "idle_in_transaction", "idle_in_transaction", ApKind::IdleInTransaction,
     "A transaction stayed open while the client was idle: commit before slow client work (and set "
     "idle_in_transaction_session_timeout).",
     advise_idle_in_transaction},
    // Found at ExecutorEnd of top-level SELECTs that returned many rows (detect_wide.cpp).
    {ApKind::WideFetch, "wide_fetch", "wide_fetch", ApKind::WideFetch,
     "Each row is wide because of a few large columns: select only the columns the code uses "
     "(SQLAlchemy load_only()/defer(), Django only()/defer()).",
     advise_wide_fetch},
    // Found at sampled top-level SELECTs (detect_repeat.cpp).
    {ApKind::CacheCandidate, "cache_candidate", "cache_candidate", ApKind::CacheCandidate,
     "The same query with the same values ran many times on tables that did not change, returning the same "
     "rows each time: cache the result in the application (read-mostly data), or read it once per request.",
     nullptr},
};
const int ap_kind_count = lengthof(ap_kinds);
static_assert(lengthof(ap_kinds) == kApKinds, "one record per ApKind");

const ApKindInfo &ap_kind(ApKind kind)
{
    for (const ApKindInfo &k : ap_kinds)
        if (k.kind == kind)
            return k;
    return kUnknown;
}

const char *ap_advice_for(const ApEntry &e)
{
    const ApKindInfo &k = ap_kind(ApKind(e.key.kind));
    return k.advise != nullptr ? k.advise(e) : k.advice;
}

ApKind ap_kind_from_name(const char *name)
{
    for (const ApKindInfo &k : ap_kinds)
        if (strcmp(k.name, name) == 0)
            return k.kind;
    return ApKind(0);
}

const char *ap_kind_names()
{
    StringInfoData s;
    initStringInfo(&s);
    for (const ApKindInfo &k : ap_kinds)
        appendStringInfo(&s, "%s%s", s.len > 0 ? ", " : "", k.name);
    return s.data;
}

} // namespace pgpf
