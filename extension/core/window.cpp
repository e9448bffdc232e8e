// Recent windows: summing a ring of buckets and restoring saved ones (window.hpp).
#include "window.hpp"

#include "histogram.hpp"

namespace pgpf
{

int64_t window_sum(const WindowSlot *ring, int n, int64_t first, int64_t last, Counters *out, Histogram *hist)
{
    int64_t calls = 0;
    for (int i = 0; i < n; i++)
    {
        const WindowSlot &w = ring[i];
        if (w.bucket == 0 || w.bucket < first || w.bucket > last || w.calls == 0)
            continue;
        TimeStats &t = out->exec;
        if (t.n == 0 || w.min_ms < t.min)
            t.min = w.min_ms;
        if (t.n == 0 || w.max_ms > t.max)
            t.max = w.max_ms;
        t.n += w.calls;
        t.total += w.total_ms;
        t.mean = t.total / static_cast<double>(t.n);
        out->rows += w.rows;
        out->io.shared_blks_hit += w.shared_blks_hit;
        out->io.shared_blks_read += w.shared_blks_read;
        out->io.shared_blks_dirtied += w.shared_blks_dirtied;
        out->io.shared_blks_written += w.shared_blks_written;
        out->io.local_blks_hit += w.local_blks_hit;
        out->io.local_blks_read += w.local_blks_read;
        out->io.temp_blks_read += w.temp_blks_read;
        out->io.temp_blks_written += w.temp_blks_written;
        out->io.wal_bytes += w.wal_bytes;
        for (int b = 0; b < WindowHistogram::kBuckets; b++)
            if (w.hist.count(b) > 0)
                hist->record_n(static_cast<uint64_t>(WindowHistogram::midpoint(b)), w.hist.count(b));
        calls += w.calls;
    }
    return calls;
}

void window_restore(WindowSlot *ring, int n, const WindowSlot &saved, int64_t first, int64_t last)
{
    if (n <= 0 || saved.bucket == 0 || saved.bucket < first || saved.bucket > last)
        return;
    WindowSlot &w = ring[saved.bucket % n];
    if (w.bucket < saved.bucket)
        w = saved;
}

} // namespace pgpf
