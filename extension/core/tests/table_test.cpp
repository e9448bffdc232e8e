// The store's table against a std::map model: inserts, finds, removals and clock eviction.
#include "fingerprint.hpp"
#include "table.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <vector>

namespace
{

struct Key
{
    uint64_t id;
    uint32_t db;
    uint32_t pad;
};
struct Entry
{
    Key key;
    int64_t value;
};
using Table = pgpf::ClockTable<Entry>;

uint64_t hash_of(const Key &k)
{
    pgpf::Fingerprint f;
    f.mix(k.id);
    f.mix(k.db);
    return f.finish();
}

struct Fixture
{
    explicit Fixture(uint32_t cap) : mem(Table::bytes(cap) / 8 + 1), table(Table::create(mem.data(), cap)) {}
    std::vector<uint64_t> mem;
    Table table;

    Entry *get(uint64_t id)
    {
        Key k{id, 1, 0};
        return table.find(k, hash_of(k));
    }
    Entry *put(uint64_t id, bool *evicted)
    {
        Key k{id, 1, 0};
        Entry *e = table.insert(k, hash_of(k), evicted);
        e->value = static_cast<int64_t>(id) * 10;
        return e;
    }
};

} // namespace

TEST(ClockTable, InsertFindRemoveAgainstModel)
{
    Fixture f(500);
    std::map<uint64_t, int64_t> model;
    std::mt19937_64 rng(9);
    for (int step = 0; step < 20000; step++)
    {
        const uint64_t id = rng() % 700;
        Entry *e = f.get(id);
        ASSERT_EQ(e != nullptr, model.count(id) == 1) << "step " << step;
        if (e)
        {
            ASSERT_EQ(e->value, model[id]);
            if (rng() % 3 == 0)
            {
                f.table.remove(e);
                model.erase(id);
            }
        }
        else if (model.size() < 500)
        {
            bool evicted;
            f.put(id, &evicted);
            ASSERT_FALSE(evicted);
            model[id] = static_cast<int64_t>(id) * 10;
        }
        ASSERT_EQ(f.table.size(), model.size());
    }
    for (auto &[id, v] : model)
    {
        Entry *e = f.get(id);
        ASSERT_NE(e, nullptr);
        EXPECT_EQ(e->value, v);
    }
}

TEST(ClockTable, FullTableEvictsAndCounts)
{
    Fixture f(100);
    bool evicted;
    for (uint64_t id = 0; id < 100; id++)
    {
        f.put(id, &evicted);
        EXPECT_FALSE(evicted);
    }
    EXPECT_EQ(f.table.size(), 100u);
    for (uint64_t id = 100; id < 400; id++)
    {
        ASSERT_NE(f.put(id, &evicted), nullptr);
        EXPECT_TRUE(evicted);
        EXPECT_EQ(f.table.size(), 100u);
    }
    EXPECT_EQ(f.table.evictions(), 300u);
    // Every key still reachable is intact; exactly capacity keys remain.
    int found = 0;
    for (uint64_t id = 0; id < 400; id++)
        if (Entry *e = f.get(id))
        {
            EXPECT_EQ(e->value, static_cast<int64_t>(id) * 10);
            found++;
        }
    EXPECT_EQ(found, 100);
}

TEST(ClockTable, HotEntriesSurviveChurn)
{
    Fixture f(200);
    bool evicted;
    for (uint64_t id = 0; id < 10; id++)
        f.put(id, &evicted);
    for (uint64_t id = 1000; id < 20000; id++)
    {
        for (uint64_t hot = 0; hot < 10; hot++)
        {
            Entry *e = f.get(hot);
            ASSERT_NE(e, nullptr) << "hot entry " << hot << " evicted at " << id;
            f.table.touch(e);
        }
        if (!f.get(id))
            f.put(id, &evicted);
    }
}

TEST(ClockTable, ClearEmptiesAndRemovedSlotsAreReused)
{
    Fixture f(50);
    bool evicted;
    for (uint64_t id = 0; id < 50; id++)
        f.put(id, &evicted);
    f.table.remove(f.get(7));
    EXPECT_EQ(f.get(7), nullptr);
    f.put(1000, &evicted);
    EXPECT_FALSE(evicted);
    f.table.clear();
    EXPECT_EQ(f.table.size(), 0u);
    for (uint64_t id = 0; id < 50; id++)
        EXPECT_EQ(f.get(id), nullptr);
    int n = 0;
    f.table.for_each([&](const Entry &) { n++; });
    EXPECT_EQ(n, 0);
}

// Usage is a decayed weight: one hot entry (heavy usage) survives a burst of one-off entries many
// times the table's size, and an entry nobody touches any more is evicted in the end.
TEST(ClockTable, HeavyUsageSurvivesABurstOfOneOffs)
{
    Fixture f(100);
    bool evicted;
    for (uint64_t id = 0; id < 100; id++)
        f.put(id, &evicted);
    f.table.touch(f.get(5), 10000);
    for (uint64_t id = 1000; id < 1500; id++)
        f.put(id, &evicted);
    ASSERT_NE(f.get(5), nullptr) << "evicted by 5 tables' worth of one-off entries";
    EXPECT_EQ(f.get(6), nullptr);
    for (uint64_t id = 2000; id < 2000 + 100 * 20; id++)
        f.put(id, &evicted);
    EXPECT_EQ(f.get(5), nullptr) << "never touched again, it must decay and go";
}

// What a reloaded table needs: usage read and set, so that eviction goes on as before.
TEST(ClockTable, RestoredUsageDecidesEviction)
{
    Fixture a(50);
    bool evicted;
    for (uint64_t id = 0; id < 50; id++)
        a.put(id, &evicted);
    a.table.touch(a.get(9), 500);
    Fixture b(50);
    a.table.for_each(
        [&](const Entry &e)
        {
            Entry *n = b.put(e.key.id, &evicted);
            b.table.set_usage(n, a.table.usage_of(&e));
        });
    EXPECT_EQ(b.table.usage_of(b.get(9)), 501u);
    for (uint64_t id = 100; id < 200; id++)
        b.put(id, &evicted);
    EXPECT_NE(b.get(9), nullptr);
}

TEST(ClockTable, TouchSaturates)
{
    Fixture f(10);
    bool evicted;
    Entry *e = f.put(1, &evicted);
    f.table.touch(e, UINT32_MAX - 1);
    f.table.touch(e, 10);
    EXPECT_EQ(f.table.usage_of(e), UINT32_MAX);
}
