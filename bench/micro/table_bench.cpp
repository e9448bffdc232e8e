// ClockTable alone: finding an entry (hit and miss) in a full table, and inserting into a full table,
// which evicts by the clock sweep every time.
#include "bench_util.hpp"
#include "fingerprint.hpp"
#include "table.hpp"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>

namespace
{

struct Entry
{
    struct Key
    {
        uint64_t queryid;
        uint64_t planid;
    } key;
    int64_t calls;
};
using Table = pgpf::ClockTable<Entry>;

uint64_t hash_of(const Entry::Key &k)
{
    pgpf::Fingerprint f;
    f.mix(k.queryid);
    f.mix(k.planid);
    return f.finish();
}

struct Filled
{
    explicit Filled(uint32_t capacity)
        : mem(static_cast<char *>(std::aligned_alloc(64, (Table::bytes(capacity) + 63) & ~size_t{63})),
              &std::free),
          table(Table::create(mem.get(), capacity))
    {
        for (uint32_t i = 0; i < capacity; i++)
        {
            const Entry::Key k{i + 1, 7};
            bool evicted;
            table.insert(k, hash_of(k), &evicted);
        }
    }
    std::unique_ptr<char, decltype(&std::free)> mem;
    Table table;
};

void BM_TableFindHit(benchmark::State &state)
{
    const auto cap = static_cast<uint32_t>(state.range(0));
    Filled f(cap);
    const auto r = perfgate_bench::random_u64(4096);
    size_t i = 0;
    for (auto _ : state)
    {
        const Entry::Key k{r[i++ & 4095] % cap + 1, 7};
        Entry *e = f.table.find(k, hash_of(k));
        f.table.touch(e);
        benchmark::DoNotOptimize(e);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TableFindHit)->Arg(1000)->Arg(5000)->Arg(100'000);

void BM_TableFindMiss(benchmark::State &state)
{
    const auto cap = static_cast<uint32_t>(state.range(0));
    Filled f(cap);
    uint64_t next = cap + 1;
    for (auto _ : state)
    {
        const Entry::Key k{next++, 7};
        benchmark::DoNotOptimize(f.table.find(k, hash_of(k)));
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TableFindMiss)->Arg(5000);

// Every insertion evicts: the churn path. `range(1)` says whether hits keep touching entries between
// insertions (usage counts above 1 make the clock hand walk further).
void BM_TableInsertEvict(benchmark::State &state)
{
    const auto cap = static_cast<uint32_t>(state.range(0));
    const bool touching = state.range(1) != 0;
    Filled f(cap);
    const auto r = perfgate_bench::random_u64(4096);
    uint64_t next = cap + 1;
    size_t i = 0;
    for (auto _ : state)
    {
        if (touching)
            for (int t = 0; t < 4; t++)
            {
                const Entry::Key hk{next - 1 - r[i++ & 4095] % cap, 7};
                if (Entry *e = f.table.find(hk, hash_of(hk)))
                    f.table.touch(e);
            }
        const Entry::Key k{next++, 7};
        bool evicted;
        benchmark::DoNotOptimize(f.table.insert(k, hash_of(k), &evicted));
    }
    state.counters["evictions"] = static_cast<double>(f.table.evictions());
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TableInsertEvict)->Args({1000, 0})->Args({5000, 0})->Args({5000, 1});

} // namespace
