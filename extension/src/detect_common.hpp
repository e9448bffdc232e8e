// detect_common.hpp — what the detector files (detect.cpp, detect_offset.cpp, detect_scan.cpp,
// detect_session.cpp, detect_wide.cpp) share: the key of a finding of this backend, and the message a
// *_action setting asks for.
#pragma once

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
void session_statement_slow(QueryDesc *qd, uint64 queryid);
inline void session_statement(QueryDesc *qd, uint64 queryid)
{
    if (session_watching || !session_work_started || IsA(qd->plannedstmt->planTree, Result))
        session_statement_slow(qd, queryid);
}
void session_flush();
// wide_fetch (detect_wide.cpp): its settings; a top-level SELECT to the client that returned
// wide_fetch_gate rows or more (INT64_MAX when off: one comparison per statement).
void detect_wide_init();
extern int64 wide_fetch_gate;
void check_wide_fetch(QueryDesc *qd, uint64 queryid, int64 rows, double ms);

} // namespace pgpf
