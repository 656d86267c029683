#pragma once
// Carries each finished run's OpenLineage events to the lineage plugins (kind lineage), and
// asks them questions (`lineage show`, `lineage export`).
#include <nlohmann/json.hpp>
#include <set>
#include <string>

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

  /// Asks the first lineage plugin; returns its response JSON. Throws std::runtime_error when
  /// none is loaded or it fails (std::invalid_argument for AS_ERR_INVALID_INPUT/NOT_FOUND).
  nlohmann::json ask(std::string_view action, const nlohmann::json& input) const;

 private:
  const ModuleRegistry& registry_;
  std::set<std::string, std::less<>> modules_;
};

}  // namespace agentsys
