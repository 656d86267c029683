#include "distributions.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace agentsys::sample {

Weighted::Weighted(const std::vector<double>& weights) {
  double total = 0;
  for (double w : weights) {
    if (!(w >= 0)) throw std::invalid_argument("Weighted: negative or NaN weight");
    total += w;
    cumulative_.push_back(total);
  }
  if (total <= 0) throw std::invalid_argument("Weighted: no positive weight");
}

size_t Weighted::pick(Rng& rng) const {
  double x = rng.uniform() * cumulative_.back();
  auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), x);
  return std::min(static_cast<size_t>(it - cumulative_.begin()), cumulative_.size() - 1);
}

std::vector<double> zipf_weights(size_t n, double s) {
  std::vector<double> w(n);
  for (size_t k = 0; k < n; ++k) w[k] = 1.0 / std::pow(static_cast<double>(k + 1), s);
  return w;
}

double lognormal(Rng& rng, double median, double sigma) {
  return median * std::exp(sigma * rng.normal());
}

}  // namespace agentsys::sample
