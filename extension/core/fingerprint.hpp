// Order-sensitive 64-bit mixing of small integers, PG-free.
//
// Used for plan ids (a walk over plan nodes feeds node type, relation and index oids, join type, ...)
// and for the store's key hash. Not cryptographic; what matters is that different sequences collide
// with probability about 2^-64 and that one mix costs a few instructions.
#pragma once

#include <cstdint>

namespace pgpf
{

class Fingerprint
{
  public:
    explicit constexpr Fingerprint(uint64_t seed = 0x9E3779B97F4A7C15ULL) : h_(seed) {}

    constexpr void mix(uint64_t v)
    {
        h_ ^= v * 0xBF58476D1CE4E5B9ULL;
        h_ = ((h_ << 27) | (h_ >> 37)) * 0x94D049BB133111EBULL + 0x52DCE729ULL;
    }
    constexpr uint64_t finish() const { return avalanche(h_); }
    // The running state, to carry a fingerprint through code that keeps it in a plain integer.
    constexpr uint64_t state() const { return h_; }

    // The final mixer of MurmurHash3: every input bit affects every output bit.
    static constexpr uint64_t avalanche(uint64_t x)
    {
        x ^= x >> 33;
        x *= 0xFF51AFD7ED558CCDULL;
        x ^= x >> 33;
        x *= 0xC4CEB9FE1A85EC53ULL;
        x ^= x >> 33;
        return x;
    }

  private:
    uint64_t h_;
};

} // namespace pgpf
