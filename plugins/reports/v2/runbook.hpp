#pragma once
// A runbook (config/runbook/NAME.toml, docs/runbook.md) as the remediation runner receives it:
// the TOML converted to JSON, under the plugin configuration's "runbook" table. Entries are
// keyed by the kernel error code a run failed with.
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace agentsys::reports {

enum class Risk { low, high };

enum class StepAction {
  retry,               ///< submit the job again: same module, action and input
  retry_with_backoff,  ///< the same, once backoff_s * 2^(runs - 1) s passed since the failure
  notify,              ///< a warning for the operators (log, metric, remediation record)
};

struct RunbookStep {
  StepAction action = StepAction::notify;
  Risk risk = Risk::low;  ///< the step's own, or its entry's
  int64_t backoff_s = 0;  ///< retry_with_backoff only
  std::string description;
};

struct RunbookEntry {
  std::string error_code;
  std::string description;
  std::string rollback_point;  ///< "none" or "last_published_output"
  int max_attempts = 1;        ///< runs a job may have in all
  std::vector<RunbookStep> steps;
};

struct Runbook {
  std::string name;    ///< the file stem
  std::string module;  ///< whose failed runs it remediates
  std::map<std::string, RunbookEntry, std::less<>> entries;

  /// The entry for `error_code`, or null.
  [[nodiscard]] const RunbookEntry* find(std::string_view error_code) const;
};

/// Reads and checks one runbook; throws std::invalid_argument naming the runbook, the field
/// and the problem (preflight reports the same problems with file and line).
Runbook parse_runbook(const std::string& name, const nlohmann::json& json);

std::string_view to_string(Risk risk);
std::string_view to_string(StepAction action);
/// retry and retry_with_backoff: the steps that submit the job again.
bool is_retry(StepAction action);

}  // namespace agentsys::reports
