#pragma once
// A latency histogram with bounded memory and bounded relative error: log-scale buckets with
// ratio 1.02 between 0.001 ms and 1 h, plus exact count, sum, min and max.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

namespace agentsys::telemetry {

class LatencyHistogram {
 public:
  static constexpr double kMinMs = 0.001;        ///< Lower edge of the first regular bucket.
  static constexpr double kMaxMs = 3'600'000.0;  ///< Samples at or above ~1 h overflow.
  static constexpr double kRatio = 1.02;         ///< Upper/lower edge of each regular bucket.

  /// Number of buckets: [0, kMinMs), the regular buckets, and the overflow bucket.
  static std::size_t bucket_count();
  /// Bucket of a sample (ms >= 0).
  static std::size_t index_of(double ms);
  /// Edges of bucket `i` (the underflow bucket starts at 0, the overflow bucket ends at +inf).
  static double lower_edge(std::size_t i);
  static double upper_edge(std::size_t i);
  /// The value that stands for every sample of bucket `i` (geometric middle): within ~1% of
  /// any of them for regular buckets.
  static double representative(std::size_t i);

  void add(double ms);
  void merge(const LatencyHistogram& other);

  [[nodiscard]] uint64_t count() const { return count_; }
  [[nodiscard]] double sum() const { return sum_; }
  [[nodiscard]] double min() const { return min_; }  ///< Meaningful only when count() > 0.
  [[nodiscard]] double max() const { return max_; }
  /// Count of bucket `i` (0 for a histogram without samples).
  [[nodiscard]] uint64_t bucket(std::size_t i) const { return buckets_.empty() ? 0 : buckets_[i]; }

  /// Nearest-rank quantile, clamped to [min, max]; nullopt without samples.
  [[nodiscard]] std::optional<double> quantile(double q) const;

  /// Persisted form: {"count","sum","min","max","buckets":[[index,count],...]} (sparse).
  [[nodiscard]] nlohmann::json to_json() const;
  /// Inverse of to_json; throws std::runtime_error naming the problem.
  static LatencyHistogram from_json(const nlohmann::json& j);

 private:
  std::vector<uint64_t> buckets_;  // empty until the first sample (cheap empty series)
  uint64_t count_ = 0;
  double sum_ = 0;
  double min_ = 0;
  double max_ = 0;
};

}  // namespace agentsys::telemetry
