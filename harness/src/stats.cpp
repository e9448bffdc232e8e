// Mann-Whitney U and the Hodges-Lehmann ratio interval. The exact null distribution is counted with
// the classic recurrence over (m, n) rather than enumerated, so n1*n2 up to 2500 stays cheap.
#include "stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace perfgate
{

double median(std::vector<double> v)
{
    if (v.empty())
        return std::numeric_limits<double>::quiet_NaN();
    const std::size_t mid = v.size() / 2;
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
    const double hi = v[mid];
    if (v.size() % 2)
        return hi;
    const double lo = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid));
    return (lo + hi) / 2;
}

double normal_cdf(double z)
{
    return 0.5 * std::erfc(-z / std::sqrt(2.0));
}

double normal_quantile(double p)
{
    if (!(p > 0 && p < 1))
        throw std::invalid_argument("normal_quantile: p must lie in (0, 1)");
    double lo = -40, hi = 40;
    for (int i = 0; i < 200; ++i)
    {
        const double mid = (lo + hi) / 2;
        (normal_cdf(mid) < p ? lo : hi) = mid;
    }
    return (lo + hi) / 2;
}

namespace
{

// P(U >= u) under H0 for sample sizes m and n without ties: counts of arrangements by U value.
double exact_upper_tail(std::size_t m, std::size_t n, double u)
{
    const std::size_t max_u = m * n;
    // freq[i][j][k]: arrangements of i a's and j b's with U = k; computed row by row to keep memory at
    // O(n * m * n).
    std::vector<std::vector<double>> prev(n + 1), cur(n + 1);
    for (std::size_t j = 0; j <= n; ++j)
        prev[j].assign(1, 1.0); // i = 0: U is 0 whatever j is
    for (std::size_t i = 1; i <= m; ++i)
    {
        cur[0].assign(1, 1.0);
        for (std::size_t j = 1; j <= n; ++j)
        {
            // The largest value is an a (adds j to U: it exceeds all j b's) or a b (adds nothing).
            cur[j].assign(i * j + 1, 0.0);
            for (std::size_t k = 0; k < prev[j].size(); ++k)
                cur[j][k + j] += prev[j][k];
            for (std::size_t k = 0; k < cur[j - 1].size(); ++k)
                cur[j][k] += cur[j - 1][k];
        }
        std::swap(prev, cur);
    }
    const auto &dist = prev[n];
    double total = 0, tail = 0;
    for (std::size_t k = 0; k <= max_u; ++k)
    {
        total += dist[k];
        if (static_cast<double>(k) >= u - 1e-9)
            tail += dist[k];
    }
    return tail / total;
}

} // namespace

MannWhitney mann_whitney_greater(const std::vector<double> &a, const std::vector<double> &b, PMethod method)
{
    MannWhitney r;
    const std::size_t n1 = a.size(), n2 = b.size();
    if (n1 == 0 || n2 == 0)
        return r;

    // Mid-ranks of the pooled sample; tie groups feed the variance correction.
    std::vector<std::pair<double, int>> pooled;
    pooled.reserve(n1 + n2);
    for (double x : a)
        pooled.push_back({x, 0});
    for (double x : b)
        pooled.push_back({x, 1});
    std::sort(pooled.begin(), pooled.end(), [](const auto &l, const auto &r) { return l.first < r.first; });
    const double N = static_cast<double>(n1 + n2);
    double rank_sum_a = 0, tie_term = 0;
    bool ties = false;
    for (std::size_t i = 0; i < pooled.size();)
    {
        std::size_t j = i;
        while (j < pooled.size() && pooled[j].first == pooled[i].first)
            ++j;
        const double t = static_cast<double>(j - i);
        const double mid_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
        for (std::size_t k = i; k < j; ++k)
            if (pooled[k].second == 0)
                rank_sum_a += mid_rank;
        if (t > 1)
        {
            ties = true;
            tie_term += t * t * t - t;
        }
        i = j;
    }
    const double m = static_cast<double>(n1), n = static_cast<double>(n2);
    r.u = rank_sum_a - m * (m + 1) / 2;

    if (method == PMethod::automatic && !ties && n1 * n2 <= 2500)
    {
        r.exact = true;
        r.p = exact_upper_tail(n1, n2, r.u);
        return r;
    }
    const double mu = m * n / 2;
    const double sigma = std::sqrt(m * n / 12 * ((N + 1) - tie_term / (N * (N - 1))));
    if (sigma == 0)
    {
        r.p = 1; // every value equal: no evidence either way
        return r;
    }
    r.z = (r.u - mu - 0.5) / sigma;
    r.p = 1 - normal_cdf(r.z);
    return r;
}

RatioInterval ratio_interval(const std::vector<double> &a, const std::vector<double> &b, double confidence)
{
    RatioInterval r;
    r.confidence = confidence;
    if (a.empty() || b.empty())
        return r;
    std::vector<double> d;
    d.reserve(a.size() * b.size());
    for (double y : a)
        for (double x : b)
        {
            if (!(x > 0 && y > 0))
                throw std::invalid_argument("ratio_interval: samples must be positive");
            d.push_back(std::log(y) - std::log(x));
        }
    std::sort(d.begin(), d.end());
    r.estimate = std::exp(median(d));
    const double m = static_cast<double>(a.size()), n = static_cast<double>(b.size());
    const double z = normal_quantile(0.5 + confidence / 2);
    // k: how many of the m*n ordered differences to cut from each end (1-based order statistic k).
    double k = std::floor(m * n / 2 - z * std::sqrt(m * n * (m + n + 1) / 12));
    k = std::max(k, 1.0);
    const auto lo = static_cast<std::size_t>(k) - 1;
    const auto hi = d.size() - static_cast<std::size_t>(k);
    r.lower = std::exp(d[lo]);
    r.upper = std::exp(d[hi]);
    return r;
}

} // namespace perfgate
