// Statistics against published reference values (SciPy's and R's documentation examples) and, where
// no table exists, against properties that a wrong implementation would break (coverage, symmetry).
#include "stats.hpp"

#include <cmath>
#include <random>

#include <gtest/gtest.h>

using namespace perfgate;

namespace
{

// Box-Muller on a fixed engine: std::normal_distribution is implementation-defined, these tests
// must give the same samples everywhere.
struct Normal
{
    std::mt19937_64 rng;
    double next()
    {
        const double u1 = (static_cast<double>(rng() >> 11) + 1) / 9007199254740993.0;
        const double u2 = static_cast<double>(rng() >> 11) / 9007199254740992.0;
        return std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2);
    }
};

} // namespace

TEST(Median, OddEvenAndEmpty)
{
    EXPECT_DOUBLE_EQ(median({3, 1, 2}), 2);
    EXPECT_DOUBLE_EQ(median({4, 1, 3, 2}), 2.5);
    EXPECT_TRUE(std::isnan(median({})));
}

// SciPy's mannwhitneyu example (ages of males and females): U1 = 17; the two-sided p-values are
// 0.1111111111111111 (exact) and 0.11134688653314041 (asymptotic, continuity-corrected), so the
// one-sided ("greater") values are half of those.
TEST(MannWhitney, ScipyReferenceExample)
{
    const std::vector<double> males{19, 22, 16, 29, 24}, females{20, 11, 17, 12};
    const MannWhitney exact = mann_whitney_greater(males, females);
    EXPECT_TRUE(exact.exact);
    EXPECT_DOUBLE_EQ(exact.u, 17);
    EXPECT_NEAR(exact.p, 0.1111111111111111 / 2, 1e-12);

    const MannWhitney approx = mann_whitney_greater(males, females, PMethod::asymptotic);
    EXPECT_FALSE(approx.exact);
    EXPECT_DOUBLE_EQ(approx.u, 17);
    EXPECT_NEAR(approx.p, 0.11134688653314041 / 2, 1e-9);
}

// R's wilcox.test example (Hollander & Wolfe, permeability of the placental membrane):
// wilcox.test(x, y, alternative = "g") gives W = 35, p-value = 0.1272 (exact).
TEST(MannWhitney, RReferenceExample)
{
    const std::vector<double> x{0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46};
    const std::vector<double> y{1.15, 0.88, 0.90, 0.74, 1.21};
    const MannWhitney r = mann_whitney_greater(x, y);
    EXPECT_TRUE(r.exact);
    EXPECT_DOUBLE_EQ(r.u, 35);
    EXPECT_NEAR(r.p, 0.1272, 5e-5);
}

TEST(MannWhitney, DirectionMattersAndTailsAddUp)
{
    const std::vector<double> a{5, 6, 7, 8, 9, 10}, b{1, 2, 3, 4, 5.5, 6.5};
    const MannWhitney ab = mann_whitney_greater(a, b), ba = mann_whitney_greater(b, a);
    EXPECT_LT(ab.p, 0.05);
    EXPECT_GT(ba.p, 0.9);
    // Exact, continuous: P(U >= u) + P(U <= u - 1) = 1 and U_a + U_b = n1 * n2.
    EXPECT_DOUBLE_EQ(ab.u + ba.u, 36);
}

TEST(MannWhitney, TiesUseTheCorrectedNormalApproximation)
{
    const std::vector<double> a{1, 2, 2, 3, 3, 3}, b{1, 1, 2, 2, 3, 4};
    const MannWhitney r = mann_whitney_greater(a, b);
    EXPECT_FALSE(r.exact);
    // Hand computation: mid-ranks 2 (the 1s), 5.5 (the 2s), 9.5 (the 3s) give a rank sum of 41.5 for
    // `a`, so U_a = 41.5 - 21 = 20.5; tie groups of 3, 4 and 4 give
    // sigma^2 = 36/12 * (13 - (24 + 60 + 60) / 132), and z = (20.5 - 18 - 0.5) / sigma.
    EXPECT_DOUBLE_EQ(r.u, 20.5);
    EXPECT_NEAR(r.z, 2.0 / std::sqrt(3.0 * (13 - 144.0 / 132)), 1e-12);
    const MannWhitney same = mann_whitney_greater({2, 2, 2}, {2, 2, 2});
    EXPECT_DOUBLE_EQ(same.p, 1);
}

TEST(NormalQuantile, InvertsTheCdf)
{
    EXPECT_NEAR(normal_quantile(0.975), 1.959963984540054, 1e-9);
    EXPECT_NEAR(normal_quantile(0.99), 2.326347874040841, 1e-9);
    EXPECT_NEAR(normal_cdf(normal_quantile(0.3)), 0.3, 1e-12);
}

TEST(RatioInterval, ExactScalingIsRecoveredSymmetrically)
{
    std::vector<double> base, twice;
    for (int i = 1; i <= 12; ++i)
    {
        base.push_back(i);
        twice.push_back(2.0 * i);
    }
    const RatioInterval ci = ratio_interval(twice, base, 0.95);
    EXPECT_NEAR(ci.estimate, 2.0, 1e-12);
    EXPECT_LT(ci.lower, 2.0);
    EXPECT_GT(ci.upper, 2.0);
    EXPECT_NEAR(ci.lower * ci.upper, 4.0, 1e-9); // symmetric around log 2
}

TEST(RatioInterval, OrderStatisticsOfPairwiseRatios)
{
    // 3 x 3 = 9 pairwise log ratios; at 50% confidence k = floor(4.5 - 0.6745 * sqrt(9 * 7 / 12)) = 2,
    // so the interval is the 2nd and 8th smallest ratios.
    const std::vector<double> a{2, 4, 8}, b{1, 2, 4};
    const RatioInterval ci = ratio_interval(a, b, 0.5);
    // ratios: 2,1,.5, 4,2,1, 8,4,2 -> sorted .5 1 1 2 2 2 4 4 8
    EXPECT_NEAR(ci.estimate, 2, 1e-12);
    EXPECT_NEAR(ci.lower, 1, 1e-12);
    EXPECT_NEAR(ci.upper, 4, 1e-12);
}

TEST(RatioInterval, CoverageMatchesTheConfidenceLevel)
{
    Normal normal{std::mt19937_64{42}};
    int covered = 0;
    const int trials = 400;
    for (int t = 0; t < trials; ++t)
    {
        std::vector<double> a, b;
        for (int i = 0; i < 12; ++i)
        {
            b.push_back(std::exp(0.2 * normal.next()));
            a.push_back(1.5 * std::exp(0.2 * normal.next()));
        }
        const RatioInterval ci = ratio_interval(a, b, 0.95);
        covered += ci.lower <= 1.5 && 1.5 <= ci.upper;
    }
    EXPECT_GE(covered, trials * 90 / 100);
    EXPECT_LE(covered, trials * 99 / 100);
}

// The gate's latency rule on simulated identical runs: p < 0.01 AND the 98% interval wholly above
// 1.10 must fire far less than 1% of the time, and must fire on a real 50% slowdown.
TEST(LatencyRule, FalseAlarmsAreRareAndRealSlowdownsAreCaught)
{
    Normal normal{std::mt19937_64{7}};
    auto flagged = [&](double factor)
    {
        std::vector<double> base, cur;
        for (int i = 0; i < 12; ++i)
        {
            base.push_back(std::exp(0.15 * normal.next()));
            cur.push_back(factor * std::exp(0.15 * normal.next()));
        }
        return mann_whitney_greater(cur, base).p < 0.01 && ratio_interval(cur, base, 0.98).lower > 1.10;
    };
    int false_alarms = 0, caught = 0;
    for (int t = 0; t < 2000; ++t)
        false_alarms += flagged(1.0);
    for (int t = 0; t < 500; ++t)
        caught += flagged(1.5);
    EXPECT_LE(false_alarms, 20); // < 1%
    EXPECT_GE(caught, 450);      // > 90% power at a 50% slowdown with 12 samples a side
}
