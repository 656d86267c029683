#pragma once
// Carries each finished run's OpenLineage events to the lineage plugins (kind lineage), and
// asks them questions (`lineage show`, `lineage export`).
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "registry/module_registry.hpp"
#include "task/task.hpp"

namespace agentsys {

class LineageBus {
 public:
  /// Events are emitted for runs of `modules` and for any run whose result carries a
  /// "lineage" member.
  LineageBus(const ModuleRegistry& registry, std::set<std::string, std::less<>> modules);

  /// Thread-safe. Sends the run's START and COMPLETE/FAIL events to every lineage plugin.
  void finished(const RunResult& result);

  /// Thread-safe. Sends ready-made events (e.g. a reconciliation's) to every lineage plugin;
  /// `what` names them in error logs.
  void record(std::vector<nlohmann::json> events, std::string_view what);

  /// Asks the first lineage plugin; returns its response JSON. Throws std::runtime_error when
  /// none is loaded or it fails (std::invalid_argument for AS_ERR_INVALID_INPUT/NOT_FOUND).
  nlohmann::json ask(std::string_view action, const nlohmann::json& input) const;

 private:
  static void send(const std::vector<std::shared_ptr<PluginInstance>>& sinks,
                   std::vector<nlohmann::json> events, std::string_view what);

  const ModuleRegistry& registry_;
  std::set<std::string, std::less<>> modules_;
};

}  // namespace agentsys
