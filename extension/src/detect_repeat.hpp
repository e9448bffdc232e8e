// detect_repeat.hpp — the cache_candidate detector (detect_repeat.cpp, which states its layout and
// locking): the same read-only query with the same values, run many times in a short window across
// sessions on tables that did not change. Its shared segment holds the tables' change stamps and the
// reads it is watching.
#pragma once

#include "pg.hpp"

namespace pgpf
{

// Its settings and segment, through module.cpp's table of the parts.
void repeat_init();
void repeat_shmem_request();
void repeat_shmem_startup();

// At the end of every executor statement, at any nesting level, tracked or not: a write (an
// INSERT, UPDATE, DELETE or MERGE that changed rows, a SELECT with a data-modifying WITH) bumps the
// change stamps of its tables. Called before the executor's own ExecutorEnd (its state is still there).
void repeat_write_slow(QueryDesc *qd);
inline void repeat_note_write(QueryDesc *qd)
{
    if (unlikely(qd->operation != CMD_SELECT || qd->plannedstmt->hasModifyingCTE))
        repeat_write_slow(qd);
}

// A utility statement that changes what tables hold without the executor's end (TRUNCATE, COPY
// FROM, REFRESH MATERIALIZED VIEW, ALTER TABLE): every read starts counting again.
void repeat_utility_slow();
inline void repeat_note_utility(const Node *stmt)
{
    if (unlikely(IsA(stmt, TruncateStmt) || IsA(stmt, RefreshMatViewStmt) || IsA(stmt, AlterTableStmt) ||
                 (IsA(stmt, CopyStmt) && castNode(CopyStmt, stmt)->is_from)))
        repeat_utility_slow();
}

// At the end of a top-level SELECT a client sent (detect.cpp): a decrement, and on the sampled
// executions (pg_perfgate.cache_candidate_sample_rate) the check itself.
extern int64 repeat_countdown;
void repeat_read_slow(QueryDesc *qd, uint64 queryid, int64 rows, double ms);
inline void repeat_read(QueryDesc *qd, uint64 queryid, int64 rows, double ms)
{
    if (--repeat_countdown <= 0)
        repeat_read_slow(qd, queryid, rows, ms);
}

} // namespace pgpf
