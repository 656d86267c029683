#include "config/config_defaults.hpp"

#include <nlohmann/json.hpp>

namespace agentsys::config {

const nlohmann::json& default_config() {
  // Same values as the kernel's own defaults (RunnerOptions, RetryPolicy, KernelOptions), so
  // that a missing key means what it meant before configuration files existed.
  static const nlohmann::json defaults = {
      {"kernel", {{"state_dir", "var"}, {"durability", "full"}}},
      {"runner",
       {{"max_concurrency", 0},
        {"per_module_concurrency", 0},
        {"pause_after_failures", 5},
        {"default_timeout_s", 300}}},
      {"retry",
       {{"initial_interval_ms", 1000},
        {"backoff_coefficient", 2.0},
        {"maximum_interval_ms", 60000},
        {"maximum_attempts", 3},
        {"non_retryable_error_codes", nlohmann::json::array()}}},
      {"output", {{"dir", "var/output"}}},
      {"plugins", {{"dirs", nlohmann::json::array()}}},
      {"modules", nlohmann::json::object()},
      {"routes", nlohmann::json::array()},
  };
  return defaults;
}

}  // namespace agentsys::config
