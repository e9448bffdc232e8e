// PG-free statistics for the latency gate: medians, the one-sided Mann-Whitney U test and a
// Hodges-Lehmann confidence interval for the ratio of medians. No libpq, no I/O: unit-tested against
// published reference values (tests/test_stats.cpp).
#pragma once

#include <cstddef>
#include <vector>

namespace perfgate
{

double median(std::vector<double> values); // NaN for an empty sample

struct MannWhitney
{
    double u = 0;       // U statistic of the first sample: pairs (a > b) plus half the ties
    double z = 0;       // normal approximation (continuity- and tie-corrected); 0 when exact
    double p = 1;       // one-sided p-value for "a is stochastically greater than b"
    bool exact = false; // p from the exact null distribution (small samples without ties)
};

enum class PMethod
{
    automatic,  // exact for n1*n2 <= 2500 without ties, else asymptotic
    asymptotic, // normal approximation with tie and continuity correction
};

// One-sided test that sample `a` tends to be larger than sample `b`.
MannWhitney mann_whitney_greater(const std::vector<double> &a, const std::vector<double> &b,
                                 PMethod method = PMethod::automatic);

struct RatioInterval
{
    double estimate = 1; // Hodges-Lehmann estimate of median(a)/median(b): exp(median of log(a_j/b_i))
    double lower = 0;
    double upper = 0;
    double confidence = 0.95;
};

// Two-sided `confidence` interval of the ratio a/b, from the order statistics of all pairwise log
// ratios (the interval that inverts the Mann-Whitney test). All values must be > 0.
RatioInterval ratio_interval(const std::vector<double> &a, const std::vector<double> &b, double confidence);

double normal_cdf(double z);
double normal_quantile(double p);

} // namespace perfgate
