#pragma once
// Preflight: everything checked before a run, every problem reported at once — files parse,
// files hold their schemas, named plugins load and serve their modules, routes name existing
// modules, policy rules compile (the policy plugin's `validate`), directories are writable.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config_loader.hpp"
#include "config/problem.hpp"

namespace agentsys::config {

/// A check a layer above the configuration adds (migration's comparison rules): appends
/// located problems.
using ConfigCheck = std::function<void(const EffectiveConfig&, std::vector<Problem>&)>;

struct PreflightRequest {
  ConfigRequest config;
  /// Run after the plugins' own checks, in order.
  std::vector<ConfigCheck> checks;
  /// The plugin search path from the command line or the environment; the configuration's
  /// [plugins] dirs are searched after it.
  std::vector<std::filesystem::path> plugin_dirs;
};

struct PreflightReport {
  std::vector<Problem> problems;  ///< Sorted by file and position.
  /// What was looked at: {"env", "config_dir", "files", "schemas", "plugins", "modules",
  /// "routes", "policy_layers", "directories", "refused_plugins"}.
  nlohmann::json checked;
  [[nodiscard]] bool ok() const { return problems.empty(); }
};

/// Runs every check. Throws ConfigError(usage) when there is nothing to check (unknown
/// environment, no configuration directory, a malformed --set).
PreflightReport run_preflight(const PreflightRequest& request);

}  // namespace agentsys::config
