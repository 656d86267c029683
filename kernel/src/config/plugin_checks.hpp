#pragma once
// Preflight's checks that plugins contribute through the seam (ABI 1.3 on_validate_config):
// each plugin looks at the effective configuration and answers problems at JSON pointers,
// which are located here at the file and line they came from, and policy questions about
// what the configuration names (SQL, commands, paths, URLs), which policy decides here.
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config_loader.hpp"
#include "config/problem.hpp"

namespace agentsys {
class PluginInstance;
class PolicyGate;
}  // namespace agentsys

namespace agentsys::config {

struct PluginCheckResult {
  /// What the plugins summarised (merged, first plugin wins per key), for `preflight --json`.
  nlohmann::json summary = nlohmann::json::object();
  /// The policy questions, each {"path", "rule", "what", "request"}, for `policy` to decide.
  std::vector<nlohmann::json> policy_checks;
};

/// Calls on_validate_config of every plugin that has it, appending the problems they report
/// (each problem once, however many plugins report it).
PluginCheckResult check_plugin_config(const EffectiveConfig& config,
                                      const std::vector<std::shared_ptr<PluginInstance>>& plugins,
                                      std::vector<Problem>& problems);

/// Decides each policy question; anything not allowed is a problem at its path.
void check_policy_questions(const EffectiveConfig& config, PolicyGate& policy,
                            const std::vector<nlohmann::json>& questions,
                            std::vector<Problem>& problems);

}  // namespace agentsys::config
