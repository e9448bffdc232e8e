// The histogram's documented promise: every percentile within 6.25% of the exact nearest-rank value.
#include "histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <vector>

using pgpf::Histogram;

namespace
{

double exact_quantile(std::vector<uint64_t> v, double q)
{
    std::sort(v.begin(), v.end());
    size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
    if (rank == 0)
        rank = 1;
    return static_cast<double>(v[rank - 1]);
}

std::unique_ptr<Histogram> make()
{
    auto h = std::make_unique<Histogram>();
    h->clear();
    return h;
}

void check_bound(const std::vector<uint64_t> &values)
{
    auto h = make();
    for (auto v : values)
        h->record(v);
    for (double q : {0.01, 0.1, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0})
    {
        const double exact = exact_quantile(values, q);
        const double got = h->quantile(q);
        if (exact < Histogram::kLinear)
            EXPECT_LE(std::fabs(got - exact), 0.5) << "q=" << q;
        else
            EXPECT_LE(std::fabs(got - exact) / exact, Histogram::kMaxRelativeError)
                << "q=" << q << " exact=" << exact;
    }
}

} // namespace

TEST(Histogram, BucketsAreContiguousAndWithinBound)
{
    for (int b = 1; b < Histogram::kBuckets; b++)
        EXPECT_DOUBLE_EQ(Histogram::bucket_low(b),
                         Histogram::bucket_low(b - 1) + Histogram::bucket_width(b - 1))
            << "bucket " << b;
    for (int b = Histogram::kLinear; b < Histogram::kBuckets; b++)
        EXPECT_LE(Histogram::bucket_width(b) / 2 / Histogram::bucket_low(b), Histogram::kMaxRelativeError);
}

TEST(Histogram, EveryValueLandsInItsBucket)
{
    std::mt19937_64 rng(7);
    for (int i = 0; i < 100000; i++)
    {
        const uint64_t v = rng() >> (rng() % 64);
        const int b = Histogram::bucket_of(v);
        ASSERT_GE(b, 0);
        ASSERT_LT(b, Histogram::kBuckets);
        if (b == Histogram::kBuckets - 1)
            continue; // the overflow bucket
        ASSERT_GE(static_cast<double>(v), Histogram::bucket_low(b));
        ASSERT_LT(static_cast<double>(v), Histogram::bucket_low(b) + Histogram::bucket_width(b));
    }
}

TEST(Histogram, PercentileErrorBoundOnLogNormalLatencies)
{
    std::mt19937_64 rng(42);
    std::lognormal_distribution<double> d(std::log(50000.0), 1.2); // around 50 us, long tail
    std::vector<uint64_t> v;
    for (int i = 0; i < 200000; i++)
        v.push_back(static_cast<uint64_t>(d(rng)));
    check_bound(v);
}

TEST(Histogram, PercentileErrorBoundOnBimodalAndTinyValues)
{
    std::mt19937_64 rng(1);
    std::vector<uint64_t> v;
    for (int i = 0; i < 50000; i++)
        v.push_back(i % 10 == 0 ? 30000000 + rng() % 1000000 : 3 + rng() % 40);
    check_bound(v);
}

TEST(Histogram, EmptyAndSingle)
{
    auto h = make();
    EXPECT_EQ(h->quantile(0.5), 0.0);
    h->record(1000000);
    EXPECT_NEAR(h->quantile(0.5), 1000000.0, 1000000.0 * Histogram::kMaxRelativeError);
    EXPECT_EQ(h->total(), 1u);
}

TEST(Histogram, OverflowHalvesAndKeepsPercentiles)
{
    auto h = make();
    // Drive one bucket to the 32-bit limit through merges instead of four billion records.
    auto big = make();
    for (int i = 0; i < 1000; i++)
        big->record(100);
    for (int i = 0; i < 3000; i++)
        big->record(100000);
    const double p50 = big->quantile(0.5);
    for (int i = 0; i < 23; i++) // 4000 * 2^23 > 2^32
        big->merge(*big);
    EXPECT_LE(big->total(), uint64_t{5} * UINT32_MAX);
    EXPECT_DOUBLE_EQ(big->quantile(0.5), p50);
    EXPECT_LT(big->quantile(0.2), 1000.0);
    h->merge(*big);
    EXPECT_DOUBLE_EQ(h->quantile(0.5), p50);
}

// Regression: merge() halved its own counts when it met the first overflowing bucket, then added the
// later buckets of the other histogram at full weight, skewing every percentile above that bucket.
TEST(Histogram, MergeThatOverflowsHalvesEveryBucketAlike)
{
    auto big = make();
    for (int i = 0; i < 4; i++)
        big->record(100); // an early bucket, driven to 2^31 by doubling (it halves at 2^32)
    for (int i = 0; i < 31; i++)
        big->merge(*big);
    const int low = pgpf::Histogram::bucket_of(100);
    ASSERT_EQ(big->count(low), uint32_t{1} << 31);
    auto other = make();
    *other = *big;
    for (int i = 0; i < 1000; i++)
        other->record(1000000); // a later bucket
    const int high = pgpf::Histogram::bucket_of(1000000);
    ASSERT_GT(high, low);
    big->merge(*other); // the early bucket overflows: both sides are halved
    EXPECT_EQ(big->count(low), uint32_t{1} << 31);
    EXPECT_EQ(big->count(high), 500u) << "later buckets must be halved like the earlier ones";
}

TEST(Histogram, MergeEqualsRecordingBoth)
{
    auto a = make(), b = make(), both = make();
    for (uint64_t v = 1; v < 100000; v += 97)
    {
        (v % 2 ? a : b)->record(v);
        both->record(v);
    }
    a->merge(*b);
    for (double q : {0.1, 0.5, 0.99})
        EXPECT_DOUBLE_EQ(a->quantile(q), both->quantile(q));
}
