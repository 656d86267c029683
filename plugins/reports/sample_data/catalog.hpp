#pragma once
// The vocabulary of the sample operations database: tenants, modules with their latency,
// failure and cost profiles, skills, MCP servers and tools, image models. Fixed data, so that
// the same seed always means the same names.
#include <array>
#include <string_view>
#include <vector>

namespace agentsys::sample {

struct Tenant {
  std::string_view id;
  std::string_view name;
  std::string_view tier;  ///< "enterprise", "business" or "starter"
};

/// A weighted error code.
struct ErrorCode {
  std::string_view code;
  double weight;
};

enum class Module { skill_router = 0, mcp_connector = 1, image_creator_hub = 2 };
inline constexpr size_t kModuleCount = 3;

struct ModuleProfile {
  Module module;
  std::string_view name;                 ///< task_runs.module
  double share;                          ///< of all runs
  double latency_median_ms;              ///< succeeded runs: log-normal around this median
  double latency_sigma;                  ///< spread of the log-normal (the tail)
  int timeout_ms;                        ///< timed_out runs end here
  double failure_rate;                   ///< outside failure windows
  double timeout_rate;                   ///< outside failure windows
  std::vector<ErrorCode> failure_codes;  ///< of failed runs outside windows
  std::string_view burst_code;           ///< what a failure window of this module fails with
};

struct McpServer {
  std::string_view server;
  std::vector<std::string_view> tools;
};

struct ImageModel {
  std::string_view model;
  double weight;
  double usd_per_image;
};

/// The statuses of task_runs.status.
inline constexpr std::string_view kSucceeded = "succeeded";
inline constexpr std::string_view kFailed = "failed";
inline constexpr std::string_view kTimedOut = "timed_out";
/// error_code of timed-out runs.
inline constexpr std::string_view kTimeoutCode = "timeout";

/// Tenants by traffic rank: the first few are the heavy ones (Zipf-like shares).
const std::vector<Tenant>& tenants();
const std::array<ModuleProfile, kModuleCount>& modules();
const ModuleProfile& profile(Module m);
/// Skills by popularity rank.
const std::vector<std::string_view>& skills();
/// MCP servers by popularity rank.
const std::vector<McpServer>& mcp_servers();
const std::vector<ImageModel>& image_models();
/// Relative traffic per hour of the day (UTC), 24 entries.
const std::array<double, 24>& hourly_weights();
/// Relative traffic per weekday, 0 = Sunday.
const std::array<double, 7>& weekday_weights();

}  // namespace agentsys::sample
