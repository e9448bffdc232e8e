// Fingerprint mixing: the cost of a plan id (a few mixes per plan node) and of the store's key hash.
#include "bench_util.hpp"
#include "fingerprint.hpp"

#include <benchmark/benchmark.h>

using pgpf::Fingerprint;

namespace
{

void BM_FingerprintMix(benchmark::State &state)
{
    const auto values = perfgate_bench::random_u64(1024);
    Fingerprint f;
    size_t i = 0;
    for (auto _ : state)
    {
        f.mix(values[i++ & 1023]);
        benchmark::DoNotOptimize(f);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FingerprintMix);

// A plan id over `range(0)` values and the final avalanche; ~6 values per plan node.
void BM_FingerprintPlanId(benchmark::State &state)
{
    const auto values = perfgate_bench::random_u64(1024);
    const size_t n = static_cast<size_t>(state.range(0));
    size_t off = 0;
    for (auto _ : state)
    {
        Fingerprint f;
        for (size_t k = 0; k < n; k++)
            f.mix(values[(off + k) & 1023]);
        benchmark::DoNotOptimize(f.finish());
        off += 7;
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_FingerprintPlanId)->Arg(6)->Arg(18)->Arg(60);

// The store's key hash: (userid, dbid), queryid, planid, toplevel.
void BM_FingerprintKeyHash(benchmark::State &state)
{
    const auto values = perfgate_bench::random_u64(1024);
    size_t i = 0;
    for (auto _ : state)
    {
        Fingerprint f;
        f.mix((uint64_t{10} << 32) | 5);
        f.mix(values[i & 1023]);
        f.mix(values[(i + 1) & 1023]);
        f.mix(1);
        benchmark::DoNotOptimize(f.finish());
        i++;
    }
}
BENCHMARK(BM_FingerprintKeyHash);

} // namespace
