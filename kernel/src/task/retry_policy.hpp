#pragma once
// Retry policy, shaped like Temporal's: exponential backoff with full jitter, bounded attempts.
#include <chrono>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "task/error_code.hpp"

namespace agentsys {

struct RetryPolicy {
  std::chrono::milliseconds initial_interval{1000};
  double backoff_coefficient = 2.0;
  std::chrono::milliseconds maximum_interval{60000};
  /// Total attempts including the first; 0 means unlimited (only when set explicitly).
  unsigned maximum_attempts = 3;
  std::vector<ErrorCode> non_retryable;

  /// The cap of the delay before attempt `next_attempt` (2 for the first retry):
  /// min(maximum_interval, initial_interval * coefficient^(next_attempt - 2)).
  [[nodiscard]] std::chrono::milliseconds backoff_cap(unsigned next_attempt) const;

  /// Full jitter: a uniform draw in [0, backoff_cap(next_attempt)].
  std::chrono::milliseconds next_delay(unsigned next_attempt, std::mt19937_64& rng) const;

  /// Whether a run whose attempt `attempt` failed with `code` gets another attempt.
  [[nodiscard]] bool should_retry(unsigned attempt, ErrorCode code) const;

  /// Parses {"initial_interval_ms", "backoff_coefficient", "maximum_interval_ms",
  /// "maximum_attempts", "non_retryable_error_codes"}; missing fields keep their defaults.
  /// Throws std::invalid_argument naming the field.
  static RetryPolicy from_json(const nlohmann::json& j, RetryPolicy defaults);
  static RetryPolicy from_json(const nlohmann::json& j);
  [[nodiscard]] nlohmann::json to_json() const;
};

}  // namespace agentsys
