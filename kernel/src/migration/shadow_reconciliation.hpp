#pragma once
// What the kernel does with a finished shadow pair: reconcile it under the module's rules
// (reconciler.hpp), record a `shadow_compared` event on the primary run, and emit the
// reconciliation as an OpenLineage run event that links the V1 and V2 outputs it compared; a
// side that failed is an MTTD sample for the gate (mttd.hpp).
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "migration/compare_rules.hpp"
#include "runner/shadow_runner.hpp"

namespace agentsys {
class RunStore;
class LineageBus;
}  // namespace agentsys

namespace agentsys::migration {

struct ReconcileInput;

class ShadowReconciliation {
 public:
  /// `rules`: per module, from its `compare` table (modules without one are compared exactly,
  /// every difference blocking). `store` and `lineage` may be null.
  ShadowReconciliation(std::filesystem::path state_dir, std::map<std::string, CompareRules> rules,
                       RunStore* store, LineageBus* lineage);

  /// Thread-safe (pairs of one module and month are serialised by the reconciler's lock).
  void operator()(const ShadowOutcome& pair);

  /// The module's rules (the defaults when it has none).
  [[nodiscard]] const CompareRules& rules(const std::string& module) const;

 private:
  void record_failures(const ShadowOutcome& pair, const ReconcileInput& in) const;

  std::filesystem::path state_dir_;
  std::map<std::string, CompareRules> rules_;
  CompareRules defaults_;
  RunStore* store_;
  LineageBus* lineage_;
};

}  // namespace agentsys::migration
