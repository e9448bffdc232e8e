// The latency histogram and the per-entry counters: what every recorded execution updates, and what
// a view computes per row (percentiles).
#include "bench_util.hpp"
#include "counters.hpp"
#include "histogram.hpp"

#include <benchmark/benchmark.h>

#include <memory>

using pgpf::Counters;
using pgpf::Histogram;
using pgpf::IoUsage;

namespace
{

void BM_HistogramRecord(benchmark::State &state)
{
    const auto values = perfgate_bench::latencies(4096);
    auto h = std::make_unique<Histogram>();
    h->clear();
    size_t i = 0;
    for (auto _ : state)
    {
        h->record(values[i++ & 4095]);
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HistogramRecord);

void BM_HistogramBucketOf(benchmark::State &state)
{
    const auto values = perfgate_bench::latencies(4096);
    size_t i = 0;
    for (auto _ : state)
        benchmark::DoNotOptimize(Histogram::bucket_of(values[i++ & 4095]));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HistogramBucketOf);

// One percentile of a histogram filled with `range(0)` samples (p50, p95, p99 are three such calls).
void BM_HistogramQuantile(benchmark::State &state)
{
    auto h = std::make_unique<Histogram>();
    h->clear();
    for (uint64_t v : perfgate_bench::latencies(static_cast<size_t>(state.range(0))))
        h->record(v);
    double q = 0.5;
    for (auto _ : state)
    {
        benchmark::DoNotOptimize(h->quantile(q));
        q = q == 0.5 ? 0.99 : 0.5;
    }
}
BENCHMARK(BM_HistogramQuantile)->Arg(100)->Arg(1'000'000);

void BM_HistogramMerge(benchmark::State &state)
{
    auto a = std::make_unique<Histogram>();
    auto b = std::make_unique<Histogram>();
    a->clear();
    b->clear();
    for (uint64_t v : perfgate_bench::latencies(10'000))
        b->record(v);
    for (auto _ : state)
    {
        a->merge(*b);
        benchmark::ClobberMemory();
    }
}
BENCHMARK(BM_HistogramMerge);

// The counter part of one execution record (timing moments, rows, buffers and WAL).
void BM_CountersAddExecution(benchmark::State &state)
{
    const auto values = perfgate_bench::latencies(4096);
    Counters c{};
    IoUsage io{};
    io.shared_blks_hit = 3;
    int64_t now = 1;
    size_t i = 0;
    for (auto _ : state)
    {
        c.add_execution(static_cast<double>(values[i++ & 4095]) / 1e6, 1, io, now++);
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CountersAddExecution);

} // namespace
