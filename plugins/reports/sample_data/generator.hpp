#pragma once
// The rows of one month of sample operations: task runs spread over the month by day of week
// and hour of day, heavy tenants, long-tailed latency per module, a few failure windows (bursts
// of one error code on one module), and the one detail row each run has.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog.hpp"
#include "month.hpp"

namespace agentsys::sample {

struct RunRow {
  std::string run_id;      ///< "run_YYYYMM_NNNNNNNN", in started_at order
  std::string started_at;  ///< "YYYY-MM-DDTHH:MM:SS.mmmZ"
  size_t tenant = 0;       ///< index into tenants()
  Module module = Module::skill_router;
  std::string_view status;
  int64_t latency_ms = 0;
  double cost_usd = 0;
  std::string_view error_code;  ///< empty: NULL (succeeded)

  // The detail row, by module.
  std::string_view skill;  ///< skill_runs.skill
  int64_t tokens_in = 0;
  std::optional<int64_t> tokens_out;  ///< none: NULL (no answer)
  std::string_view server;            ///< mcp_calls.server
  std::string_view tool;              ///< mcp_calls.tool
  std::string_view model;             ///< image_jobs.model
  int64_t images = 0;
};

/// A stretch of time during which one module fails far more often, with one error code.
struct FailureWindow {
  int64_t start_ms = 0;  ///< from the start of the month
  int64_t end_ms = 0;
  Module module = Module::skill_router;
  double failure_rate = 0;
};

/// `rows` runs of `month`, sorted by started_at. The same (month, rows, seed) always gives the
/// same rows; each month draws from its own stream, so a month's rows do not depend on which
/// other months are generated.
std::vector<RunRow> generate_month(const Month& month, int64_t rows, uint64_t seed);

/// The failure windows generate_month uses for (month, seed).
std::vector<FailureWindow> failure_windows(const Month& month, uint64_t seed);

}  // namespace agentsys::sample
