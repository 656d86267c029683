#pragma once
// Golden samples: V1's results for a module's tasks of a month, kept as the reference V2 is
// replayed against (`agentsys golden record|replay`) and a cutover is checked against.
//
//   <state_dir>/golden/<module>/<YYYYMM>/<input digest>.json
//     {"module", "target_month", "input", "key_fields", "output", "v1_run_id", "plugin",
//      "plugin_version", "latency_ms", "recorded_at"}
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace agentsys::migration {

struct GoldenCase {
  std::filesystem::path file;
  nlohmann::json input;
  nlohmann::json key_fields;  ///< {"key", "fields", "rows"}, or null when V1 gave none
  nlohmann::json record;      ///< the whole file
};

std::filesystem::path golden_dir(const std::filesystem::path& state_dir, const std::string& module,
                                 const std::string& target_month);

/// The golden case for exactly this input (compared as JSON values), if recorded.
std::optional<GoldenCase> find_golden(const std::filesystem::path& state_dir,
                                      const std::string& module, const std::string& target_month,
                                      const nlohmann::json& input);

/// Every golden case of the module and month (every month when `target_month` is empty).
std::vector<GoldenCase> golden_cases(const std::filesystem::path& state_dir,
                                     const std::string& module, const std::string& target_month);

/// Writes (atomically; replacing an older record of the same input) and returns it.
GoldenCase write_golden(const std::filesystem::path& state_dir, const std::string& module,
                        const std::string& target_month, nlohmann::json record);

}  // namespace agentsys::migration
