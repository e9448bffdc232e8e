// Latency histogram with a bounded relative error, PG-free.
//
// Values are nanoseconds. Buckets are log-linear: below 16 ns one bucket per nanosecond, above that
// eight equal-width buckets per power of two, so a bucket [lo, lo + w) has w <= lo / 8. A percentile is
// reported as its bucket's midpoint, which is within w / 2 <= lo / 16 of any value in the bucket:
// the relative error of every reported percentile is at most 6.25% (at most 0.5 ns below 16 ns).
// Values of 2^42 ns (about 73 minutes) or more land in the last bucket.
//
// The struct is trivially copyable so that it can live in shared memory. Counts are 32-bit; when one
// would overflow, all counts are halved first, which keeps every percentile where it was.
#pragma once

#include <cstdint>
#include <type_traits>

namespace pgpf
{

class Histogram
{
  public:
    static constexpr int kSubBits = 3;
    static constexpr int kSub = 1 << kSubBits;
    static constexpr int kMaxExp = 42;
    static constexpr int kLinear = 2 * kSub;
    static constexpr int kBuckets = (kMaxExp - kSubBits) * kSub + kSub;
    static constexpr double kMaxRelativeError = 1.0 / (2 * kSub);

    void clear();
    void record(uint64_t ns)
    {
        const int b = bucket_of(ns);
        if (counts_[b] == UINT32_MAX)
            halve();
        counts_[b]++;
    }
    void merge(const Histogram &other);
    // Records `count` values of ns at once (halving every count first when one would overflow).
    void record_n(uint64_t ns, uint32_t count);
    uint64_t total() const;
    // The q-quantile (0 < q <= 1) in nanoseconds; 0 when empty.
    double quantile(double q) const;

    static int bucket_of(uint64_t ns)
    {
        if (ns < static_cast<uint64_t>(kLinear))
            return static_cast<int>(ns);
        const int e = 63 - __builtin_clzll(ns);
        if (e >= kMaxExp)
            return kBuckets - 1;
        const int m = static_cast<int>(ns >> (e - kSubBits));
        return (e - kSubBits) * kSub + m;
    }
    static double bucket_low(int b);
    static double bucket_width(int b);
    uint32_t count(int b) const { return counts_[b]; }

  private:
    void halve();
    uint32_t counts_[kBuckets];
};

static_assert(std::is_trivially_copyable_v<Histogram>, "Histogram lives in shared memory");

} // namespace pgpf
