// Retry policy: exponential caps, full-jitter bounds, attempts and non-retryable codes.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "task/retry_policy.hpp"

using namespace agentsys;
using namespace std::chrono_literals;

TEST_CASE("retry policy: the backoff cap grows by the coefficient up to the maximum interval") {
  RetryPolicy p;
  p.initial_interval = 100ms;
  p.backoff_coefficient = 3.0;
  p.maximum_interval = 2000ms;
  CHECK(p.backoff_cap(2) == 100ms);
  CHECK(p.backoff_cap(3) == 300ms);
  CHECK(p.backoff_cap(4) == 900ms);
  CHECK(p.backoff_cap(5) == 2000ms);
  CHECK(p.backoff_cap(40) == 2000ms);
}

TEST_CASE("retry policy: full jitter draws uniformly within [0, cap]") {
  RetryPolicy p;
  p.initial_interval = 1000ms;
  p.backoff_coefficient = 2.0;
  p.maximum_interval = 60000ms;
  std::mt19937_64 rng(42);
  for (unsigned next = 2; next <= 8; ++next) {
    auto cap = p.backoff_cap(next);
    int64_t lo = cap.count();
    int64_t hi = 0;
    double sum = 0;
    for (int i = 0; i < 2000; ++i) {
      auto d = p.next_delay(next, rng);
      REQUIRE(d >= 0ms);
      REQUIRE(d <= cap);
      lo = std::min(lo, d.count());
      hi = std::max(hi, d.count());
      sum += static_cast<double>(d.count());
    }
    // Uniform: spans the range and averages about half the cap.
    CHECK(lo < cap.count() / 10);
    CHECK(hi > cap.count() * 9 / 10);
    CHECK(sum / 2000 == doctest::Approx(static_cast<double>(cap.count()) / 2).epsilon(0.08));
  }
}

TEST_CASE("retry policy: attempts are bounded by default, non-retryable codes stop at once") {
  RetryPolicy p;  // 3 attempts
  CHECK(p.should_retry(1, ErrorCode::upstream_unavailable));
  CHECK(p.should_retry(2, ErrorCode::timeout));
  CHECK_FALSE(p.should_retry(3, ErrorCode::upstream_unavailable));
  CHECK_FALSE(p.should_retry(1, ErrorCode::invalid_input));  // never retryable
  CHECK_FALSE(p.should_retry(1, ErrorCode::policy_denied));
  p.non_retryable = {ErrorCode::timeout};
  CHECK_FALSE(p.should_retry(1, ErrorCode::timeout));
  p.maximum_attempts = 0;  // unlimited, only when configured
  CHECK(p.should_retry(1000, ErrorCode::upstream_unavailable));
}

TEST_CASE("retry policy: parsed from JSON, bad fields named") {
  auto p = RetryPolicy::from_json(nlohmann::json::parse(
      R"({"initial_interval_ms": 5, "backoff_coefficient": 1.5, "maximum_interval_ms": 50,
          "maximum_attempts": 7, "non_retryable_error_codes": ["timeout"]})"));
  CHECK(p.initial_interval == 5ms);
  CHECK(p.backoff_coefficient == 1.5);
  CHECK(p.maximum_interval == 50ms);
  CHECK(p.maximum_attempts == 7);
  CHECK(p.non_retryable == std::vector<ErrorCode>{ErrorCode::timeout});
  CHECK(RetryPolicy::from_json(p.to_json()).to_json() == p.to_json());
  CHECK_THROWS_WITH(RetryPolicy::from_json(nlohmann::json::parse(R"({"max": 1})")),
                    "retry policy: unknown field 'max'");
  CHECK_THROWS_WITH(
      RetryPolicy::from_json(nlohmann::json::parse(R"({"backoff_coefficient": 0.5})")),
      "retry policy: 'backoff_coefficient' must be a number >= 1");
  CHECK_THROWS_WITH(
      RetryPolicy::from_json(nlohmann::json::parse(R"({"non_retryable_error_codes": ["nope"]})")),
      "retry policy: unknown error code \"nope\" (see docs/errors.md)");
}
