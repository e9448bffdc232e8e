// detect.hpp — the anti-pattern detectors' entry points, per backend (detect.cpp): N+1 loops,
// row-by-row writes, unstreamed huge fetches there; deep OFFSET paging (detect_offset.cpp) and
// filter-heavy sequential scans (detect_scan.cpp) called from it; temp-file spills: detect_spill.hpp.
#pragma once

#include "exec_state.hpp"
#include "pg.hpp"

namespace pgpf
{

void detect_init();     // its settings, from _PG_init
extern bool detect_guc; // pg_perfgate.detect
inline bool detect_enabled()
{
    return detect_guc;
}
void detect_executor_start(QueryDesc *queryDesc, Running *running);
void detect_note_utility(uint64 queryid); // a utility statement (a DO block, say) is starting
// ... and has ended after ms: the loops it ran are over
void detect_utility_end(uint64 queryid, int64 rows, double ms);
// Sessions per application (detect_connection.cpp): the part's settings and segment; a session
// starts (its first parse analysis: one test per statement after that); a top-level utility
// statement starts and, when measured, ends; pg_perfgate_reset() of a role and/or database (0: any).
void conn_init();
void conn_shmem_request();
void conn_shmem_startup();
extern bool conn_started;
void conn_session_start_slow();
inline void conn_session_start()
{
    if (unlikely(!conn_started))
        conn_session_start_slow();
}
void conn_utility_start(const Node *stmt, uint64 queryid);
void conn_utility_end(double ms);
void conn_reset(Oid userid, Oid dbid);
// A (sub)transaction aborts: the statement that failed never reached its end, so the time until the
// next statement is not known to be idle (a statement that ran long and failed is not idle time).
void conn_forget_end();
// A client's utility statement is starting. A pool's reset statement (DISCARD ALL, RESET ALL,
// SET/RESET ROLE, SET/RESET SESSION AUTHORIZATION) means the connection now serves another
// request: every loop ends, and nothing before it is the parent of what follows.
// Only DISCARD and SET/RESET can be one: the rest pay for this test.
void detect_session_reset(const Node *stmt, uint64 queryid);
inline void detect_utility_start(const Node *stmt, uint64 queryid)
{
    if (nesting_level == 0)
        conn_utility_start(stmt, queryid);
    if (IsA(stmt, DiscardStmt) || IsA(stmt, VariableSetStmt))
        detect_session_reset(stmt, queryid);
}
// ... and has succeeded (an ERROR never gets here): the same statements feed the session_setting
// detector (detect_session.cpp) only then, since a SET that failed changed nothing. queryid is the
// statement's.
void detect_session_done(const Node *stmt, uint64 queryid);
inline void detect_utility_done(const Node *stmt, uint64 queryid)
{
    if (IsA(stmt, DiscardStmt) || IsA(stmt, VariableSetStmt))
        detect_session_done(stmt, queryid);
}
// now: when the statement started (its statement timestamp, noted at ExecutorStart).
void detect_executor_end(QueryDesc *queryDesc, const RunFacts &run, uint64 queryid, uint32 plan_features,
                         int64 rows, double ms, TimestampTz now);
// After ExecutorEnd of queryDesc: the log line, warning or error a detector asked for about it.
extern const QueryDesc *detect_pending_qd; // the statement a message waits for, NULL when none
inline bool detect_pending_for(const QueryDesc *queryDesc)
{
    return detect_pending_qd == queryDesc; // queryDesc is never NULL
}
void detect_raise_pending(const QueryDesc *queryDesc);
// A (sub)transaction aborts: a message waiting for a statement of it is dropped (hooks.cpp's
// transaction callbacks call this), so it can never fire on a later, unrelated statement.
inline void detect_forget_pending()
{
    detect_pending_qd = nullptr;
}
void detect_flush(); // ends this backend's open bursts (before the views read them)
// Executions this backend sampled for the scan detector, for pg_perfgate_backend_state().
extern int64 detect_sampled;

} // namespace pgpf
