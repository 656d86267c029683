#pragma once
// The statistics the go/no-go gate decides with: percentiles, the Wilson score interval and
// percentile-bootstrap confidence intervals that are reproducible (a fixed seed gives the
// same interval on every machine: the draws are std::mt19937_64, whose output the C++
// standard fixes, reduced modulo the sample size, never a library distribution).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace agentsys::migration {

struct Interval {
  double low = 0;
  double high = 0;
};

/// The q-quantile (0 <= q <= 1) by linear interpolation between closest ranks (Hyndman & Fan
/// type 7: the default of R, NumPy and spreadsheets' PERCENTILE.INC). NaN when empty.
double percentile(std::span<const double> values, double q);

/// The same on a buffer it may reorder (no copy; nth_element).
double percentile_inplace(std::vector<double>& values, double q);

/// The standard normal quantile function (Acklam's approximation refined by one Halley step;
/// absolute error below 1e-12 on (1e-300, 1 - 1e-16)). normal_quantile(0.975) = 1.95996...
double normal_quantile(double p);

/// Wilson score interval for `successes` of `n` trials at two-sided `confidence`. [0, 1] for
/// n = 0.
Interval wilson_interval(int64_t successes, int64_t n, double confidence);

struct BootstrapOptions {
  int iterations = 2000;
  double confidence = 0.95;  ///< Two-sided: the (1-c)/2 and (1+c)/2 percentiles.
  uint64_t seed = 20260201;
};

/// Percentile bootstrap over one sample of `n` items (pairs, for paired data): each iteration
/// draws n indices with replacement (`rng() % n`, rng = mt19937_64(seed)) and evaluates
/// `statistic` on them; the interval is the percentiles of the statistics. Statistics that
/// are NaN are dropped; +/-inf are kept (they sort to the ends).
Interval bootstrap_ci(size_t n, const std::function<double(std::span<const size_t>)>& statistic,
                      const BootstrapOptions& options);

/// The same for two independent samples, each resampled on its own size every iteration
/// (first sample's indices, then the second's, from the one generator).
Interval bootstrap_ci_two_sample(
    size_t n1, size_t n2,
    const std::function<double(std::span<const size_t>, std::span<const size_t>)>& statistic,
    const BootstrapOptions& options);

}  // namespace agentsys::migration
