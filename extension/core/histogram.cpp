// Histogram bucket arithmetic and percentile extraction; see histogram.hpp for the error bound.
#include "histogram.hpp"

#include <cstring>

namespace pgpf
{

void Histogram::clear()
{
    std::memset(counts_, 0, sizeof(counts_));
}

void Histogram::halve()
{
    for (auto &c : counts_)
        c >>= 1;
}

void Histogram::merge(const Histogram &other)
{
    // When any bucket would overflow, both sides are halved for every bucket before anything is
    // added, so that all buckets keep the same weight (halving midway would add the later buckets
    // of `other` at full weight against halved earlier ones).
    bool overflow = false;
    for (int b = 0; b < kBuckets && !overflow; b++)
        overflow = static_cast<uint64_t>(counts_[b]) + other.counts_[b] > UINT32_MAX;
    if (&other == this) // doubling, or doubling then halving when that would overflow
    {
        if (!overflow)
            for (auto &c : counts_)
                c <<= 1;
        return;
    }
    const int shift = overflow ? 1 : 0;
    if (overflow)
        halve();
    for (int b = 0; b < kBuckets; b++)
        counts_[b] += other.counts_[b] >> shift;
}

void Histogram::record_n(uint64_t ns, uint32_t count)
{
    const int b = bucket_of(ns);
    while (static_cast<uint64_t>(counts_[b]) + count > UINT32_MAX)
    {
        halve();
        count >>= 1;
    }
    counts_[b] += count;
}

uint64_t Histogram::total() const
{
    uint64_t t = 0;
    for (auto c : counts_)
        t += c;
    return t;
}

double Histogram::bucket_low(int b)
{
    if (b < kLinear)
        return b;
    const int e = b / kSub + kSubBits - 1;
    const int m = b % kSub + kSub;
    return static_cast<double>(static_cast<uint64_t>(m) << (e - kSubBits));
}

double Histogram::bucket_width(int b)
{
    if (b < kLinear)
        return 1.0;
    const int e = b / kSub + kSubBits - 1;
    return static_cast<double>(uint64_t{1} << (e - kSubBits));
}

double Histogram::quantile(double q) const
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
            return b < kLinear ? bucket_low(b) : bucket_low(b) + bucket_width(b) / 2;
    }
    return bucket_low(kBuckets - 1);
}

} // namespace pgpf
