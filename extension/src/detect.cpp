/*
 * detect.cpp — the anti-pattern detectors' entry points, and the detectors of bursts and loops: N+1
 * loops, per-id lookup loops, row-by-row writes, and unstreamed huge fetches. Deep OFFSET paging is
 * detect_offset.cpp's, filter-heavy sequential scans detect_scan.cpp's, temp-file spills
 * detect_spill.cpp's, session settings left on a connection detect_session.cpp's, wide fetches
 * detect_wide.cpp's, connections detect_connection.cpp's, identical repeated reads
 * detect_repeat.cpp's; each kind's name, setting and advice are its record in kinds.cpp.
 *
 * Everything is per backend and O(1) per statement: the burst tracker (core/burst.hpp) is fed each
 * recorded execution, an OFFSET is looked at only when the plan walk saw one, a scan's row counts
 * only on the executions sampled by pg_perfgate.sample_rate among those of plans with a filtered
 * sequential scan (which get per-node row counts, never per-node timing). Shared memory is touched only when
 * a pattern fires. What a detector asks for (a log line, a WARNING, an ERROR) is raised after ExecutorEnd has
 * cleaned up, by detect_raise_pending(), and only for the statement it is about: the message is tagged with
 * the statement's QueryDesc, and dropped when a (sub)transaction aborts, so that a failure between queuing
 * and raising never lets it fire on a later, unrelated statement. An ERROR aborts the statement and its
 * transaction, nothing else.
 *
 * The thresholds decide what is written to shared memory for every role, so only superusers may
 * change them (PGC_SUSET); the *_action settings only change what this session is told.
 *
 * A loop is judged by what the statement is, not by how many rows it returned: a SELECT can be part
 * of an N+1 loop when its plan looks rows up by key (a scan with a condition) and no scan condition
 * holds a list of values (`= ANY($1)`, `IN (...)`: a batch); see PLAN_HAS_SCAN_QUAL.
 *
 * Statements the server runs on the application's behalf are counted in the statistics, as
 * pg_stat_statements counts them, but never feed the loop detectors (burst.hpp). In PostgreSQL 15:
 *  - at nesting level 0, a statement that starts while no portal is active (ActivePortal == NULL):
 *    every statement a client sends, by the simple or the extended protocol, starts inside the
 *    portal that runs it (PortalStart or PortalRun set ActivePortal); what starts outside one at
 *    level 0 is run by the commit itself: deferred foreign-key checks
 *    (`SELECT 1 FROM ONLY parent x WHERE id = $1 FOR KEY SHARE OF x`) and other deferred trigger
 *    work fired by AfterTriggerFireDeferred, and parallel workers' copies of a plan;
 *  - at deeper levels (track = all), the foreign-key checks and actions ri_triggers.c builds,
 *    recognised by their text: `SELECT 1 FROM `, `DELETE FROM ` or `UPDATE ` with a condition
 *    written `OPERATOR(pg_catalog.` which applications and ORMs do not write. Other trigger and
 *    function work at deeper levels is judged like any statement: it is code someone wrote.
 */
#include <cmath>

#include "detect.hpp"
#include "detect_common.hpp"
#include "detect_repeat.hpp"

#include "antipatterns.hpp"
#include "core/burst.hpp"
#include "guard.hpp"
#include "mute.hpp"
#include "normalize.hpp"
#include "plan_id.hpp"
#include "store.hpp"

namespace pgpf
{

const QueryDesc *detect_pending_qd = nullptr;
bool detect_guc = true;
int64 detect_sampled = 0;
int64 detect_rows_gate = 1000;

namespace
{

using pgpf::BurstClass;
using pgpf::BurstKind;
using pgpf::BurstReport;
using pgpf::BurstTracker;

enum Action
{
    ACTION_OFF,
    ACTION_LOG,
    ACTION_WARNING,
    ACTION_ERROR
};

const struct config_enum_entry action_options[] = {
    {"off", ACTION_OFF, false},     {"log", ACTION_LOG, false}, {"warning", ACTION_WARNING, false},
    {"error", ACTION_ERROR, false}, {nullptr, 0, false},
};

pgpf::BurstConfig burst_config = {10, 10, 0, 10}; // the settings point into it

int guc_huge_fetch_rows = 100000;
int64 huge_fetch_gate = 100000; // pg_perfgate.huge_fetch_rows, INT64_MAX when off
double guc_sample_rate = 0.01;
double log_keep = std::log1p(-0.01); // log1p(-guc_sample_rate), kept by its assign hook
int guc_action[kApKinds + 1] = {};   // ACTION_OFF

// Executions left until the next sample: a countdown redrawn from the geometric distribution
// at each sample, so that sampling costs a decrement per statement.
int64 sample_countdown = 0;

BurstTracker tracker;
bool tracker_ready = false;
// detect_guc && tracker_ready: the one test of a statement's end (and of its start, once ready),
// kept by pg_perfgate.detect's assign hook and the tracker's set-up.
bool detect_live = false;

// (An assign hook runs before the variable takes the new value.)
void assign_detect(bool on, void *)
{
    detect_live = on && tracker_ready;
}
uint32 tracker_generation = 0; // store_reset_generation when the tracker's bursts began

// A reset since the open bursts began: they belong to the statistics that are gone.
inline void follow_resets()
{
    const uint32 g = pg_atomic_read_u32(store_reset_generation);
    if (g != tracker_generation)
    {
        tracker.reset();
        ap_forget_pending();
        tracker_generation = g;
    }
}

Pending pending;
// detect_pending_qd (declared in detect.hpp) is the statement it is about, NULL when none.

bool sample_now()
{
    if (guc_sample_rate <= 0)
        return false;
    if (guc_sample_rate >= 1.0)
        return true;
    if (--sample_countdown > 0)
        return false;
    sample_countdown = draw_countdown(log_keep);
    return true;
}

// (An assign hook runs before the variable takes the new value.)
void assign_huge_fetch_rows(int rows, void *)
{
    huge_fetch_gate = rows > 0 ? rows : PG_INT64_MAX;
    detect_rows_gate_update();
}

void assign_sample_rate(double rate, void *)
{
    log_keep = rate > 0 && rate < 1.0 ? std::log1p(-rate) : 0;
}

// qd is the execution that was just observed (NULL when flushing): a new occurrence is always
// the burst of that execution's query.
void store_bursts(const BurstReport *reports, int n, QueryDesc *qd)
{
    for (int i = 0; i < n; i++)
    {
        const BurstReport &r = reports[i];
        const ApKind kind = r.kind == BurstKind::RowByRow     ? ApKind::RowByRow
                            : r.cls == BurstClass::ParentLoop ? ApKind::NPlusOne
                                                              : ApKind::PerIdLookupLoop;
        // The rows per call become the finding's detail when it reaches shared memory (ap_flush).
        const bool lookups = kind != ApKind::RowByRow;
        const ApRowsPerCall rpc{r.rows_min, r.rows_sum, r.burst_len, r.rows_max};
        ApSample s{r.new_occurrence,
                   r.calls,
                   r.ms,
                   r.burst_len,
                   kind == ApKind::NPlusOne ? r.parent_rows : -1,
                   0,
                   nullptr,
                   lookups ? &rpc : nullptr};
        ap_record(ap_key(kind, r.queryid, kind == ApKind::NPlusOne ? r.parent_queryid : 0), s);
        if (!r.new_occurrence)
            continue;
        Pending *p = qd != nullptr ? ask(kind, qd) : nullptr;
        if (p == nullptr)
            continue;
        char rows[96] = "";
        if (lookups)
            ap_format_rows_per_call(rpc, rows, sizeof(rows));
        snprintf(p->message, sizeof(p->message), "%s: \"%s\" ran %lld times in a row",
                 kind == ApKind::NPlusOne          ? "N+1 query loop"
                 : kind == ApKind::PerIdLookupLoop ? "per-id lookup loop"
                                                   : "row-by-row writes",
                 p->query, (long long)r.burst_len);
        if (kind == ApKind::RowByRow)
        {
            snprintf(p->detail, sizeof(p->detail),
                     "Query id " INT64_FORMAT ", %lld calls, one row or none each.", int64(r.queryid),
                     (long long)r.burst_len);
            continue;
        }
        if (kind == ApKind::PerIdLookupLoop)
        {
            snprintf(p->detail, sizeof(p->detail),
                     "Query id " INT64_FORMAT
                     ", %lld calls in one transaction, rows per call %s, no statement "
                     "before them returned their ids.",
                     int64(r.queryid), (long long)r.burst_len, rows);
            continue;
        }
        int len =
            snprintf(p->detail, sizeof(p->detail), "Query id " INT64_FORMAT ", %lld calls, rows per call %s",
                     int64(r.queryid), (long long)r.burst_len, rows);
        if (r.parent_queryid != 0 && len > 0 && len < int(sizeof(p->detail)))
        {
            // The parent's text when this backend has it (normalized, from its parse analysis).
            int text_len = 0;
            bool cut;
            char *text = query_text_for(r.parent_queryid, nullptr, -1, 0, &text_len, &cut);
            if (text != nullptr && text_len > 120)
            {
                text_len = pg_mbcliplen(text, text_len, 116);
                strcpy(text + text_len, "...");
            }
            if (text != nullptr)
                for (char *c = text; *c; c++)
                    if (*c == '\n' || *c == '\t' || *c == '\r')
                        *c = ' ';
            len +=
                snprintf(p->detail + len, sizeof(p->detail) - len, ", after query id " INT64_FORMAT "%s%s%s",
                         int64(r.parent_queryid), text ? " \"" : "", text ? text : "", text ? "\"" : "");
            if (r.parent_rows >= 0 && len > 0 && len < int(sizeof(p->detail)))
                len += snprintf(p->detail + len, sizeof(p->detail) - len, ", which returned %lld rows",
                                (long long)r.parent_rows);
            if (text != nullptr)
                pfree(text);
        }
        if (len > 0 && len < int(sizeof(p->detail)) - 1)
            strlcat(p->detail, ".", sizeof(p->detail));
    }
}

// The foreign-key checks and actions of ri_triggers.c: `SELECT 1 FROM [ONLY] parent x WHERE ...
// FOR KEY SHARE OF x`, `DELETE FROM [ONLY] child WHERE ...`, `UPDATE [ONLY] child SET ...`, their
// conditions written with OPERATOR(pg_catalog.=). Only asked about nested statements.
bool is_ri_query(const char *text)
{
    if (text == nullptr)
        return false;
    // Asked for every nested statement under track = all: the first letter rules out most.
    const bool prefix = text[0] == 'S'   ? strncmp(text, "SELECT 1 FROM ", 14) == 0
                        : text[0] == 'D' ? strncmp(text, "DELETE FROM ", 12) == 0
                        : text[0] == 'U' ? strncmp(text, "UPDATE ", 7) == 0
                                         : false;
    if (!prefix)
        return false;
    return strstr(text, " OPERATOR(pg_catalog.") != nullptr;
}

// An execution that starts, breaks or reports a burst (the rest of BurstTracker::observe_quick()):
// out of line, so that the usual statement's frame has no report array.
pg_noinline void observe_reporting(uint64 queryid, BurstKind kind, int64 rows, double ms, TimestampTz now,
                                   LocalTransactionId xid, QueryDesc *qd)
{
    const pgpf::Execution e{queryid, kind, rows, ms, now, xid, nesting_level};
    BurstReport reports[BurstTracker::kMaxReports];
    const int n = tracker.observe(e, burst_config, reports);
    if (n > 0)
        store_bursts(reports, n, qd);
}
// A session that ends cleanly reports the bursts it left open; after a FATAL error we leave them,
// since locks the failed statement held may not have been released yet.
void flush_at_exit(int code, Datum)
{
    guarded("before_shmem_exit",
            [&]
            {
                if (code == 0 && store_attached())
                    detect_flush();
            });
}

} // namespace

void detect_rows_gate_update()
{
    detect_rows_gate = Min(huge_fetch_gate, wide_fetch_gate);
}

ApKey ap_key(ApKind kind, uint64 queryid, uint64 related)
{
    ApKey key;
    memset(&key, 0, sizeof(key));
    key.kind = uint8(kind);
    key.userid = GetUserId();
    key.dbid = MyDatabaseId;
    key.queryid = queryid;
    key.related_queryid = related;
    return key;
}

// Keeps the first message of a statement; an ERROR wins over anything milder. The message names
// the statement by its text, the detail by its query id.
Pending *ask(ApKind kind, QueryDesc *qd)
{
    const int action = guc_action[int(ap_kind(kind).action_kind)];
    if (action == ACTION_OFF || (detect_pending_qd != nullptr && pending.action >= action))
        return nullptr;
    // An accepted finding (pg_perfgate_mute) is still counted, but nobody is told again.
    const PlannedStmt *stmt = qd->plannedstmt;
    if (mute_covers(kind, GetUserId(), MyDatabaseId, stmt->queryId))
        return nullptr;
    detect_pending_qd = qd;
    pending.action = action;
    pending.kind = kind;
    pending.detail[0] = '\0';
    int len;
    bool cut;
    char *text =
        query_text_for(stmt->queryId, qd->sourceText, stmt->stmt_location, stmt->stmt_len, &len, &cut);
    if (text == nullptr)
        strlcpy(pending.query, "?", sizeof(pending.query));
    else
    {
        for (char *c = text; *c; c++) // one line
            if (*c == '\n' || *c == '\t' || *c == '\r')
                *c = ' ';
        if (len >= int(sizeof(pending.query)))
        {
            len = pg_mbcliplen(text, len, sizeof(pending.query) - 4);
            strcpy(text + len, "...");
        }
        strlcpy(pending.query, text, sizeof(pending.query));
        pfree(text);
    }
    return &pending;
}

void detect_init()
{
    DefineCustomBoolVariable("pg_perfgate.detect", "Whether the anti-pattern detectors run.", nullptr,
                             &detect_guc, true, PGC_SUSET, 0, nullptr, assign_detect, nullptr);
    DefineCustomIntVariable("pg_perfgate.n_plus_one_threshold",
                            "Executions of one small SELECT in a row that make an N+1 loop (0 disables).",
                            nullptr, &burst_config.select_threshold, 10, 0, INT_MAX, PGC_SUSET, 0, nullptr,
                            nullptr, nullptr);
    DefineCustomIntVariable("pg_perfgate.n_plus_one_max_rows",
                            "Most rows one execution of an N+1 loop may return (0: no limit).",
                            "Loops are judged by the statement's plan, not its rows; this only caps them.",
                            &burst_config.max_rows, 0, 0, INT_MAX, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomIntVariable(
        "pg_perfgate.row_by_row_threshold",
        "Executions of one single-row write in a row that make a row-by-row burst (0 disables).", nullptr,
        &burst_config.write_threshold, 10, 0, INT_MAX, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomIntVariable(
        "pg_perfgate.burst_window",
        "Longest idle time between two executions of a burst that run in different transactions.",
        "About one loop iteration of an ORM in autocommit mode; longer pauses separate requests.",
        &burst_config.window_ms, 10, 0, INT_MAX, PGC_SUSET, GUC_UNIT_MS, nullptr, nullptr, nullptr);
    DefineCustomIntVariable(
        "pg_perfgate.huge_fetch_rows",
        "Rows a top-level query may return in one go before it counts as an unstreamed fetch "
        "(0 disables).",
        nullptr, &guc_huge_fetch_rows, 100000, 0, INT_MAX, PGC_SUSET, 0, nullptr, assign_huge_fetch_rows,
        nullptr);
    DefineCustomRealVariable(
        "pg_perfgate.sample_rate",
        "Fraction of the executions of plans with a filtered sequential scan that get per-node row "
        "counts for the sequential-scan detector.",
        nullptr, &guc_sample_rate, 0.01, 0.0, 1.0, PGC_SUSET, 0, nullptr, assign_sample_rate, nullptr);
    detect_offset_init();
    detect_scan_init();
    detect_session_init();
    detect_wide_init();
    // One pg_perfgate.<action>_action per kind that has one (kinds.cpp).
    for (int i = 0; i < ap_kind_count; i++)
        if (ap_kinds[i].action != nullptr)
            DefineCustomEnumVariable(
                psprintf("pg_perfgate.%s_action", ap_kinds[i].action),
                "What to do the moment this anti-pattern is detected: off, log, warning or error.", nullptr,
                &guc_action[int(ap_kinds[i].kind)], ACTION_OFF, action_options, PGC_USERSET, 0, nullptr,
                nullptr, nullptr);
}

void detect_executor_start(QueryDesc *queryDesc, Running *running)
{
    if (unlikely(!detect_live))
    {
        if (!detect_guc)
            return;
        if (!tracker_ready)
        {
            tracker.reset();
            tracker_ready = true;
            before_shmem_exit(flush_at_exit, (Datum)0);
        }
        detect_live = true;
    }
    // Whether the server runs it on the application's behalf (see the header): known only here,
    // while the portal that runs a client's statement is active.
    const bool system = nesting_level == 0 ? ActivePortal == nullptr : is_ri_query(queryDesc->sourceText);
    if (running != nullptr)
        running->facts.system = system;
    if (!system)
        tracker.start(queryDesc->plannedstmt->queryId, PGPF_LOCAL_XID(), nesting_level);
    // Called before the executor starts, so that the sample gets per-node row counts. Only a SELECT
    // whose plan has a filtered sequential scan is sampled: nothing else reads the counts, and an
    // instrumented execution costs a counter update per node and row.
    if (running != nullptr && (running->plan_features & PLAN_HAS_SEQSCAN) &&
        queryDesc->plannedstmt->commandType == CMD_SELECT && sample_now())
    {
        queryDesc->instrument_options |= INSTRUMENT_ROWS;
        running->facts.sampled = true;
        detect_sampled++;
    }
}

void detect_note_utility(uint64 queryid)
{
    if (detect_live)
        tracker.start(queryid, PGPF_LOCAL_XID(), nesting_level);
}

void detect_session_reset(const Node *stmt, uint64 queryid)
{
    if (!detect_guc || nesting_level != 0 || !tracker_ready)
        return;
    bool reset = false;
    if (IsA(stmt, DiscardStmt))
        reset = castNode(DiscardStmt, stmt)->target == DISCARD_ALL;
    else if (IsA(stmt, VariableSetStmt))
    {
        const VariableSetStmt *v = castNode(VariableSetStmt, stmt);
        reset = v->kind == VAR_RESET_ALL ||
                (v->name != nullptr &&
                 (strcmp(v->name, "role") == 0 || strcmp(v->name, "session_authorization") == 0));
    }
    if (!reset)
        return;
    follow_resets();
    BurstReport reports[BurstTracker::kSlots];
    const int n = tracker.session_boundary(burst_config, reports);
    if (n > 0)
        store_bursts(reports, n, nullptr);
}

void detect_session_done(const Node *stmt, uint64 queryid)
{
    if (detect_guc && nesting_level == 0)
        session_utility(stmt, queryid);
}

void detect_utility_end(uint64 queryid, int64 rows, double ms)
{
    if (nesting_level == 0)
        conn_utility_end(ms);
    if (!detect_live)
        return;
    follow_resets();
    // A utility statement is no row source unless it says how many rows it returned (FETCH, COPY).
    tracker.note_statement(queryid, rows, nesting_level);
    BurstReport reports[BurstTracker::kSlots];
    const int n = tracker.end_level(nesting_level, burst_config, reports);
    if (n > 0)
        store_bursts(reports, n, nullptr);
    if (nesting_level == 0)
        ap_flush_if_due(GetCurrentStatementStartTimestamp());
}

void detect_executor_end(QueryDesc *queryDesc, const RunFacts &run, uint64 queryid, uint32 plan_features,
                         int64 rows, double ms, TimestampTz now)
{
    if (!detect_live)
        return;
    rows = Max(rows, run.rows); // es_processed counts only the last run of a cursor before 17
    follow_resets();

    const CmdType cmd = queryDesc->operation;
    if (!run.system)
    {
        const LocalTransactionId xid = PGPF_LOCAL_XID(); // read once for the statement
        // A SELECT may be one step of an N+1 loop when it looks rows up by key, not a batch.
        constexpr uint32 lookup = PLAN_HAS_SCAN_QUAL | PLAN_HAS_VALUE_LIST;
        const BurstKind kind =
            cmd == CMD_SELECT
                ? ((plan_features & lookup) == PLAN_HAS_SCAN_QUAL ? BurstKind::NPlusOne : BurstKind::None)
            : (cmd == CMD_INSERT || cmd == CMD_UPDATE || cmd == CMD_DELETE) ? BurstKind::RowByRow
                                                                            : BurstKind::None;
        // Built again out of line when a report may be due, so that this one stays in registers.
        if (!tracker.observe_quick(pgpf::Execution{queryid, kind, rows, ms, now, xid, nesting_level},
                                   burst_config))
            observe_reporting(queryid, kind, rows, ms, now, xid, queryDesc);
        if (nesting_level == 0)
        {
            session_statement(queryDesc, queryid);
            conn_statement(queryDesc, queryid, now, ms, xid);
            if (cmd == CMD_SELECT)
                repeat_read(queryDesc, queryid, rows, ms);
        }
    }

    if ((plan_features & PLAN_HAS_OFFSET) && guc_deep_offset_threshold > 0)
        check_offset(queryDesc->planstate, queryDesc, queryid, ms);
    if (run.sampled && (plan_features & PLAN_HAS_SEQSCAN))
        check_seq_scans(queryDesc->planstate, queryDesc, queryid, ms);
    // The detectors of many rows (unstreamed and wide fetches): one comparison per statement with
    // the lowest of their thresholds (INT64_MAX when both are off), kept by their settings' hooks.
    // Each judges the whole result of a top-level SELECT to the client in one run (a cursor
    // fetched in parts is not).
    if (unlikely(rows >= detect_rows_gate) && cmd == CMD_SELECT && nesting_level == 0 && run.runs == 1 &&
        run.unbounded && run.to_client)
    {
        if (rows >= huge_fetch_gate)
        {
            ap_record(ap_key(ApKind::HugeFetch, queryid, 0), ApSample{true, 1, ms, rows, -1, 0, nullptr});
            if (Pending *p = ask(ApKind::HugeFetch, queryDesc))
            {
                snprintf(p->message, sizeof(p->message),
                         "unstreamed fetch: \"%s\" returned " INT64_FORMAT " rows in one go", p->query, rows);
                snprintf(p->detail, sizeof(p->detail), "Query id " INT64_FORMAT ".", int64(queryid));
            }
        }
        if (rows >= wide_fetch_gate)
            check_wide_fetch(queryDesc, queryid, rows, ms);
    }
    // Findings aggregated in this backend reach shared memory at least about once a second.
    if (nesting_level == 0)
        ap_flush_if_due(now);
}

void tell_now(ApKind kind, uint64 queryid, const char *message, const char *detail)
{
    const int action = guc_action[int(ap_kind(kind).action_kind)];
    if (action == ACTION_OFF || mute_covers(kind, GetUserId(), MyDatabaseId, queryid))
        return;
    const int level = action == ACTION_LOG || !IsTransactionState() ? LOG : WARNING;
    ereport(level, (errcode(MAKE_SQLSTATE('P', 'F', '0', '0' + int(kind) / 10, '0' + int(kind) % 10)),
                    errmsg("pg_perfgate: %s", message), detail[0] ? errdetail("%s", detail) : 0,
                    errhint("%s", ap_advice(kind))));
}

void detect_raise_pending(const QueryDesc *queryDesc)
{
    if (detect_pending_qd != queryDesc)
        return;
    detect_pending_qd = nullptr;
    int level = pending.action == ACTION_ERROR ? ERROR : pending.action == ACTION_WARNING ? WARNING : LOG;
    // An executor may end while a transaction commits or aborts (a cursor left open): an ERROR
    // there would be promoted, so it is only logged.
    if (!IsTransactionState())
        level = LOG;
    ereport(
        level,
        (errcode(MAKE_SQLSTATE('P', 'F', '0', '0' + int(pending.kind) / 10, '0' + int(pending.kind) % 10)),
         errmsg("pg_perfgate: %s", pending.message), pending.detail[0] ? errdetail("%s", pending.detail) : 0,
         errhint("%s", ap_advice(pending.kind))));
}

void detect_flush()
{
    if (!tracker_ready)
        return;
    follow_resets();
    BurstReport reports[BurstTracker::kSlots];
    const int n = tracker.flush(burst_config, reports);
    if (n > 0)
        store_bursts(reports, n, nullptr);
    session_flush();
    ap_flush();
}

} // namespace pgpf
