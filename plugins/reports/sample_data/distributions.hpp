#pragma once
// The shapes of the sample data: weighted choices (tenant skew, modules, hours of the day) and
// long-tailed amounts (latency, tokens), all drawn from our own Rng.
#include <cstddef>
#include <vector>

#include "prng.hpp"

namespace agentsys::sample {

/// Picks index i with probability weights[i] / sum(weights).
class Weighted {
 public:
  explicit Weighted(const std::vector<double>& weights);
  [[nodiscard]] size_t pick(Rng& rng) const;
  [[nodiscard]] size_t size() const { return cumulative_.size(); }

 private:
  std::vector<double> cumulative_;
};

/// Zipf-like weights 1/k^s for k = 1..n: rank 1 is the heaviest.
std::vector<double> zipf_weights(size_t n, double s);

/// Log-normal with the given median and sigma of the underlying normal: most values near
/// the median, a long tail above it (what latencies and token counts look like).
double lognormal(Rng& rng, double median, double sigma);

}  // namespace agentsys::sample
