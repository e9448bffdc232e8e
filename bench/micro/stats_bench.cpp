// The harness's statistics (harness/src/stats.hpp, growth.hpp): what the gate computes per scenario.
// Built only when the harness's perfgate_stats target is part of the build.
#include "growth.hpp"
#include "stats.hpp"

#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

namespace
{

std::vector<double> sample(size_t n, double scale, uint32_t seed)
{
    std::mt19937_64 rng(seed);
    std::lognormal_distribution<double> d(std::log(scale), 0.2);
    std::vector<double> v(n);
    for (auto &x : v)
        x = d(rng);
    return v;
}

void BM_StatsMedian(benchmark::State &state)
{
    const auto a = sample(static_cast<size_t>(state.range(0)), 1.0, 1);
    for (auto _ : state)
        benchmark::DoNotOptimize(perfgate::median(a));
}
BENCHMARK(BM_StatsMedian)->Arg(30)->Arg(1000);

// n per sample; 30 x 30 without ties takes the exact distribution, larger ones the normal approximation.
void BM_StatsMannWhitney(benchmark::State &state)
{
    const auto n = static_cast<size_t>(state.range(0));
    const auto a = sample(n, 1.05, 1), b = sample(n, 1.0, 2);
    for (auto _ : state)
        benchmark::DoNotOptimize(perfgate::mann_whitney_greater(a, b));
}
BENCHMARK(BM_StatsMannWhitney)->Arg(10)->Arg(30)->Arg(200)->Arg(1000);

void BM_StatsRatioInterval(benchmark::State &state)
{
    const auto n = static_cast<size_t>(state.range(0));
    const auto a = sample(n, 1.05, 3), b = sample(n, 1.0, 4);
    for (auto _ : state)
        benchmark::DoNotOptimize(perfgate::ratio_interval(a, b, 0.95));
}
BENCHMARK(BM_StatsRatioInterval)->Arg(30)->Arg(200);

void BM_StatsGrowthFit(benchmark::State &state)
{
    const std::vector<std::int64_t> sizes{1000, 10'000, 100'000, 1'000'000};
    const std::vector<double> values{1.1, 10.5, 98.0, 1010.0};
    for (auto _ : state)
        benchmark::DoNotOptimize(perfgate::fit_growth(sizes, values));
}
BENCHMARK(BM_StatsGrowthFit);

} // namespace
