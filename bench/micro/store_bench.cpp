// Recording a statement into the store, following the extension's protocols (see store_model.hpp),
// for 1 and 2 threads: the repeat path (the entry exists), with both threads on one statement (the
// worst case: one entry's lock and cache lines bounce) or each on 64 statements of its own (the usual
// mix), and the churn path (a new statement in a full store: exclusive lock, clock eviction).
// The argument picks the protocol: 0 locked (shared partition lock + entry spinlock), 1 lock-free
// look-up with the spinlocks packed in a side array (store.cpp now), 2 the same with padded spinlocks.
#include "bench_util.hpp"
#include "store_model.hpp"

#include <benchmark/benchmark.h>

using perfgate_bench::EntryKey;
using perfgate_bench::Protocol;
using perfgate_bench::Sample;
using perfgate_bench::StoreModel;

namespace
{

constexpr uint32_t kMax = 5000; // pg_perfgate.max's default

Protocol protocol_of(const benchmark::State &state)
{
    return static_cast<Protocol>(state.range(0));
}

// One store per protocol, shared by the threads of a benchmark (function-local statics are
// initialized once, thread-safely).
StoreModel &store_for(Protocol p)
{
    static StoreModel locked(kMax, Protocol::Locked);
    static StoreModel lockfree(kMax, Protocol::LockFree);
    static StoreModel padded(kMax, Protocol::LockFreePadded);
    return p == Protocol::Locked ? locked : p == Protocol::LockFree ? lockfree : padded;
}

void label(benchmark::State &state)
{
    static const char *names[] = {"locked", "lockfree", "lockfree_padded"};
    state.SetLabel(names[state.range(0)]);
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
    StoreModel &store = store_for(protocol_of(state));
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
    label(state);
}
BENCHMARK(BM_StoreRecordSameStatement)->DenseRange(0, 2)->Threads(1)->Threads(2)->UseRealTime();

// Each thread cycles over 64 statements of its own (an application's usual mix).
void BM_StoreRecordOwnStatements(benchmark::State &state)
{
    StoreModel &store = store_for(protocol_of(state));
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
    label(state);
}
BENCHMARK(BM_StoreRecordOwnStatements)->DenseRange(0, 2)->Threads(1)->Threads(2)->UseRealTime();

// Every record is a statement never seen before: the store is full and evicts each time.
void BM_StoreRecordNewStatementEvicting(benchmark::State &state)
{
    static StoreModel locked(1000, Protocol::Locked);
    static StoreModel lockfree(1000, Protocol::LockFree);
    StoreModel &store = protocol_of(state) == Protocol::Locked ? locked : lockfree;
    const auto lat = perfgate_bench::latencies(1024);
    uint64_t next = (uint64_t{1} << 40) * static_cast<uint64_t>(state.thread_index() + 1) +
                    (uint64_t{1} << 36) * static_cast<uint64_t>(state.range(0));
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
    label(state);
}
BENCHMARK(BM_StoreRecordNewStatementEvicting)->DenseRange(0, 1)->Threads(1)->Threads(2)->UseRealTime();

} // namespace
