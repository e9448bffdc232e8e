// slowlog.hpp — the slow-statement log (slowlog.cpp): one LOG line per execution that took at least
// pg_perfgate.log_min_duration, with its query id, plan id, figures and stored plan text.
#pragma once

#include "core/counters.hpp"
#include "pg.hpp"
#include "store.hpp"

namespace pgpf
{

// pg_perfgate.log_min_duration in ms; +infinity when it is -1 (off), so that the hot path asks
// one question whether the log is off or nothing is slow.
extern double slowlog_threshold_ms;
inline bool slowlog_due(double ms)
{
    return ms >= slowlog_threshold_ms;
}

void slowlog_define_gucs();
void slowlog_shmem_request();
void slowlog_shmem_startup();
// Writes the line for a slow execution of key's entry (after it was recorded, so that its texts
// are there), unless pg_perfgate.log_max_per_minute lines were written this minute already.
void slowlog_write(const EntryKey &key, double ms, int64 rows, const pgperfgate::IoUsage &io);

} // namespace pgpf
