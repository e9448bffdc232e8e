// Growth exponent fit and classification on synthetic cost curves with known growth.
#include "growth.hpp"

#include <cmath>

#include <gtest/gtest.h>

using namespace perfgate;

namespace
{
const std::vector<std::int64_t> sizes{10, 100, 1000, 10000, 100000};

std::vector<double> curve(double (*f)(double))
{
    std::vector<double> v;
    for (auto n : sizes)
        v.push_back(f(static_cast<double>(n)));
    return v;
}
} // namespace

TEST(Growth, ConstantCost)
{
    const Growth g = fit_growth(sizes, curve([](double) { return 0.2; }));
    EXPECT_NEAR(g.exponent, 0, 1e-12);
    EXPECT_EQ(g.cls, GrowthClass::constant);
}

TEST(Growth, LinearCostEvenWithAFixedOverhead)
{
    const Growth pure = fit_growth(sizes, curve([](double n) { return 3 * n; }));
    EXPECT_NEAR(pure.exponent, 1, 1e-12);
    EXPECT_EQ(pure.cls, GrowthClass::linear);
    // A 0.1 ms round trip plus 0.1 us per row: the overhead dominates the small sizes, which is why
    // the fit only looks at the larger half.
    const Growth offset = fit_growth(sizes, curve([](double n) { return 0.1 + 1e-4 * n; }));
    EXPECT_EQ(offset.cls, GrowthClass::linear);
    EXPECT_GT(offset.exponent, 0.75);
}

TEST(Growth, LogarithmicCost)
{
    const Growth g = fit_growth(sizes, curve([](double n) { return std::log(n); }));
    EXPECT_EQ(g.cls, GrowthClass::logarithmic);
    EXPECT_GT(g.exponent, 0.1);
    EXPECT_LT(g.exponent, 0.3);
}

TEST(Growth, QuadraticCost)
{
    const Growth g = fit_growth(sizes, curve([](double n) { return n * n; }));
    EXPECT_NEAR(g.exponent, 2, 1e-9);
    EXPECT_EQ(g.cls, GrowthClass::superlinear);
}

TEST(Growth, TooFewPointsIsUnknown)
{
    EXPECT_EQ(fit_growth({100}, {1.0}).cls, GrowthClass::unknown);
    EXPECT_EQ(fit_growth({10, 100}, {0.0, 0.0}).cls, GrowthClass::unknown); // non-positive values are skipped
    EXPECT_EQ(fit_growth({10, 100}, {1.0, 10.0}).cls, GrowthClass::linear);
}

TEST(Growth, ClassBoundaries)
{
    EXPECT_EQ(classify_exponent(0.05), GrowthClass::constant);
    EXPECT_EQ(classify_exponent(0.3), GrowthClass::logarithmic);
    EXPECT_EQ(classify_exponent(0.9), GrowthClass::linear);
    EXPECT_EQ(classify_exponent(1.9), GrowthClass::superlinear);
    EXPECT_EQ(to_string(GrowthClass::linear), "linear");
}
