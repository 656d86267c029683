#pragma once
// MTTD samples for the go/no-go gate, measured on shadow pairs (V1 and V2 on the same task, so
// the same window): for each side that failed, from the failure's onset (the start of the call
// that failed) to the event that names its module, step and error code (V1: the runner's
// attempt_failed event; V2: the end of its shadow call, which the pair's record names). One
// JSON line per failed side in <state_dir>/reconcile/<YYYYMM>/mttd.jsonl:
//   {"impl", "onset_ts", "detected_ts", "module", "step", "error_code", "run_id"}
// Format and how the gate reads it: docs/migration.md#evidence-files.
#include <filesystem>
#include <string>
#include <string_view>

namespace agentsys::migration {

struct MttdSample {
  std::string impl;  ///< "v1" or "v2"
  std::string onset_ts;
  std::string detected_ts;
  std::string module;
  std::string step;  ///< from the error message: see failure_step
  std::string error_code;
  std::string run_id;
};

/// The step an error message names: its first word before ": " ("run_sql: database ..." ->
/// "run_sql", "export.py exited 1: ..." -> "export.py"); "" when the
/// message names none.
std::string failure_step(std::string_view message);

/// Appends one line (fsync'ed) to <state_dir>/reconcile/<month>/mttd.jsonl; returns "" or why not.
std::string append_mttd_sample(const std::filesystem::path& state_dir, std::string_view month,
                               const MttdSample& sample);

}  // namespace agentsys::migration
