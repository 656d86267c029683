#pragma once
// Reconciliation of one shadow pair: what the runner calls after V1 and V2 both finished on
// the same task. It compares the two results under the module's rules (comparator.hpp), writes
// the record under <state_dir>/reconcile/<target_month>/<module>/ (reconcile_files.hpp) and
// returns it, with an OpenLineage run facet that links the two outputs and the verdict.
//
//   migration::ReconcileInput in;
//   in.module = "billing_export"; in.target_month = "202602";
//   in.run_id = pair_run_id; in.trace_id = trace_id;
//   in.v1 = {v1_run_id, "succeeded", "", 612.0, v1_result_json};
//   in.v2 = {{v2_run_id, "succeeded", "", 208.5, v2_result_json}, /*overran=*/false};
//   migration::ReconcileRecord rec = migration::reconcile(in, rules, state_dir);
//   run_facets[migration::kReconciliationFacet] = migration::reconciliation_facet(rec);
//
// Thread- and process-safe: pairs of one module and month are serialised by an flock on
// <dir>/.lock, so runs.jsonl and summary.md stay consistent when pairs finish together.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "migration/comparator.hpp"
#include "migration/compare_rules.hpp"
#include "migration/noise.hpp"

namespace agentsys::migration {

/// One implementation's run in a shadow pair.
struct SideOutcome {
  std::string run_id;      ///< this side's run id ("" when the pair has one run id)
  std::string status;      ///< a task status name: "succeeded", "failed", "timed_out", ...
  std::string error_code;  ///< "" when none
  double latency_ms = 0;
  std::string result_json;  ///< the plugin's result as it returned it ("" when none)
};

struct V2Outcome : SideOutcome {
  bool overran = false;  ///< V2 ran over its latency budget (a block difference, v2_failed)
};

struct ReconcileInput {
  std::string module;        ///< a module id ([a-z][a-z0-9_]*)
  std::string target_month;  ///< YYYYMM; empty or not a month: recorded under "unscoped"
  std::string run_id;        ///< the shadow pair's run id
  std::string trace_id;
  /// "shadow" (V1 and V2 on the same task) or "replay" (V2 against a golden V1 record): the
  /// go/no-go gate reads replay consistency and shadow latency from these lines.
  std::string kind = "shadow";
  SideOutcome v1;
  V2Outcome v2;
  /// A second V1 run on the same input, when the module learns noise (rules.noise_learning):
  /// fields that differ between v1 and v1_repeat are ignored as noise (rule noise:learned).
  std::optional<SideOutcome> v1_repeat;
  /// The labelled right value (the input's `compare.truth.input` member), when the case has
  /// one: the record then says which side was right (truth.hpp). It may be null (e.g. "no
  /// skill fits").
  std::optional<nlohmann::json> truth;
  /// When the pair finished; the daily summary groups by its UTC date. Default: now.
  std::optional<std::chrono::system_clock::time_point> finished_at;
};

struct ReconcileRecord {
  std::string module;
  std::string target_month;  ///< as given
  std::string month_folder;  ///< YYYYMM or "unscoped"
  std::string run_id;
  std::string trace_id;
  std::string v1_run_id;  ///< the side's run id, else the pair's
  std::string v2_run_id;
  std::string finished_at;  ///< ISO-8601 UTC
  std::string day;          ///< YYYY-MM-DD (UTC)
  Verdict verdict = Verdict::pass;
  std::optional<double> consistency;
  Noise noise;  ///< what was learned (empty without v1_repeat)
  /// The comparison itself (its tables stay alive with it).
  Comparison comparison;
  /// The line appended to runs.jsonl.
  nlohmann::json line;

  std::filesystem::path dir;  ///< <state_dir>/reconcile/<month_folder>/<module> (absolute)
  std::filesystem::path v1_output;
  std::filesystem::path v2_output;
  std::filesystem::path diff;
  std::filesystem::path runs;
  std::filesystem::path summary;
};

/// Compares the pair, writes v1.json, v2.json, diff.json (atomically), appends to runs.jsonl
/// (synced) and regenerates summary.md (atomically). Status first:
/// - V2 failed (any status but succeeded) where V1 succeeded, or with another error code than
///   V1's, or V2 overran its budget: a block difference on @status (rule v2_failed);
/// - V1 failed where V2 succeeded: a warn difference on @status (rule v1_failed) — there is
///   nothing to compare V2 with;
/// - both failed with the same error code: they agree, nothing to compare;
/// results are compared only when both succeeded (an overrun V2's result too).
/// Throws std::invalid_argument for a module that is not a module id, std::runtime_error when
/// a file cannot be written (naming it).
ReconcileRecord reconcile(const ReconcileInput& input, const CompareRules& rules,
                          const std::filesystem::path& state_dir);

/// The name to give the facet in the run's facets.
inline constexpr const char* kReconciliationFacet = "agentsys_reconciliation";

/// An OpenLineage custom run facet: {"_producer", "_schemaURL", "module", "target_month",
/// "verdict", "consistency", "threshold", "differences": {block, warn, ignore},
/// "fields_compared", "matched", "ignored", "rows": {...}, "noise_fields",
/// "v1": {"run_id", "status", "output"}, "v2": {"run_id", "status", "overran", "output"},
/// "diff", "summary"} (paths absolute).
nlohmann::json reconciliation_facet(const ReconcileRecord& record);

}  // namespace agentsys::migration
