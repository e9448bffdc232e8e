// Plan ids must be order-sensitive and collision-free on realistic small inputs.
#include "fingerprint.hpp"

#include <gtest/gtest.h>

#include <set>

using pgpf::Fingerprint;

TEST(Fingerprint, OrderMatters)
{
    Fingerprint a, b;
    a.mix(1);
    a.mix(2);
    b.mix(2);
    b.mix(1);
    EXPECT_NE(a.finish(), b.finish());
}

TEST(Fingerprint, NoCollisionsAmongSmallSequences)
{
    std::set<uint64_t> seen;
    for (uint64_t x = 0; x < 200; x++)
        for (uint64_t y = 0; y < 200; y++)
            for (uint64_t z = 0; z < 5; z++)
            {
                Fingerprint f;
                f.mix(x);
                f.mix(y);
                f.mix(z);
                seen.insert(f.finish());
            }
    EXPECT_EQ(seen.size(), 200u * 200u * 5u);
}

TEST(Fingerprint, Deterministic)
{
    Fingerprint a, b;
    a.mix(42);
    b.mix(42);
    EXPECT_EQ(a.finish(), b.finish());
    EXPECT_NE(a.finish(), Fingerprint().finish());
}
