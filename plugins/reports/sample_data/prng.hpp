#pragma once
// The sample data's random numbers: xoshiro256** seeded through SplitMix64, with uniform and
// normal variates computed here. std:: distributions are not used because their output is
// implementation-defined, and the same seed must give the same file everywhere we build.
#include <cmath>
#include <cstdint>

namespace agentsys::sample {

/// SplitMix64 step: also used to derive independent seeds (per month, per tenant).
inline uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// A seed derived from a parent seed and a label (a month, a tenant index).
inline uint64_t derive_seed(uint64_t seed, uint64_t label) {
  uint64_t state = seed ^ (label * 0xd1b54a32d192ed03ULL);
  splitmix64(state);
  return splitmix64(state);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& word : s_) word = splitmix64(seed);
  }

  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  /// Uniform in [0, 1), 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  /// Uniform integer in [0, n), n > 0 (the modulo bias is below 2^-40 for our n).
  uint64_t below(uint64_t n) { return next() % n; }

  /// Uniform integer in [lo, hi].
  int64_t between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo) + 1));
  }

  bool chance(double p) { return uniform() < p; }

  /// Standard normal (Box-Muller; one variate per call keeps the stream simple).
  double normal() {
    double u1 = 1.0 - uniform();  // (0, 1]: log(0) is never taken
    double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4]{};
};

}  // namespace agentsys::sample
