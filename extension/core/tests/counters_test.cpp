// Welford accumulation and Chan merging agree with a direct two-pass computation.
#include "counters.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

using pgpf::Counters;
using pgpf::IoUsage;
using pgpf::TimeStats;

TEST(TimeStats, MatchesTwoPass)
{
    std::mt19937_64 rng(3);
    std::uniform_real_distribution<double> d(0.01, 20.0);
    std::vector<double> v;
    TimeStats s{};
    for (int i = 0; i < 10000; i++)
    {
        v.push_back(d(rng));
        s.add(v.back());
    }
    double mean = 0;
    for (double x : v)
        mean += x;
    mean /= v.size();
    double var = 0;
    for (double x : v)
        var += (x - mean) * (x - mean);
    var /= v.size();
    EXPECT_EQ(s.n, 10000);
    EXPECT_NEAR(s.mean, mean, 1e-9);
    EXPECT_NEAR(s.stddev(), std::sqrt(var), 1e-9);
    EXPECT_NEAR(s.total, mean * v.size(), 1e-6);
}

TEST(TimeStats, MergeEqualsSequential)
{
    TimeStats a{}, b{}, all{};
    for (int i = 0; i < 100; i++)
    {
        const double x = (i * 37 % 101) / 7.0;
        (i < 30 ? a : b).add(x);
        all.add(x);
    }
    a.merge(b);
    EXPECT_EQ(a.n, all.n);
    EXPECT_NEAR(a.mean, all.mean, 1e-12);
    EXPECT_NEAR(a.stddev(), all.stddev(), 1e-12);
    EXPECT_EQ(a.min, all.min);
    EXPECT_EQ(a.max, all.max);
    TimeStats empty{};
    empty.merge(all);
    EXPECT_EQ(empty.n, all.n);
}

TEST(Counters, ExecutionAndPlanningAccumulate)
{
    Counters c{};
    IoUsage io{};
    io.shared_blks_hit = 3;
    io.wal_bytes = 100;
    c.add_execution(1.5, 10, io, 1000);
    c.add_execution(0.5, 1, io, 2000);
    c.add_planning(0.25, io, 3000);
    EXPECT_EQ(c.exec.n, 2);
    EXPECT_EQ(c.plan.n, 1);
    EXPECT_EQ(c.rows, 11);
    EXPECT_EQ(c.io.shared_blks_hit, 9);
    EXPECT_EQ(c.io.wal_bytes, 300u);
    EXPECT_EQ(c.first_seen, 1000);
    EXPECT_EQ(c.last_seen, 3000);
}

TEST(Counters, MergeSumsJitUsage)
{
    pgpf::Counters a{}, b{};
    a.jit.functions = 3;
    a.jit.emission_count = 1;
    a.jit.emission_time = 1.5;
    b.jit.functions = 4;
    b.jit.emission_count = 1;
    b.jit.emission_time = 2.0;
    a.merge(b);
    EXPECT_EQ(a.jit.functions, 7);
    EXPECT_EQ(a.jit.emission_count, 2);
    EXPECT_DOUBLE_EQ(a.jit.emission_time, 3.5);
}

// The counters of later majors (17: local block times, JIT deforming; 18: WAL buffers full, parallel
// workers) are summed like the others.
TEST(Counters, LaterMajorsCountersAccumulate)
{
    Counters a{}, b{};
    IoUsage io{};
    io.local_blk_read_time = 0.5;
    io.local_blk_write_time = 0.25;
    io.wal_buffers_full = 2;
    io.parallel_workers_to_launch = 4;
    io.parallel_workers_launched = 3;
    a.add_execution(1.0, 1, io, 1000);
    a.add_planning(0.1, io, 1000);
    b.add_execution(1.0, 1, io, 2000);
    b.jit.deform_count = 1;
    b.jit.deform_time = 0.75;
    a.merge(b);
    EXPECT_DOUBLE_EQ(a.io.local_blk_read_time, 1.5);
    EXPECT_DOUBLE_EQ(a.io.local_blk_write_time, 0.75);
    EXPECT_EQ(a.io.wal_buffers_full, 6);
    EXPECT_EQ(a.io.parallel_workers_to_launch, 12);
    EXPECT_EQ(a.io.parallel_workers_launched, 9);
    EXPECT_EQ(a.jit.deform_count, 1);
    EXPECT_DOUBLE_EQ(a.jit.deform_time, 0.75);
}

// A min/max-only reset: the next value sets both, merging ignores the side without one, and the
// other moments are kept.
TEST(TimeStats, ResetMinMaxStartsAfresh)
{
    pgpf::TimeStats t{};
    t.add(1.0);
    t.add(9.0);
    t.reset_minmax();
    EXPECT_FALSE(t.has_minmax());
    EXPECT_EQ(t.n, 2);
    EXPECT_DOUBLE_EQ(t.total, 10.0);
    t.add(4.0);
    EXPECT_TRUE(t.has_minmax());
    EXPECT_DOUBLE_EQ(t.min, 4.0);
    EXPECT_DOUBLE_EQ(t.max, 4.0);
    pgpf::TimeStats u{};
    u.add(2.0);
    u.reset_minmax();
    t.merge(u);
    EXPECT_DOUBLE_EQ(t.min, 4.0);
    EXPECT_DOUBLE_EQ(t.max, 4.0);
}

// IoUsage::add's `more`: more_of() is false exactly when nothing is set among the local, temp and
// WAL counters, and then add(o, rest, false) gives what add(o, rest, true) gives.
TEST(IoUsage, MoreOfAndAddWithoutMore)
{
    IoUsage plain{};
    plain.shared_blks_hit = 7;
    plain.shared_blks_read = 2;
    plain.shared_blks_dirtied = 3;
    plain.shared_blks_written = 1;
    EXPECT_FALSE(plain.more_of());
    IoUsage base{};
    base.shared_blks_hit = 100;
    base.local_blks_hit = 5;
    base.wal_bytes = 9;
    IoUsage a = base, b = base;
    a.add(plain, true, true);
    b.add(plain, true, false);
    EXPECT_EQ(0, memcmp(&a, &b, sizeof(a)));
    EXPECT_EQ(b.shared_blks_hit, 107);
    EXPECT_EQ(b.shared_blks_read, 2);
    EXPECT_EQ(b.shared_blks_dirtied, 3);
    // Each of the other block and WAL counters alone makes more_of() true.
    int64_t IoUsage::*fields[] = {&IoUsage::local_blks_hit,     &IoUsage::local_blks_read,
                                  &IoUsage::local_blks_dirtied, &IoUsage::local_blks_written,
                                  &IoUsage::temp_blks_read,     &IoUsage::temp_blks_written,
                                  &IoUsage::wal_records,        &IoUsage::wal_fpi};
    for (auto f : fields)
    {
        IoUsage o = plain;
        o.*f = 1;
        EXPECT_TRUE(o.more_of());
        IoUsage x = base;
        x.add(o, false, true);
        EXPECT_EQ(x.*f, base.*f + 1);
    }
    IoUsage w = plain;
    w.wal_bytes = 1;
    EXPECT_TRUE(w.more_of());
}
