// Histogram bucket arithmetic and percentile extraction; see histogram.hpp for the error bound.
#include "histogram.hpp"

#include <cstring>

namespace pgpf
{

#define PGPF_LOG_HISTOGRAM                                                                                   \
    template <typename Count, int SubBits, int MinExp, int MaxExp, bool LinearBelow, bool OwnTop>
#define PGPF_LOG_HISTOGRAM_T LogHistogram<Count, SubBits, MinExp, MaxExp, LinearBelow, OwnTop>

PGPF_LOG_HISTOGRAM void PGPF_LOG_HISTOGRAM_T::clear()
{
    std::memset(counts_, 0, sizeof(counts_));
}

PGPF_LOG_HISTOGRAM void PGPF_LOG_HISTOGRAM_T::halve()
{
    for (auto &c : counts_)
        c = static_cast<Count>(c >> 1);
}

PGPF_LOG_HISTOGRAM void PGPF_LOG_HISTOGRAM_T::merge(const LogHistogram &other)
{
    constexpr uint64_t kMax = std::numeric_limits<Count>::max();
    // When any bucket would overflow, both sides are halved for every bucket before anything is
    // added, so that all buckets keep the same weight (halving midway would add the later buckets
    // of `other` at full weight against halved earlier ones).
    bool overflow = false;
    for (int b = 0; b < kBuckets && !overflow; b++)
        overflow = static_cast<uint64_t>(counts_[b]) + other.counts_[b] > kMax;
    if (&other == this) // doubling, or doubling then halving when that would overflow
    {
        if (!overflow)
            for (auto &c : counts_)
                c = static_cast<Count>(c << 1);
        return;
    }
    const int shift = overflow ? 1 : 0;
    if (overflow)
        halve();
    for (int b = 0; b < kBuckets; b++)
        counts_[b] = static_cast<Count>(counts_[b] + (other.counts_[b] >> shift));
}

PGPF_LOG_HISTOGRAM void PGPF_LOG_HISTOGRAM_T::record_n(uint64_t ns, uint32_t count)
{
    constexpr uint64_t kMax = std::numeric_limits<Count>::max();
    const int b = bucket_of(ns);
    while (static_cast<uint64_t>(counts_[b]) + count > kMax)
    {
        halve();
        count >>= 1;
    }
    counts_[b] = static_cast<Count>(counts_[b] + count);
}

PGPF_LOG_HISTOGRAM uint64_t PGPF_LOG_HISTOGRAM_T::total() const
{
    uint64_t t = 0;
    for (auto c : counts_)
        t += c;
    return t;
}

PGPF_LOG_HISTOGRAM double PGPF_LOG_HISTOGRAM_T::bucket_low(int b)
{
    if (b < kFirst)
        return LinearBelow ? b : 0.0;
    if (OwnTop && b >= kBuckets - 1)
        return static_cast<double>(uint64_t{1} << MaxExp);
    const int e = (b - kFirst) / kSub + MinExp;
    const int m = (b - kFirst) % kSub + kSub;
    return static_cast<double>(static_cast<uint64_t>(m) << (e - SubBits));
}

PGPF_LOG_HISTOGRAM double PGPF_LOG_HISTOGRAM_T::bucket_width(int b)
{
    if (b < kFirst)
        return LinearBelow ? 1.0 : static_cast<double>(uint64_t{1} << MinExp);
    if (OwnTop && b >= kBuckets - 1)
        return 0.0; // unbounded
    const int e = (b - kFirst) / kSub + MinExp;
    return static_cast<double>(uint64_t{1} << (e - SubBits));
}

PGPF_LOG_HISTOGRAM double PGPF_LOG_HISTOGRAM_T::midpoint(int b)
{
    if (b < kFirst)
        return LinearBelow ? b : static_cast<double>(uint64_t{1} << MinExp) / 2;
    if (OwnTop && b >= kBuckets - 1)
        return static_cast<double>(uint64_t{1} << MaxExp);
    return bucket_low(b) + bucket_width(b) / 2;
}

PGPF_LOG_HISTOGRAM double PGPF_LOG_HISTOGRAM_T::quantile(double q) const
{
    const uint64_t n = total();
    if (n == 0)
        return 0.0;
    if (q <= 0.0)
        q = 1e-12;
    if (q > 1.0)
        q = 1.0;
    // Nearest-rank definition: the smallest value with at least q * n values at or below it.
    uint64_t rank = static_cast<uint64_t>(q * static_cast<double>(n));
    if (static_cast<double>(rank) < q * static_cast<double>(n))
        rank++;
    if (rank == 0)
        rank = 1;
    uint64_t seen = 0;
    for (int b = 0; b < kBuckets; b++)
    {
        seen += counts_[b];
        if (seen >= rank)
            return midpoint(b);
    }
    return bucket_low(kBuckets - 1);
}

template class LogHistogram<uint32_t, 3, 4, 42, true, false>;
template class LogHistogram<uint16_t, 2, 10, 38, false, true>;

} // namespace pgpf
