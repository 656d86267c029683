#pragma once
// Where the go/no-go gate's evidence comes from, for one target month:
//   <state_dir>/reconcile/<YYYYMM>/<module>/runs.jsonl  one line per shadow or replay run
//       {"run_id", "module", "kind": "shadow"|"replay", "fields_compared", "fields_matched",
//        "v1": {"status", "latency_ms"}, "v2": {"status", "latency_ms"}, "ts"}
//   <state_dir>/reconcile/<YYYYMM>/mttd.jsonl           one line per detected failure
//       {"impl": "v1"|"v2", "onset_ts", "detected_ts", "module", "step", "error_code"}
//   the state database's gate_checks table               `agentsys gate record`
// Files are read tolerantly: a malformed line is skipped and counted in the notes. Formats in
// detail: docs/migration.md#evidence-files.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "migration/gate.hpp"

namespace agentsys::sqlite {
class Database;
}

namespace agentsys::migration {

/// Seconds since the epoch of an ISO-8601 timestamp ("2026-02-03T10:00:00Z",
/// "2026-02-03T10:00:00.250+08:00"; a space may replace the T), nullopt when it is not one.
std::optional<double> parse_timestamp(std::string_view text);

/// Reads the evidence files of `month` and the recorded checks. Never throws for a missing
/// or malformed file (a missing file is no evidence; the notes say what was skipped).
GateEvidence collect_gate_evidence(const std::filesystem::path& state_dir,
                                   const std::string& month);

/// The recorded results of the gate's checks (`gate_checks` table; one row per record, the
/// latest per check counts).
class GateCheckStore {
 public:
  /// Nothing is opened until used; reading a state directory without a database finds no
  /// records and creates nothing.
  explicit GateCheckStore(std::filesystem::path state_dir);
  ~GateCheckStore();
  GateCheckStore(const GateCheckStore&) = delete;
  GateCheckStore& operator=(const GateCheckStore&) = delete;

  /// The checks the gate reads: "tests", "security_audit".
  static const std::vector<std::string>& known_checks();

  /// Appends a record (recorded_at = now when empty) and returns it. Throws
  /// std::invalid_argument for an unknown check or a status other than pass|fail, or a
  /// negative finding count.
  CheckResult record(CheckResult result);

  /// The latest record of each check that has one, in known_checks() order.
  std::vector<CheckResult> latest();

 private:
  sqlite::Database* db(bool create);

  std::filesystem::path state_dir_;
  std::unique_ptr<sqlite::Database> db_;
};

}  // namespace agentsys::migration
