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
using Table = pgperfgate::ClockTable<Entry>;

uint64_t hash_of(const Key &k)
{
    pgperfgate::Fingerprint f;
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
