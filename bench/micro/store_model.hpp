// A PG-free model of the extension's shared store (extension/src/store.cpp), for the micro-benchmarks:
// the same entry layout, key hash and 16 partitions of a ClockTable, and the store's locking protocols:
//  - Protocol::Locked (the first store, 70ac6db): the partition lock taken shared to find an entry and
//    update its counters under the entry's spinlock (inside the entry);
//  - Protocol::LockFree (store.cpp since dcd6ee1): the look-up takes no lock; the entry's spinlock,
//    in a side array of one byte per entry, is taken and the key re-checked before the update;
//  - Protocol::LockFreePadded: the same with each spinlock on its own cache line, to show what the
//    packed side array costs when two backends update neighbouring entries (false sharing).
// A new statement takes the partition lock exclusive and evicts by the clock in every protocol.
// PostgreSQL's primitives are stood in for by their essence: LWLock = an atomic state word acquired
// with a compare-and-swap loop (shared) or a CAS from 0 (exclusive), padded to 128 bytes like
// LWLockPadded; slock_t = a byte taken with an atomic exchange (TAS) and released with a store. The
// real LWLock does more bookkeeping, so these figures are a lower bound for the protocol's cost; what
// matters is the comparison between protocols and between 1 and 2 threads.
//
// Keep this in step with store.cpp when its protocol changes.
#pragma once

#include "counters.hpp"
#include "fingerprint.hpp"
#include "histogram.hpp"
#include "table.hpp"

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define PERFGATE_BENCH_PAUSE() _mm_pause()
#else
#define PERFGATE_BENCH_PAUSE() ((void)0)
#endif

namespace perfgate_bench
{

struct EntryKey
{
    uint32_t userid;
    uint32_t dbid;
    uint64_t queryid;
    uint64_t planid;
    bool toplevel;
    char pad[7];
};

struct StoreEntry
{
    EntryKey key;
    unsigned char mutex; // slock_t on x86
    bool has_plan_text;
    int32_t query_len;
    int32_t plan_len;
    pgpf::Counters counters;
    pgpf::Histogram hist;
};

struct Sample
{
    double ms;
    uint64_t ns;
    int64_t rows;
    pgpf::IoUsage io;
};

inline void spin_lock(unsigned char *m)
{
    while (__atomic_exchange_n(m, static_cast<unsigned char>(1), __ATOMIC_ACQUIRE) != 0)
        while (__atomic_load_n(m, __ATOMIC_RELAXED) != 0)
            PERFGATE_BENCH_PAUSE();
}
inline void spin_unlock(unsigned char *m)
{
    __atomic_store_n(m, static_cast<unsigned char>(0), __ATOMIC_RELEASE);
}

class alignas(128) RwLock
{
  public:
    void lock_shared()
    {
        uint32_t old = state_.load(std::memory_order_relaxed);
        for (;;)
        {
            if (old & kExclusive)
            {
                PERFGATE_BENCH_PAUSE();
                old = state_.load(std::memory_order_relaxed);
                continue;
            }
            if (state_.compare_exchange_weak(old, old + 1, std::memory_order_acquire))
                return;
        }
    }
    void unlock_shared() { state_.fetch_sub(1, std::memory_order_release); }
    void lock()
    {
        for (;;)
        {
            uint32_t expected = 0;
            if (state_.compare_exchange_weak(expected, kExclusive, std::memory_order_acquire))
                return;
            PERFGATE_BENCH_PAUSE();
        }
    }
    void unlock() { state_.store(0, std::memory_order_release); }

  private:
    static constexpr uint32_t kExclusive = 1u << 31;
    std::atomic<uint32_t> state_{0};
};

inline uint64_t key_hash(const EntryKey &k)
{
    pgpf::Fingerprint f;
    f.mix((uint64_t{k.userid} << 32) | k.dbid);
    f.mix(k.queryid);
    f.mix(k.planid);
    f.mix(k.toplevel);
    return f.finish();
}

inline EntryKey make_key(uint64_t queryid, uint64_t planid)
{
    EntryKey k;
    std::memset(&k, 0, sizeof(k));
    k.userid = 10;
    k.dbid = 5;
    k.queryid = queryid;
    k.planid = planid;
    k.toplevel = true;
    return k;
}

enum class Protocol
{
    Locked,
    LockFree,
    LockFreePadded
};

class StoreModel
{
  public:
    static constexpr int kPartitions = 16;
    using Table = pgpf::ClockTable<StoreEntry>;

    StoreModel(uint32_t max, Protocol protocol)
        : protocol_(protocol), stride_(protocol == Protocol::LockFreePadded ? 64 : 1)
    {
        for (int p = 0; p < kPartitions; p++)
        {
            const uint32_t cap = max / kPartitions + (static_cast<uint32_t>(p) < max % kPartitions ? 1 : 0);
            mem_[p].reset(static_cast<char *>(std::aligned_alloc(64, round64(Table::bytes(cap)))));
            tables_[p] = Table::create(mem_[p].get(), cap);
            mutexes_[p].reset(static_cast<char *>(std::aligned_alloc(64, round64(size_t{cap} * stride_))));
            std::memset(mutexes_[p].get(), 0, round64(size_t{cap} * stride_));
        }
    }

    // store_record() for an execution; returns true when the entry was new.
    bool record(const EntryKey &key, const Sample &s, int64_t now)
    {
        const uint64_t hash = key_hash(key);
        const int p = static_cast<int>(hash >> 60) & (kPartitions - 1);
        Table &t = tables_[p];
        if (protocol_ == Protocol::Locked)
        {
            locks_[p].lock_shared();
            StoreEntry *e = t.find(key, hash);
            if (e != nullptr)
            {
                t.touch(e);
                spin_lock(&e->mutex);
                apply(e, s, now);
                spin_unlock(&e->mutex);
                locks_[p].unlock_shared();
                return false;
            }
            locks_[p].unlock_shared();
        }
        else
        {
            // Racy look-up, checked under the entry's spinlock.
            StoreEntry *e = t.find(key, hash);
            if (e != nullptr)
            {
                unsigned char *m = mutex_of(p, t.index_of(e));
                spin_lock(m);
                const bool mine = t.in_use(e) && std::memcmp(&e->key, &key, sizeof(key)) == 0;
                if (mine)
                    apply(e, s, now);
                spin_unlock(m);
                if (mine)
                {
                    t.touch(e);
                    return false;
                }
            }
        }

        locks_[p].lock();
        StoreEntry *e = t.find(key, hash);
        unsigned char *m = nullptr;
        if (e == nullptr)
        {
            bool evicted;
            e = t.insert(key, hash, &evicted,
                         [&](uint32_t idx)
                         {
                             m = mutex_of(p, idx);
                             spin_lock(m);
                         });
            e->mutex = 0;
        }
        else
        {
            m = mutex_of(p, t.index_of(e));
            spin_lock(m);
        }
        apply(e, s, now);
        spin_unlock(m);
        locks_[p].unlock();
        return true;
    }

    uint64_t evictions() const
    {
        uint64_t n = 0;
        for (const auto &t : tables_)
            n += t.evictions();
        return n;
    }

  private:
    struct Free
    {
        void operator()(char *p) const { std::free(p); }
    };
    static size_t round64(size_t n) { return (n + 63) & ~size_t{63}; }
    static void apply(StoreEntry *e, const Sample &s, int64_t now)
    {
        e->counters.add_execution(s.ms, s.rows, s.io, now);
        e->hist.record(s.ns);
    }

    unsigned char *mutex_of(int p, uint32_t idx)
    {
        return reinterpret_cast<unsigned char *>(mutexes_[p].get()) + size_t{idx} * stride_;
    }

    Protocol protocol_;
    size_t stride_;
    RwLock locks_[kPartitions];
    Table tables_[kPartitions];
    std::unique_ptr<char, Free> mem_[kPartitions];
    std::unique_ptr<char, Free> mutexes_[kPartitions];
};

} // namespace perfgate_bench
