// Recording a statement into the store, following the extension's protocol (see store_model.hpp), for
// 1 and 2 threads: the repeat path (entry found; shared partition lock + entry spinlock), both threads
// on one statement (the worst case: one entry's spinlock and cache lines bounce) or each on its own
// statements, and the churn path (a new statement in a full store: exclusive lock, clock eviction).
#include "bench_util.hpp"
#include "store_model.hpp"

#include <benchmark/benchmark.h>

#include <cstdio>

using perfgate_bench::EntryKey;
using perfgate_bench::Sample;
using perfgate_bench::StoreModel;

namespace
{

constexpr uint32_t kMax = 5000; // pg_perfgate.max's default

StoreModel &shared_store()
{
    static StoreModel store(kMax);
    return store;
}

Sample sample_for(uint64_t ns)
{
    Sample s{};
    s.ns = ns;
    s.ms = static_cast<double>(ns) / 1e6;
    s.rows = 1;
    s.io.shared_blks_hit = 4;
    return s;
}

// All threads record the same statement.
void BM_StoreRecordSameStatement(benchmark::State &state)
{
    StoreModel &store = shared_store();
    const auto lat = perfgate_bench::latencies(1024);
    const EntryKey key = perfgate_bench::make_key(0xABCDEF, 0x1234);
    store.record(key, sample_for(1000), 1);
    size_t i = 0;
    for (auto _ : state)
    {
        store.record(key, sample_for(lat[i & 1023]), static_cast<int64_t>(i));
        i++;
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StoreRecordSameStatement)->Threads(1)->Threads(2)->UseRealTime();

// Each thread cycles over 64 statements of its own (an application's usual mix).
void BM_StoreRecordOwnStatements(benchmark::State &state)
{
    StoreModel &store = shared_store();
    const auto lat = perfgate_bench::latencies(1024);
    EntryKey keys[64];
    for (int k = 0; k < 64; k++)
    {
        keys[k] = perfgate_bench::make_key(1'000'000 * (state.thread_index() + 1) + k, 77);
        store.record(keys[k], sample_for(1000), 1);
    }
    size_t i = 0;
    for (auto _ : state)
    {
        store.record(keys[i & 63], sample_for(lat[i & 1023]), static_cast<int64_t>(i));
        i++;
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StoreRecordOwnStatements)->Threads(1)->Threads(2)->UseRealTime();

// Every record is a statement never seen before: the store is full and evicts each time.
void BM_StoreRecordNewStatementEvicting(benchmark::State &state)
{
    static StoreModel store(1000);
    const auto lat = perfgate_bench::latencies(1024);
    uint64_t next = (uint64_t{1} << 40) * static_cast<uint64_t>(state.thread_index() + 1);
    for (uint32_t k = 0; k < 2000; k++) // fill before timing
        store.record(perfgate_bench::make_key(next++, 1), sample_for(1000), 1);
    size_t i = 0;
    for (auto _ : state)
    {
        store.record(perfgate_bench::make_key(next++, 1), sample_for(lat[i & 1023]), static_cast<int64_t>(i));
        i++;
    }
    state.SetItemsProcessed(state.iterations());
    if (state.thread_index() == 0)
        state.counters["evictions"] = static_cast<double>(store.evictions());
}
BENCHMARK(BM_StoreRecordNewStatementEvicting)->Threads(1)->Threads(2)->UseRealTime();

} // namespace
