#include "migration/bootstrap.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <random>

namespace agentsys::migration {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Interval interval_of(std::vector<double>& stats, double confidence) {
  std::erase_if(stats, [](double v) { return std::isnan(v); });
  if (stats.empty()) return {kNaN, kNaN};
  const double alpha = 1 - confidence;
  std::sort(stats.begin(), stats.end());
  return {percentile(stats, alpha / 2), percentile(stats, 1 - alpha / 2)};
}

void draw(std::mt19937_64& rng, std::vector<size_t>& indices, size_t n) {
  for (size_t& i : indices) i = static_cast<size_t>(rng() % n);
}

}  // namespace

double percentile(std::span<const double> values, double q) {
  std::vector<double> copy(values.begin(), values.end());
  return percentile_inplace(copy, q);
}

double percentile_inplace(std::vector<double>& values, double q) {
  if (values.empty()) return kNaN;
  q = std::clamp(q, 0.0, 1.0);
  const double h = q * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(h));
  const double frac = h - static_cast<double>(lo);
  auto lo_it = values.begin() + static_cast<std::ptrdiff_t>(lo);
  std::nth_element(values.begin(), lo_it, values.end());
  const double lower = *lo_it;
  if (frac == 0 || lo + 1 >= values.size()) return lower;
  const double upper = *std::min_element(lo_it + 1, values.end());
  if (lower == upper) return lower;
  if (std::isinf(lower) || std::isinf(upper)) return std::isinf(lower) ? lower : upper;
  return lower + frac * (upper - lower);
}

double normal_quantile(double p) {
  if (!(p > 0 && p < 1)) {
    if (p == 0) return -std::numeric_limits<double>::infinity();
    if (p == 1) return std::numeric_limits<double>::infinity();
    return kNaN;
  }
  static constexpr std::array<double, 6> a = {-3.969683028665376e+01, 2.209460984245205e+02,
                                              -2.759285104469687e+02, 1.383577518672690e+02,
                                              -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr std::array<double, 5> b = {-5.447609879822406e+01, 1.615858368580409e+02,
                                              -1.556989798598866e+02, 6.680131188771972e+01,
                                              -1.328068155288572e+01};
  static constexpr std::array<double, 6> c = {-7.784894002430293e-03, -3.223964580411365e-01,
                                              -2.400758277161838e+00, -2.549732539343734e+00,
                                              4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr std::array<double, 4> d = {7.784695709041462e-03, 3.224671290700398e-01,
                                              2.445134137142996e+00, 3.754408661907416e+00};
  constexpr double p_low = 0.02425;
  double x = 0;
  if (p < p_low) {
    const double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - p_low) {
    const double q = p - 0.5;
    const double r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const double q = std::sqrt(-2 * std::log1p(-p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  // One Halley step on Phi(x) - p.
  const double e = 0.5 * std::erfc(-x / std::sqrt(2.0)) - p;
  const double u = e * std::sqrt(2 * std::numbers::pi) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

Interval wilson_interval(int64_t successes, int64_t n, double confidence) {
  if (n <= 0) return {0, 1};
  const double z = normal_quantile(1 - (1 - confidence) / 2);
  const double nn = static_cast<double>(n);
  const double p = static_cast<double>(successes) / nn;
  const double z2 = z * z;
  const double denom = 1 + z2 / nn;
  const double center = (p + z2 / (2 * nn)) / denom;
  const double half = z / denom * std::sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn));
  return {std::max(0.0, center - half), std::min(1.0, center + half)};
}

Interval bootstrap_ci(size_t n, const std::function<double(std::span<const size_t>)>& statistic,
                      const BootstrapOptions& options) {
  if (n == 0 || options.iterations <= 0) return {kNaN, kNaN};
  std::mt19937_64 rng(options.seed);
  std::vector<size_t> indices(n);
  std::vector<double> stats;
  stats.reserve(static_cast<size_t>(options.iterations));
  for (int i = 0; i < options.iterations; ++i) {
    draw(rng, indices, n);
    stats.push_back(statistic(indices));
  }
  return interval_of(stats, options.confidence);
}

Interval bootstrap_ci_two_sample(
    size_t n1, size_t n2,
    const std::function<double(std::span<const size_t>, std::span<const size_t>)>& statistic,
    const BootstrapOptions& options) {
  if (n1 == 0 || n2 == 0 || options.iterations <= 0) return {kNaN, kNaN};
  std::mt19937_64 rng(options.seed);
  std::vector<size_t> first(n1);
  std::vector<size_t> second(n2);
  std::vector<double> stats;
  stats.reserve(static_cast<size_t>(options.iterations));
  for (int i = 0; i < options.iterations; ++i) {
    draw(rng, first, n1);
    draw(rng, second, n2);
    stats.push_back(statistic(first, second));
  }
  return interval_of(stats, options.confidence);
}

}  // namespace agentsys::migration
