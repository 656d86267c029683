#pragma once
// Rolling a module back to V1: restore the snapshot its cutover took, route it to V1, record
// `rollback` events, write rollback_report.md and leave a to-do item for an operator. Used by
// `agentsys migrate rollback` (scripts/migration/v2_rollback.sh) and by the red lines.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace agentsys {
class Kernel;
}

namespace agentsys::migration {

struct RollbackRequest {
  std::vector<std::string> modules;
  std::string target_month;
  std::string reason;                ///< "CODE" or "CODE: text" (see reason_problem)
  bool automatic = false;            ///< a red line triggered it (else an operator)
  std::string evidence;              ///< Markdown: what triggered it, for the report
  std::filesystem::path config_dir;  ///< the live configuration tree a restore writes back
};

struct RollbackResult {
  std::string id;  ///< "rb_<time>": its directory under <state_dir>/rollbacks/
  std::optional<std::string> snapshot_id;
  size_t restored_files = 0;               ///< files the restore rewrote, created or removed
  std::vector<std::string> modules;        ///< routed back to V1
  std::vector<std::string> affected_runs;  ///< V2 runs since the cutover
  std::filesystem::path report;            ///< rollback_report.md
  int64_t todo_id = 0;
  std::string note;  ///< e.g. why no snapshot was restored
};

/// "" when `reason` is a reason code (`output_mismatch`, `key_output_failure`, ...:
/// [a-z][a-z0-9_]*, at most 64 characters), optionally followed by ": free text"; else what
/// is wrong.
std::string reason_problem(const std::string& reason);

/// The snapshot taken when the modules' current cutover began (the first `cutover` event since
/// their last rollback; the oldest of them across modules), if any: restoring it undoes every
/// step of the cutover, not only the last.
std::optional<std::string> cutover_snapshot(Kernel& kernel,
                                            const std::vector<std::string>& modules);

/// Does it. Throws std::runtime_error when the snapshot exists but fails verification (nothing
/// is changed then, and the modules stay where they are: an operator must decide).
RollbackResult roll_back(Kernel& kernel, const RollbackRequest& request);

}  // namespace agentsys::migration
