// detect_common.hpp — what the detector files (detect.cpp, detect_offset.cpp, detect_scan.cpp,
// detect_session.cpp, detect_wide.cpp) share: the key of a finding of this backend, and the message a
// *_action setting asks for.
#pragma once

#include <cmath>

#include "antipatterns.hpp"
#include "pg.hpp"

namespace pgpf
{

// The message a detector asked for, raised once ExecutorEnd is done (detect_raise_pending).
struct Pending
{
    int action;
    ApKind kind;
    char query[128]; // the statement's text, shortened, for the message
    char message[384];
    char detail[512];
};

// The samplers' countdowns (pg_perfgate.sample_rate, cache_candidate_sample_rate): executions until
// the next sample, drawn from the geometric distribution, 1 + floor(ln(1 - u) / log_keep) with
// log_keep = log1p(-rate) kept by the rate's assign hook. u (PGPF_RANDOM_FRACTION, compat.h) is
// uniform in [0, 1) with 53 bits, so 1 - u is exact and log(1 - u) is log1p(-u), and cheaper.
inline int64 draw_countdown(double log_keep)
{
    const double u = PGPF_RANDOM_FRACTION();
    return 1 + int64(std::log(1.0 - u) / log_keep);
}

// A zero-filled key of kind for this backend's role and database.
ApKey ap_key(ApKind kind, uint64 queryid, uint64 related);
// The message to fill in when the kind's *_action setting asks for one about qd and no stronger
// one waits for it; NULL when none is wanted (off, muted, or a stronger one is queued).
Pending *ask(ApKind kind, QueryDesc *qd);

// deep_offset (detect_offset.cpp): its settings, and the walk of an executed plan for a Limit
// that skipped more rows than pg_perfgate.deep_offset_threshold.
void detect_offset_init();
extern int guc_deep_offset_threshold; // 0: off
void check_offset(PlanState *ps, QueryDesc *qd, uint64 queryid, double ms);
// filter_heavy_seq_scan (detect_scan.cpp): its settings, and the walk of a sampled execution's plan
// for sequential scans whose filter removed almost every row they read.
void detect_scan_init();
void check_seq_scans(PlanState *ps, QueryDesc *qd, uint64 queryid, double ms);
// session_setting (detect_session.cpp): its setting; a client's SET, RESET or DISCARD once it
// succeeded; each top-level client statement (inline: three tests when no SET is watched, the
// session's work has started and the plan is not a lone Result node, which a `SELECT
// set_config(...)` is); and writing what the watched settings affected (before the views read the
// findings).
void detect_session_init();
void session_utility(const Node *stmt, uint64 queryid);
extern bool session_watching;     // a session-level SET of a watched setting is in force
extern bool session_work_started; // the session ran a statement on a table of the application's
extern bool session_check_all;    // session_watching || !session_work_started, kept where they change
void session_statement_slow(QueryDesc *qd, uint64 queryid);
inline void session_statement(QueryDesc *qd, uint64 queryid)
{
    if (session_check_all || IsA(qd->plannedstmt->planTree, Result))
        session_statement_slow(qd, queryid);
}
void session_flush();
// wide_fetch (detect_wide.cpp): its settings; a top-level SELECT to the client that returned
// wide_fetch_gate rows or more (INT64_MAX when off: one comparison per statement).
void detect_wide_init();
extern int64 wide_fetch_gate;
void check_wide_fetch(QueryDesc *qd, uint64 queryid, int64 rows, double ms);
// The lowest of the many-rows detectors' gates (huge_fetch_rows, wide_fetch_gate; INT64_MAX when
// both are off): detect.cpp's one comparison per statement. Their assign hooks call the update.
extern int64 detect_rows_gate;
void detect_rows_gate_update();

// Tells this session about a finding that no executing statement carries (one found at a utility
// statement or at a session's start), as its kind's *_action asks, at most as a WARNING; nothing
// when muted or off.
void tell_now(ApKind kind, uint64 queryid, const char *message, const char *detail);

// ---- connection_per_request and idle_in_transaction (detect_connection.cpp) ----
// This session's own figures, written to the shared table at its end.
struct ConnSession
{
    bool counting;           // a client session whose start was counted
    bool end_known;          // last_end is the previous statement's end
    LocalTransactionId xact; // the previous statement's transaction
    int64 statements;        // top-level statements so far
    uint64 last_queryid;     // the previous statement's
    TimestampTz last_start;  // of the utility statement running now
    TimestampTz last_end;    // of the previous statement: its start plus its execution time
    TimestampTz xact_start;  // of the transaction's first statement
    int64 idle_us;           // idle between statements of one transaction, summed
    int64 max_idle_us;
    int64 idle_gaps;       // of them, longer than the threshold
    int64 longest_xact_us; // first statement's start to last statement's end
};
extern ConnSession conn_session;
extern int64 conn_idle_threshold_us; // pg_perfgate.idle_in_transaction_threshold; INT64_MAX: off
// An idle gap over the threshold ended at now: the finding, and the message qd carries (NULL: told
// at once). stmt: the utility statement that ended the gap (its kind names it: "COMMIT"), NULL for
// an executor statement ("the next statement").
void conn_idle_gap(QueryDesc *qd, TimestampTz now, const Node *stmt);
// A top-level statement of this session started at now (its statement timestamp), in the
// transaction x (PGPF_LOCAL_XID(), read once by the caller); stmt: a utility statement's parse
// tree, NULL for an executor statement.
inline void conn_track(QueryDesc *qd, uint64 queryid, TimestampTz now, const Node *stmt, LocalTransactionId x)
{
    ConnSession &s = conn_session;
    s.statements++;
    if (x == s.xact)
    {
        if (s.end_known)
        {
            const int64 gap = now - s.last_end;
            if (gap > 0)
            {
                s.idle_us += gap;
                if (gap > s.max_idle_us)
                    s.max_idle_us = gap;
                if (unlikely(gap > conn_idle_threshold_us))
                    conn_idle_gap(qd, now, stmt);
            }
        }
    }
    else
    {
        if (s.xact != InvalidLocalTransactionId && s.last_end - s.xact_start > s.longest_xact_us)
            s.longest_xact_us = s.last_end - s.xact_start;
        s.xact = x;
        s.xact_start = now;
    }
    s.last_queryid = queryid;
}
// A top-level statement the executor ran in transaction x: started at start, ran for ms.
inline void conn_statement(QueryDesc *qd, uint64 queryid, TimestampTz start, double ms, LocalTransactionId x)
{
    if (!conn_session.counting)
        return;
    conn_track(qd, queryid, start, nullptr, x);
    conn_session.last_end = start + int64(ms * 1000.0);
    conn_session.end_known = true;
}

} // namespace pgpf
