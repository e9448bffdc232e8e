// Latency histograms with a bounded relative error, PG-free: one template, two layouts.
//
// Values are nanoseconds. Buckets are log-linear: 2^SubBits equal-width buckets per power of two from
// 2^MinExp up to 2^MaxExp, so a bucket [lo, lo + w) has w <= lo / 2^SubBits, and a value reported
// as its bucket's midpoint is within w / 2 <= lo / 2^(SubBits + 1) of any value in the bucket. Below
// 2^MinExp: one bucket per nanosecond (LinearBelow) or one bucket for all. At 2^MaxExp or more: the
// last bucket, which is a bucket of its own (OwnTop) or shared with the top of the range below.
// When a count would overflow, all counts are halved first, which keeps every percentile where it was.
// Trivially copyable, so that it can live in shared memory.
//
//  - Histogram, the since-reset one of each statement entry: 8 buckets per power of two, one per ns
//    below 16 ns, 32-bit counts, up to 2^42 ns (about 73 minutes): every percentile within 6.25%
//    (0.5 ns below 16 ns).
//  - WindowHistogram, the coarser one of each recent bucket (window.hpp): 4 buckets per power of two
//    from 1,024 ns (faster runs share the first bucket) to 2^38 ns (about 4.6 minutes; slower ones share
//    the last), 16-bit counts: within 12.5%.
#pragma once

#include <cstdint>
#include <limits>
#include <type_traits>

namespace pgpf
{

template <typename Count, int SubBits, int MinExp, int MaxExp, bool LinearBelow, bool OwnTop>
class LogHistogram
{
  public:
    static constexpr int kSubBits = SubBits;
    static constexpr int kSub = 1 << SubBits;
    static constexpr int kMinExp = MinExp;
    static constexpr int kMaxExp = MaxExp;
    // The one-nanosecond buckets below 2^MinExp (none unless LinearBelow), and all below it.
    static constexpr int kLinear = LinearBelow ? 1 << MinExp : 0;
    static constexpr int kFirst = LinearBelow ? kLinear : 1;
    static constexpr int kBuckets = kFirst + (MaxExp - MinExp) * kSub + (OwnTop ? 1 : 0);
    static constexpr double kMaxRelativeError = 1.0 / (2 * kSub);

    void clear();
    void record(uint64_t ns) { record_bucket(bucket_of(ns)); }
    // Records one value whose bucket_of() the caller has already worked out.
    void record_bucket(int b)
    {
        if (counts_[b] == std::numeric_limits<Count>::max())
            halve();
        counts_[b]++;
    }
    void merge(const LogHistogram &other);
    // Records `count` values of ns at once (halving every count first when one would overflow).
    void record_n(uint64_t ns, uint32_t count);
    uint64_t total() const;
    // The q-quantile (0 < q <= 1) in nanoseconds: its bucket's midpoint; 0 when empty.
    double quantile(double q) const;

    static int bucket_of(uint64_t ns)
    {
        if (ns < (uint64_t{1} << MinExp))
            return LinearBelow ? static_cast<int>(ns) : 0;
        const int e = 63 - __builtin_clzll(ns);
        if (e >= MaxExp)
            return kBuckets - 1;
        const int m = static_cast<int>(ns >> (e - SubBits)) - kSub; // 0 .. kSub - 1
        return kFirst + (e - MinExp) * kSub + m;
    }
    static double bucket_low(int b);
    static double bucket_width(int b);
    // What a value in bucket b is reported as: the bucket's midpoint; a one-nanosecond bucket's
    // value itself; the shared first bucket's half of 2^MinExp; a top bucket of its own: 2^MaxExp.
    static double midpoint(int b);
    uint32_t count(int b) const { return counts_[b]; }
    void halve();

  private:
    Count counts_[kBuckets];
};

using Histogram = LogHistogram<uint32_t, 3, 4, 42, true, false>;
using WindowHistogram = LogHistogram<uint16_t, 2, 10, 38, false, true>;
extern template class LogHistogram<uint32_t, 3, 4, 42, true, false>;
extern template class LogHistogram<uint16_t, 2, 10, 38, false, true>;

// WindowHistogram's bucket of a value, from its Histogram bucket: every Histogram bucket lies within
// one WindowHistogram bucket (both split each power of two evenly, the window's into fewer parts, and
// the window's first and last buckets begin and end at a power of two), so one table look-up replaces
// the second bucket_of() of an execution recorded into both.
struct WindowBucketTable
{
    uint8_t of[Histogram::kBuckets];
    constexpr WindowBucketTable() : of()
    {
        for (int b = 0; b < Histogram::kBuckets; b++)
        {
            int w = 0;
            if (b < Histogram::kFirst)
                w = 0; // below 16 ns
            else
            {
                const int e = (b - Histogram::kFirst) / Histogram::kSub + Histogram::kMinExp;
                const int m = (b - Histogram::kFirst) % Histogram::kSub; // 0 .. 7
                if (e < WindowHistogram::kMinExp)
                    w = 0;
                else if (e >= WindowHistogram::kMaxExp)
                    w = WindowHistogram::kBuckets - 1;
                else
                    w = WindowHistogram::kFirst + (e - WindowHistogram::kMinExp) * WindowHistogram::kSub +
                        (m >> (Histogram::kSubBits - WindowHistogram::kSubBits));
            }
            of[b] = static_cast<uint8_t>(w);
        }
    }
};
inline constexpr WindowBucketTable kWindowBucketOf{};
static_assert(WindowHistogram::kBuckets <= 256 && Histogram::kMaxExp > WindowHistogram::kMaxExp &&
                  Histogram::kSubBits >= WindowHistogram::kSubBits,
              "the table's assumptions");

static_assert(std::is_trivially_copyable_v<Histogram>, "Histogram lives in shared memory");
static_assert(std::is_trivially_copyable_v<WindowHistogram>, "WindowHistogram lives in shared memory");
static_assert(Histogram::kBuckets == 320 && WindowHistogram::kBuckets == 114, "the saved layouts");

} // namespace pgpf
