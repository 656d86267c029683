#include "task/retry_policy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace agentsys {

std::chrono::milliseconds RetryPolicy::backoff_cap(unsigned next_attempt) const {
  double exponent = next_attempt <= 2 ? 0.0 : static_cast<double>(next_attempt - 2);
  double ms =
      static_cast<double>(initial_interval.count()) * std::pow(backoff_coefficient, exponent);
  double cap = static_cast<double>(maximum_interval.count());
  return std::chrono::milliseconds(static_cast<int64_t>(std::min(ms, cap)));
}

std::chrono::milliseconds RetryPolicy::next_delay(unsigned next_attempt,
                                                  std::mt19937_64& rng) const {
  int64_t cap = backoff_cap(next_attempt).count();
  if (cap <= 0) return std::chrono::milliseconds(0);
  std::uniform_int_distribution<int64_t> dist(0, cap);
  return std::chrono::milliseconds(dist(rng));
}

bool RetryPolicy::should_retry(unsigned attempt, ErrorCode code) const {
  if (!info(code).retryable) return false;
  if (std::find(non_retryable.begin(), non_retryable.end(), code) != non_retryable.end()) {
    return false;
  }
  return maximum_attempts == 0 || attempt < maximum_attempts;
}

RetryPolicy RetryPolicy::from_json(const nlohmann::json& j, RetryPolicy p) {
  if (!j.is_object()) throw std::invalid_argument("retry policy: expected a JSON object");
  auto number = [&](const char* key, double min) -> std::optional<double> {
    if (!j.contains(key)) return std::nullopt;
    const auto& v = j.at(key);
    if (!v.is_number() || v.get<double>() < min) {
      throw std::invalid_argument(
          fmt::format("retry policy: '{}' must be a number >= {}", key, min));
    }
    return v.get<double>();
  };
  for (const auto& [key, value] : j.items()) {
    static const std::vector<std::string> known = {"initial_interval_ms", "backoff_coefficient",
                                                   "maximum_interval_ms", "maximum_attempts",
                                                   "non_retryable_error_codes"};
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      throw std::invalid_argument(fmt::format("retry policy: unknown field '{}'", key));
    }
  }
  if (auto v = number("initial_interval_ms", 0)) {
    p.initial_interval = std::chrono::milliseconds(static_cast<int64_t>(*v));
  }
  if (auto v = number("backoff_coefficient", 1)) p.backoff_coefficient = *v;
  if (auto v = number("maximum_interval_ms", 0)) {
    p.maximum_interval = std::chrono::milliseconds(static_cast<int64_t>(*v));
  }
  if (auto v = number("maximum_attempts", 0)) p.maximum_attempts = static_cast<unsigned>(*v);
  if (j.contains("non_retryable_error_codes")) {
    const auto& list = j.at("non_retryable_error_codes");
    if (!list.is_array()) {
      throw std::invalid_argument("retry policy: 'non_retryable_error_codes' must be an array");
    }
    p.non_retryable.clear();
    for (const auto& item : list) {
      auto code = item.is_string() ? parse_error_code(item.get<std::string>()) : std::nullopt;
      if (!code) {
        throw std::invalid_argument(
            fmt::format("retry policy: unknown error code {} (see docs/errors.md)", item.dump()));
      }
      p.non_retryable.push_back(*code);
    }
  }
  return p;
}

RetryPolicy RetryPolicy::from_json(const nlohmann::json& j) { return from_json(j, RetryPolicy{}); }

nlohmann::json RetryPolicy::to_json() const {
  nlohmann::json codes = nlohmann::json::array();
  for (ErrorCode c : non_retryable) codes.push_back(to_string(c));
  return {{"initial_interval_ms", initial_interval.count()},
          {"backoff_coefficient", backoff_coefficient},
          {"maximum_interval_ms", maximum_interval.count()},
          {"maximum_attempts", maximum_attempts},
          {"non_retryable_error_codes", codes}};
}

}  // namespace agentsys
