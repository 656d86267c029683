#pragma once
// The kernel's single policy entry point: asks the loaded policy plugin (kind policy) to decide
// a request and appends every decision to the decision log.
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace agentsys {

class ModuleRegistry;
class PluginInstance;
class RunStore;
struct CallFrame;

struct PolicyDecision {
  std::string decision;  ///< "allow", "deny" or "needs_approval".
  std::string rule;      ///< Id of the rule that decided.
  std::string reason;
  nlohmann::json detail;  ///< The plugin's whole answer (resolved paths, scrubbed env ...).

  [[nodiscard]] bool allowed() const { return decision == "allow"; }
};

/// Thread-safe once constructed.
class PolicyGate {
 public:
  /// Installs the policy plugin with `config` (its on_create configuration: env, vars,
  /// layers). Throws std::runtime_error when no policy plugin is loaded or it refuses the
  /// configuration. `log` may be null (decisions then go unrecorded: read-only use only).
  PolicyGate(ModuleRegistry& registry, RunStore* log, const nlohmann::json& config);

  /// Decides `request` ({"kind": ..., kind fields}; see plugins/policy). `call` (may be null)
  /// gives the trace and run ids the decision is logged under. Throws std::invalid_argument
  /// for a malformed request (not a deny) and std::runtime_error when the plugin fails.
  PolicyDecision decide(const nlohmann::json& request, const CallFrame* call = nullptr,
                        std::string_view plugin = {});

  /// Appends a decision the kernel made by one of its own rules, without asking the plugin
  /// (e.g. `kernel.query_runs`: plugins may read the kernel's run records), to the decision
  /// log, so that it is audited like the plugin's.
  void record(const nlohmann::json& request, const PolicyDecision& decision,
              const CallFrame* call = nullptr, std::string_view plugin = {});

 private:
  void append(const std::string& input, const nlohmann::json& request,
              const PolicyDecision& decision, const CallFrame* call, std::string_view plugin);

  ModuleRegistry& registry_;
  RunStore* log_;
  std::string plugin_name_;
};

}  // namespace agentsys
