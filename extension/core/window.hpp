// Recent windows, PG-free: what one statement entry did in one interval of time (a bucket), and a
// ring of such buckets per entry, so that the views can sum the last N of them.
//
// A bucket is numbered by its start time divided by the bucket length (so a number names the same
// interval in every backend and after a restart); 0 means empty. A ring of `n` buckets keeps bucket
// b in slot b % n: recording into a slot that still holds an older bucket clears it first, so no
// sweep is ever needed and a slot older than the ring is simply never summed.
//
// The latency histogram of a bucket is WindowHistogram (histogram.hpp): coarser than the
// since-reset one, 16-bit counts. Everything is trivially copyable (it lives in shared memory) and
// updated under the entry's lock by the caller.
#pragma once

#include "counters.hpp"
#include "histogram.hpp"

#include <cstdint>
#include <cstring>
#include <type_traits>

namespace pgpf
{

// One entry's figures in one bucket. Times in ms.
struct WindowSlot
{
    int64_t bucket; // 0: empty
    int64_t calls;
    double total_ms;
    double min_ms;
    double max_ms;
    int64_t rows;
    int64_t shared_blks_hit, shared_blks_read, shared_blks_dirtied, shared_blks_written;
    int64_t local_blks_hit, local_blks_read;
    int64_t temp_blks_read, temp_blks_written;
    uint64_t wal_bytes;
    WindowHistogram hist;

    void add(int64_t b, double ms, uint64_t ns, int64_t nrows, const IoUsage &io)
    {
        add_in(b, ms, WindowHistogram::bucket_of(ns), nrows, io);
    }
    // The same, with the latency's WindowHistogram bucket already worked out (kWindowBucketOf).
    // io_more: as IoUsage::add()'s more (false: nothing in the local, temp and WAL counters).
    void add_in(int64_t b, double ms, int hist_bucket, int64_t nrows, const IoUsage &io, bool io_more = true)
    {
        if (bucket != b)
        {
            std::memset(static_cast<void *>(this), 0, sizeof(*this));
            bucket = b;
            min_ms = ms;
        }
        calls++;
        total_ms += ms;
        if (ms < min_ms)
            min_ms = ms;
        if (ms > max_ms)
            max_ms = ms;
        rows += nrows;
        shared_blks_hit += io.shared_blks_hit;
        shared_blks_read += io.shared_blks_read;
        shared_blks_dirtied += io.shared_blks_dirtied;
        shared_blks_written += io.shared_blks_written;
        if (io_more)
        {
            local_blks_hit += io.local_blks_hit;
            local_blks_read += io.local_blks_read;
            temp_blks_read += io.temp_blks_read;
            temp_blks_written += io.temp_blks_written;
            wal_bytes += io.wal_bytes;
        }
        hist.record_bucket(hist_bucket);
    }
};

static_assert(std::is_trivially_copyable_v<WindowSlot>, "WindowSlot lives in shared memory");

// The sum of an entry's buckets numbered first..last, as since-reset-style counters: exec (calls,
// total, min, max, mean; no variance: m2 stays 0), rows, the I/O kept per bucket. `hist` receives
// the buckets' latencies, each at its bucket's midpoint. Returns the calls summed.
int64_t window_sum(const WindowSlot *ring, int n, int64_t first, int64_t last, Counters *out,
                   Histogram *hist);

// Puts a saved slot into a ring of n slots if its bucket is within first..last and newer than what
// the ring holds there (a ring of another length may map two saved buckets to one slot).
void window_restore(WindowSlot *ring, int n, const WindowSlot &saved, int64_t first, int64_t last);

} // namespace pgpf
