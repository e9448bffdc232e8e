// slowlog.hpp — the slow-statement log (slowlog.cpp): one LOG line per execution that took at least
// pg_perfgate.log_min_duration, with its query id, plan id, figures, text, parameters and plan.
#pragma once

#include "core/counters.hpp"
#include "pg.hpp"
#include "store.hpp"

namespace pgpf
{

// The share of executions sampled for actual rows (pg_perfgate.log_analyze_sample_rate, 0 while
// the log is off): one compare at ExecutorStart.
extern double slowlog_sample_rate;
// Asks for per-node row counts on a share of the executions (before the executor starts).
void slowlog_sample_start(QueryDesc *queryDesc);
inline void slowlog_sample(QueryDesc *queryDesc)
{
    if (unlikely(slowlog_sample_rate > 0))
        slowlog_sample_start(queryDesc);
}

// pg_perfgate.log_min_duration in ms; +infinity when it is -1 (off), so that the hot path asks
// one question whether the log is off or nothing is slow.
extern double slowlog_threshold_ms;
inline bool slowlog_due(double ms)
{
    return ms >= slowlog_threshold_ms;
}

void slowlog_init(); // its settings, from _PG_init
void slowlog_shmem_request();
void slowlog_shmem_startup();
// Writes the line for a slow execution of key's entry, unless pg_perfgate.log_max_per_minute lines
// were written this minute already: the statement's own text (source at location/length), its
// client-bound parameters and the plan of this execution (qd, still running: before the executor's
// ExecutorEnd; NULL for a utility statement).
void slowlog_write(const EntryKey &key, double ms, int64 rows, const pgpf::IoUsage &io, QueryDesc *qd,
                   const char *source, int location, int length);

} // namespace pgpf
