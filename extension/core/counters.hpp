// Per-entry statistics, PG-free: the pg_stat_statements counters plus timing moments.
//
// Everything here is trivially copyable (it lives in shared memory) and updated by the caller under
// the entry's lock. Times are milliseconds; the variance uses Welford's method so that it stays exact
// over billions of calls, and two sets merge with Chan's formula (for views that sum over plans).
#pragma once

#include <cstdint>
#include <limits>
#include <type_traits>

namespace pgpf
{

struct TimeStats
{
    int64_t n;
    double total;
    double min;
    double max;
    double mean;
    double m2; // sum of squared deviations from the mean

    void add(double ms)
    {
        if (n == 0)
        {
            min = max = ms;
        }
        else
        {
            if (ms < min)
                min = ms;
            if (ms > max)
                max = ms;
        }
        n++;
        total += ms;
        const double old_mean = mean;
        mean += (ms - old_mean) / static_cast<double>(n);
        m2 += (ms - old_mean) * (ms - mean);
    }
    void merge(const TimeStats &o);
    // Starts min and max afresh (pg_stat_statements_reset(..., minmax_only)): the next value sets
    // both, with no test on the hot path.
    void reset_minmax()
    {
        min = std::numeric_limits<double>::infinity();
        max = -std::numeric_limits<double>::infinity();
    }
    // Whether min and max describe a value (not so before the first one after reset_minmax()).
    bool has_minmax() const { return n > 0 && min <= max; }
    // Population standard deviation, as pg_stat_statements reports it.
    double stddev() const;
};

// Block and WAL usage of one execution or planning, as deltas, and the parallel workers of an
// execution. Some exist on later PostgreSQL majors only and stay 0 before: local_blk_*_time (17;
// until 16 blk_*_time covers local blocks too), wal_buffers_full and parallel_workers_* (18).
struct IoUsage
{
    int64_t shared_blks_hit, shared_blks_read, shared_blks_dirtied, shared_blks_written;
    int64_t local_blks_hit, local_blks_read, local_blks_dirtied, local_blks_written;
    int64_t temp_blks_read, temp_blks_written;
    double blk_read_time, blk_write_time, temp_blk_read_time, temp_blk_write_time; // ms
    int64_t wal_records, wal_fpi;
    uint64_t wal_bytes;
    double local_blk_read_time, local_blk_write_time; // ms
    int64_t wal_buffers_full;
    int64_t parallel_workers_to_launch, parallel_workers_launched;

    // Inline: it runs under an entry's spinlock on every recorded statement. rest: whether o may
    // have anything in the fields only some servers fill (the I/O times, with track_io_timing;
    // wal_buffers_full and the parallel workers, from 18 on); without, they are not read.
    // more: whether o may have anything in the local, temp and WAL counters (more_of() says);
    // false spares adding them (the usage of a statement on ordinary tables that writes nothing).
    void add(const IoUsage &o, bool rest = true, bool more = true)
    {
        shared_blks_hit += o.shared_blks_hit;
        shared_blks_read += o.shared_blks_read;
        shared_blks_dirtied += o.shared_blks_dirtied;
        shared_blks_written += o.shared_blks_written;
        if (more)
            add_more(o);
        if (rest)
            add_rest(o);
    }
    // Whether anything is set among the local, temp and WAL counters add() adds (its `more`).
    bool more_of() const
    {
        return (local_blks_hit | local_blks_read | local_blks_dirtied | local_blks_written | temp_blks_read |
                temp_blks_written | wal_records | wal_fpi | int64_t(wal_bytes)) != 0;
    }
    void add_more(const IoUsage &o)
    {
        local_blks_hit += o.local_blks_hit;
        local_blks_read += o.local_blks_read;
        local_blks_dirtied += o.local_blks_dirtied;
        local_blks_written += o.local_blks_written;
        temp_blks_read += o.temp_blks_read;
        temp_blks_written += o.temp_blks_written;
        wal_records += o.wal_records;
        wal_fpi += o.wal_fpi;
        wal_bytes += o.wal_bytes;
    }
    void add_rest(const IoUsage &o)
    {
        blk_read_time += o.blk_read_time;
        blk_write_time += o.blk_write_time;
        temp_blk_read_time += o.temp_blk_read_time;
        temp_blk_write_time += o.temp_blk_write_time;
        local_blk_read_time += o.local_blk_read_time;
        local_blk_write_time += o.local_blk_write_time;
        wal_buffers_full += o.wal_buffers_full;
        parallel_workers_to_launch += o.parallel_workers_to_launch;
        parallel_workers_launched += o.parallel_workers_launched;
    }
};

// JIT compilation of one execution, as pg_stat_statements 1.10 counts it: functions compiled and,
// per phase, the executions that spent time in it and that time (ms). Deforming is counted apart
// from 17 on (pg_stat_statements 1.11); before, its time is part of the generation time.
struct JitUsage
{
    int64_t functions;
    double generation_time;
    int64_t inlining_count;
    double inlining_time;
    int64_t optimization_count;
    double optimization_time;
    int64_t emission_count;
    double emission_time;
    int64_t deform_count;
    double deform_time;

    void add(const JitUsage &o);
};

struct Counters
{
    TimeStats exec;
    TimeStats plan;
    int64_t rows;
    IoUsage io;
    int64_t first_seen; // microseconds, in the caller's epoch
    int64_t last_seen;
    JitUsage jit;

    // io_rest, io_more: as IoUsage::add()'s rest and more.
    // Inline: the store's hit path (a statement's whole update under its entry's spinlock).
    __attribute__((always_inline)) void add_execution(double ms, int64_t nrows, const IoUsage &usage,
                                                      int64_t now, bool io_rest = true, bool io_more = true)
    {
        exec.add(ms);
        rows += nrows;
        io.add(usage, io_rest, io_more);
        touch(now);
    }
    void add_planning(double ms, const IoUsage &usage, int64_t now, bool io_rest = true)
    {
        plan.add(ms);
        io.add(usage, io_rest);
        touch(now);
    }
    void touch(int64_t now)
    {
        if (first_seen == 0)
            first_seen = now;
        last_seen = now;
    }
    void merge(const Counters &o);
};

static_assert(std::is_trivially_copyable_v<Counters>, "Counters live in shared memory");

} // namespace pgpf
