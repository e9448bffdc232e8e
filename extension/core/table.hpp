// The store's table logic, PG-free: a fixed-capacity hash table laid out in caller-provided memory
// (shared memory in the server), with clock-sweep eviction.
//
// Layout of one table: a header, then `nslots` probe slots (linear probing, nslots a power of two at
// least twice the capacity), then per-entry metadata, then the caller's entries. A slot holds the
// entry's index + 1 and 32 bits of its hash, so a probe rarely touches an entry that does not match.
// Entries never move: the caller may keep per-entry side arrays (texts) indexed by `index_of()`.
//
// Eviction: when no entry is free, a clock hand walks the entries and takes the first whose usage
// is zero, halving the usage of every entry it passes. Usage is a weight the caller adds at every
// hit (the store adds one per call plus one per millisecond of execution), so it decays like
// pg_stat_statements' usage: by half each time the hand comes round, that is each time the table's
// worth of entries has been turned over, and an entry used n times since it was last passed
// survives about log2(n) more rounds without a single hit. A burst of one-off entries (usage 1)
// therefore evicts other one-off entries first, and a hot entry only after log2(its usage) rounds.
// Each step of the hand either evicts or halves a non-zero usage, so one insertion does at most
// 33 rounds of the table and on average a handful of steps; nothing is ever sorted. Usage is kept
// with the entries (usage_of/set_usage), so that a reloaded table evicts as it did before.
//
// Concurrency is the caller's business: find(), touch() and in_use() may run concurrently with each
// other, and even with writers: find() then only ever returns a pointer into the entry array (or
// NULL), possibly to the wrong entry, so a caller that did not exclude writers must check what it got
// under a lock of its own (the server uses a spinlock per entry, taken by insert() through the
// before_reuse callback). Everything else needs exclusive access.
// Everything stored is trivially copyable, and nothing here allocates or throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace pgpf
{

template <typename Entry> class ClockTable
{
  public:
    using Key = decltype(Entry::key);

    struct Header
    {
        uint32_t capacity;
        uint32_t nslots;
        uint32_t used;
        uint32_t hand;
        uint32_t free_head; // index + 1 of the first free entry, 0 if none
        uint32_t pad;
        uint64_t evictions;
    };
    struct Slot
    {
        uint32_t idx1; // entry index + 1; 0 = empty
        uint32_t tag;  // low 32 bits of the hash
    };
    struct Meta
    {
        uint64_t hash;
        uint32_t next_free; // index + 1 of the next free entry
        uint32_t usage;     // read and written with relaxed atomics: touch() runs under shared locks
        uint8_t in_use;
        uint8_t pad[7];
    };

    static_assert(std::is_trivially_copyable_v<Entry>, "entries live in shared memory");

    static uint32_t slots_for(uint32_t capacity)
    {
        uint32_t n = 16;
        while (n < 2 * capacity)
            n <<= 1;
        return n;
    }
    static size_t bytes(uint32_t capacity)
    {
        return align(sizeof(Header)) + align(sizeof(Slot) * slots_for(capacity)) +
               align(sizeof(Meta) * capacity) + align(sizeof(Entry) * capacity);
    }

    ClockTable() = default;
    // A handle on the table laid out in `mem`: where its arrays start is worked out once here, from
    // the geometry (capacity, nslots), which never changes after create().
    explicit ClockTable(void *mem) : base_(static_cast<char *>(mem))
    {
        const Header *h = header();
        slots_ = reinterpret_cast<Slot *>(base_ + align(sizeof(Header)));
        metas_ = reinterpret_cast<Meta *>(reinterpret_cast<char *>(slots_) + align(sizeof(Slot) * h->nslots));
        entries_ =
            reinterpret_cast<Entry *>(reinterpret_cast<char *>(metas_) + align(sizeof(Meta) * h->capacity));
    }

    // Lays out an empty table in `mem`, which must hold bytes(capacity).
    static ClockTable create(void *mem, uint32_t capacity)
    {
        Header *h = static_cast<Header *>(mem);
        std::memset(h, 0, sizeof(Header));
        h->capacity = capacity;
        h->nslots = slots_for(capacity);
        ClockTable t(mem);
        t.clear();
        return t;
    }

    void clear()
    {
        Header *h = header();
        std::memset(slots(), 0, sizeof(Slot) * h->nslots);
        std::memset(static_cast<void *>(metas()), 0, sizeof(Meta) * h->capacity);
        for (uint32_t i = 0; i < h->capacity; i++)
            metas()[i].next_free = i + 1 < h->capacity ? i + 2 : 0;
        h->free_head = h->capacity > 0 ? 1 : 0;
        h->used = 0;
        h->hand = 0;
    }

    Entry *find(const Key &key, uint64_t hash) const
    {
        const Header *h = header();
        const uint32_t mask = h->nslots - 1;
        const uint32_t tag = static_cast<uint32_t>(hash);
        // Bounded, so that a probe racing with writers always ends.
        uint32_t s = static_cast<uint32_t>(hash) & mask;
        for (uint32_t n = 0; n < h->nslots; n++, s = (s + 1) & mask)
        {
            const Slot &slot = slots()[s];
            if (slot.idx1 == 0)
                return nullptr;
            if (slot.tag == tag)
            {
                Entry *e = &entries()[slot.idx1 - 1];
                if (std::memcmp(&e->key, &key, sizeof(Key)) == 0)
                    return e;
            }
        }
        return nullptr;
    }

    bool in_use(const Entry *e) const
    {
        return __atomic_load_n(&metas()[index_of(e)].in_use, __ATOMIC_RELAXED) != 0;
    }

    // Records a use of `e` worth `weight` for the clock (saturating); safe under a shared lock. Two
    // backends touching the same entry at once may lose one weight: usage is a hint, not a count.
    void touch(const Entry *e, uint32_t weight = 1)
    {
        Meta &m = metas()[index_of(e)];
        const uint32_t u = __atomic_load_n(&m.usage, __ATOMIC_RELAXED);
        const uint32_t v = u + weight;
        __atomic_store_n(&m.usage, v < u ? UINT32_MAX : v, __ATOMIC_RELAXED);
    }
    // The word touch() updates, for a caller that keeps it beside the entry (entries never move),
    // and touch() on it.
    uint32_t *usage_word(const Entry *e) const { return &metas()[index_of(e)].usage; }
    static void touch_word(uint32_t *usage, uint32_t weight)
    {
        const uint32_t u = __atomic_load_n(usage, __ATOMIC_RELAXED);
        const uint32_t v = u + weight;
        __atomic_store_n(usage, v < u ? UINT32_MAX : v, __ATOMIC_RELAXED);
    }
    uint32_t usage_of(const Entry *e) const
    {
        return __atomic_load_n(&metas()[index_of(e)].usage, __ATOMIC_RELAXED);
    }
    // For reloading a saved table: the usage the entry had (exclusive access).
    void set_usage(const Entry *e, uint32_t usage) { metas()[index_of(e)].usage = usage; }

    // Inserts `key`, which must not be present, evicting an entry when the table is full.
    // The new entry is zeroed but for its key. *evicted tells whether an entry was evicted.
    // before_reuse(index) is called once the entry to (re)use is chosen, before anything of it
    // changes.
    Entry *insert(const Key &key, uint64_t hash, bool *evicted)
    {
        return insert(key, hash, evicted, [](uint32_t) {});
    }
    template <typename OnReuse>
    Entry *insert(const Key &key, uint64_t hash, bool *evicted, OnReuse &&before_reuse)
    {
        Header *h = header();
        *evicted = false;
        if (h->capacity == 0)
            return nullptr;
        uint32_t idx;
        if (h->free_head != 0)
        {
            idx = h->free_head - 1;
            before_reuse(idx);
            h->free_head = metas()[idx].next_free;
        }
        else
        {
            idx = victim();
            before_reuse(idx);
            unlink(idx);
            h->evictions++;
            h->used--;
            *evicted = true;
        }
        Meta &m = metas()[idx];
        m.hash = hash;
        m.next_free = 0;
        m.usage = 1;
        m.in_use = 1;
        Entry *e = &entries()[idx];
        std::memset(static_cast<void *>(e), 0, sizeof(Entry));
        std::memcpy(&e->key, &key, sizeof(Key));
        const uint32_t mask = h->nslots - 1;
        uint32_t s = static_cast<uint32_t>(hash) & mask;
        while (slots()[s].idx1 != 0)
            s = (s + 1) & mask;
        slots()[s] = Slot{idx + 1, static_cast<uint32_t>(hash)};
        h->used++;
        return e;
    }

    void remove(const Entry *e)
    {
        const uint32_t idx = index_of(e);
        Meta &m = metas()[idx];
        if (!m.in_use)
            return;
        unlink(idx);
        m.in_use = 0;
        m.usage = 0;
        m.next_free = header()->free_head;
        header()->free_head = idx + 1;
        header()->used--;
    }

    template <typename F> void for_each(F &&f) const
    {
        const Header *h = header();
        for (uint32_t i = 0; i < h->capacity; i++)
            if (metas()[i].in_use)
                f(entries()[i]);
    }

    uint32_t index_of(const Entry *e) const { return static_cast<uint32_t>(e - entries()); }
    const Entry &entry_at(uint32_t idx) const { return entries()[idx]; }
    uint32_t size() const { return header()->used; }
    uint32_t capacity() const { return header()->capacity; }
    uint64_t evictions() const { return header()->evictions; }
    void set_evictions(uint64_t n) { header()->evictions = n; }

  private:
    static size_t align(size_t n) { return (n + 63) & ~size_t{63}; }
    Header *header() const { return reinterpret_cast<Header *>(base_); }
    Slot *slots() const { return slots_; }
    Meta *metas() const { return metas_; }
    Entry *entries() const { return entries_; }

    // The clock: the first in-use entry, from the hand on, whose usage has decayed to zero.
    uint32_t victim()
    {
        Header *h = header();
        for (;;)
        {
            const uint32_t i = h->hand;
            h->hand = i + 1 == h->capacity ? 0 : i + 1;
            Meta &m = metas()[i];
            if (!m.in_use)
                continue;
            const uint32_t u = __atomic_load_n(&m.usage, __ATOMIC_RELAXED);
            if (u == 0)
                return i;
            __atomic_store_n(&m.usage, u >> 1, __ATOMIC_RELAXED);
        }
    }

    // Removes entry `idx` from the probe sequence (backward-shift deletion keeps probing exact).
    void unlink(uint32_t idx)
    {
        Header *h = header();
        const uint32_t mask = h->nslots - 1;
        uint32_t i = static_cast<uint32_t>(metas()[idx].hash) & mask;
        while (slots()[i].idx1 != idx + 1)
            i = (i + 1) & mask;
        for (uint32_t j = i;;)
        {
            j = (j + 1) & mask;
            const Slot sj = slots()[j];
            if (sj.idx1 == 0)
                break;
            const uint32_t home = static_cast<uint32_t>(metas()[sj.idx1 - 1].hash) & mask;
            const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
            if (stays)
                continue;
            slots()[i] = sj;
            i = j;
        }
        slots()[i] = Slot{0, 0};
    }

    char *base_ = nullptr;
    Slot *slots_ = nullptr;
    Meta *metas_ = nullptr;
    Entry *entries_ = nullptr;
};

} // namespace pgpf
