// Shared helpers for the micro-benchmarks: deterministic inputs, made outside the timed loops.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace perfgate_bench
{

// Latencies in nanoseconds, log-normally spread around ~50 us like a mix of OLTP statements.
inline std::vector<uint64_t> latencies(size_t n, uint32_t seed = 42)
{
    std::mt19937_64 rng(seed);
    std::lognormal_distribution<double> dist(std::log(50'000.0), 1.0);
    std::vector<uint64_t> v(n);
    for (auto &x : v)
        x = static_cast<uint64_t>(dist(rng));
    return v;
}

inline std::vector<uint64_t> random_u64(size_t n, uint32_t seed = 7)
{
    std::mt19937_64 rng(seed);
    std::vector<uint64_t> v(n);
    for (auto &x : v)
        x = rng();
    return v;
}

} // namespace perfgate_bench
