// Recent windows: a ring of buckets per entry (window.hpp).
#include "histogram.hpp"
#include "window.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

namespace
{

pgpf::IoUsage io_with(int64_t hit, int64_t temp)
{
    pgpf::IoUsage io{};
    io.shared_blks_hit = hit;
    io.temp_blks_written = temp;
    return io;
}

} // namespace

TEST(WindowHistogram, MidpointsStayWithinTheirBuckets)
{
    using H = pgpf::WindowHistogram;
    for (uint64_t ns : {uint64_t{2000}, uint64_t{1500000}, uint64_t{987654321}, uint64_t{123456789012}})
    {
        const double mid = H::midpoint(H::bucket_of(ns));
        EXPECT_LE(std::fabs(mid - double(ns)) / double(ns), 0.25) << ns;
        EXPECT_EQ(H::bucket_of(uint64_t(mid)), H::bucket_of(ns)) << ns;
    }
    EXPECT_EQ(H::bucket_of(5), 0);
    EXPECT_EQ(H::bucket_of(uint64_t{1} << 40), H::kBuckets - 1);
}

// The recording path finds a value's window bucket from its since-reset bucket through a table:
// it must be the bucket bucket_of() gives, for every value (each power of two's edges and middle,
// below, between and above both ranges).
TEST(WindowHistogram, BucketTableAgreesWithBucketOf)
{
    using H = pgpf::Histogram;
    using W = pgpf::WindowHistogram;
    int checked = 0;
    for (int e = 0; e < 64; e++)
        for (uint64_t d : {uint64_t{0}, uint64_t{1}, uint64_t{3}})
            for (int sign : {-1, 0, 1})
            {
                const uint64_t base = uint64_t{1} << e;
                const uint64_t ns = sign < 0 ? base - d : sign > 0 ? base + (base >> 1) + d : base + d;
                EXPECT_EQ(pgpf::kWindowBucketOf.of[H::bucket_of(ns)], W::bucket_of(ns)) << ns;
                checked++;
            }
    for (uint64_t ns = 0; ns < 200000; ns += 7)
        EXPECT_EQ(pgpf::kWindowBucketOf.of[H::bucket_of(ns)], W::bucket_of(ns)) << ns;
    for (int b = 0; b < H::kBuckets; b++) // every bucket's low end
        EXPECT_EQ(pgpf::kWindowBucketOf.of[b], W::bucket_of(uint64_t(H::bucket_low(b)))) << b;
    EXPECT_GT(checked, 500);
}

TEST(WindowSlot, ARingSumsOnlyTheBucketsAsked)
{
    pgpf::WindowSlot ring[4];
    memset(static_cast<void *>(ring), 0, sizeof(ring));
    const auto io = io_with(3, 1);
    // Buckets 10..13 fill the ring; 14 takes bucket 10's slot and clears it first.
    for (int64_t b = 10; b <= 14; b++)
        for (int i = 0; i < int(b); i++)
            ring[b % 4].add(b, 2.0, 2000000, 1, io);
    pgpf::Counters c{};
    pgpf::Histogram h;
    h.clear();
    EXPECT_EQ(pgpf::window_sum(ring, 4, 13, 14, &c, &h), 13 + 14);
    EXPECT_EQ(c.exec.n, 27);
    EXPECT_DOUBLE_EQ(c.exec.total, 54.0);
    EXPECT_DOUBLE_EQ(c.exec.mean, 2.0);
    EXPECT_EQ(c.rows, 27);
    EXPECT_EQ(c.io.shared_blks_hit, 81);
    EXPECT_EQ(c.io.temp_blks_written, 27);
    EXPECT_EQ(h.total(), 27u);
    EXPECT_NEAR(h.quantile(0.95) / 1e6, 2.0, 2.0 * 0.2);
    // Bucket 10 was overwritten by 14: asking for 10..14 finds 11..14 only.
    pgpf::Counters all{};
    h.clear();
    EXPECT_EQ(pgpf::window_sum(ring, 4, 10, 14, &all, &h), 11 + 12 + 13 + 14);
}

TEST(WindowSlot, MinAndMaxPerWindow)
{
    pgpf::WindowSlot ring[2];
    memset(static_cast<void *>(ring), 0, sizeof(ring));
    const auto io = io_with(0, 0);
    ring[1].add(1, 5.0, 5000000, 0, io);
    ring[1].add(1, 1.0, 1000000, 0, io);
    ring[0].add(2, 9.0, 9000000, 0, io);
    pgpf::Counters c{};
    pgpf::Histogram h;
    h.clear();
    pgpf::window_sum(ring, 2, 1, 2, &c, &h);
    EXPECT_DOUBLE_EQ(c.exec.min, 1.0);
    EXPECT_DOUBLE_EQ(c.exec.max, 9.0);
    pgpf::Counters last{};
    pgpf::window_sum(ring, 2, 2, 2, &last, &h);
    EXPECT_DOUBLE_EQ(last.exec.min, 9.0);
}

TEST(WindowSlot, RestoreKeepsTheNewestWithinRange)
{
    pgpf::WindowSlot ring[3];
    memset(static_cast<void *>(ring), 0, sizeof(ring));
    pgpf::WindowSlot s{};
    s.bucket = 7;
    s.calls = 1;
    pgpf::window_restore(ring, 3, s, 5, 9);
    EXPECT_EQ(ring[7 % 3].bucket, 7);
    s.bucket = 3; // out of range
    pgpf::window_restore(ring, 3, s, 5, 9);
    EXPECT_EQ(ring[3 % 3].bucket, 0);
    s.bucket = 1; // same slot as 7, older: not taken
    pgpf::window_restore(ring, 3, s, 0, 9);
    EXPECT_EQ(ring[1].bucket, 7);
}

TEST(Histogram, RecordManyAtOnce)
{
    pgpf::Histogram h;
    h.clear();
    h.record_n(1000, 3);
    h.record_n(1000000, 97);
    EXPECT_EQ(h.total(), 100u);
    EXPECT_NEAR(h.quantile(0.95), 1e6, 1e6 * 0.07);
    h.record_n(1000, UINT32_MAX); // would overflow: everything halved first
    EXPECT_GT(h.count(pgpf::Histogram::bucket_of(1000000)), 40u);
}

// add_in's io_more = false adds what io_more = true adds when the usage has nothing in the local,
// temp and WAL counters (IoUsage::more_of() false).
TEST(WindowSlot, AddInWithoutMoreSameForPlainReads)
{
    pgpf::IoUsage io{};
    io.shared_blks_hit = 3;
    io.shared_blks_read = 1;
    io.shared_blks_dirtied = 1;
    ASSERT_FALSE(io.more_of());
    pgpf::WindowSlot a{}, b{};
    a.add_in(5, 1.5, 2, 1, io, true);
    b.add_in(5, 1.5, 2, 1, io, false);
    a.add_in(5, 0.5, 3, 2, io, true);
    b.add_in(5, 0.5, 3, 2, io, false);
    EXPECT_EQ(0, memcmp(&a, &b, sizeof(a)));
    EXPECT_EQ(b.shared_blks_hit, 6);
    EXPECT_EQ(b.calls, 2);
}
