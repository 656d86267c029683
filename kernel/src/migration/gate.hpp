#pragma once
// The go/no-go gate: the plan's four acceptance thresholds (seed plan section 5), each decided
// on recorded evidence with its measured value, threshold, sample size and confidence
// interval. Pure computation: gate_evidence.hpp collects the evidence. Decision rules and
// why: docs/migration.md#the-gono-go-gate.
//
//   migration::GateEvidence evidence = migration::collect_gate_evidence(state_dir, "202602");
//   migration::GateReport report = migration::evaluate(evidence, migration::GateThresholds{});
//   if (!report.go) { /* report.summary() says which criteria failed or lack data */ }
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "migration/bootstrap.hpp"

namespace agentsys::migration {

/// Key-field comparison of one module's replay (or shadow) runs.
struct ReplaySample {
  std::string module;
  int64_t runs = 0;
  int64_t fields_compared = 0;
  int64_t fields_matched = 0;
};

/// A recorded result (`agentsys gate record`): the latest one per check counts.
struct CheckResult {
  std::string name;    ///< "tests" or "security_audit".
  std::string status;  ///< "pass" or "fail".
  int64_t high_findings_unresolved = 0;
  std::string recorded_at;  ///< ISO-8601 UTC.
  std::string detail;
};

/// One run executed by both implementations (shadow): their latencies.
struct LatencyPair {
  double v1_ms = 0;
  double v2_ms = 0;
  std::string module;  ///< For the evidence text only.
};

struct GateEvidence {
  std::string target_month;  ///< "YYYYMM".
  std::vector<ReplaySample> replay;
  std::string replay_source;  ///< e.g. "replay runs"; "" when there is none.
  std::vector<CheckResult> checks;
  std::vector<LatencyPair> latency;
  std::string latency_source;     ///< e.g. "shadow runs where both succeeded".
  std::vector<double> mttd_v1_s;  ///< Onset to detection, seconds, per V1 failure.
  std::vector<double> mttd_v2_s;
  std::string mttd_source;
  std::vector<std::string> notes;  ///< What was skipped while reading, and why.
};

struct GateThresholds {
  double min_replay_consistency = 0.99;  ///< matched / compared key fields.
  int64_t min_replay_fields = 1;         ///< Fewer compared fields: insufficient data.
  double max_latency_ratio = 1.05;       ///< p95(V2) / p95(V1), decided on the CI's upper bound.
  double latency_percentile = 0.95;
  int64_t min_latency_pairs = 30;
  double min_mttd_reduction = 0.50;  ///< 1 - mean(V2) / mean(V1), decided on the CI's lower bound.
  int64_t min_mttd_samples = 10;     ///< Per implementation.
  double confidence = 0.95;          ///< Of every interval (two-sided).
  int bootstrap_iterations = 2000;
  uint64_t seed = 20260201;  ///< Fixed: the same evidence always gives the same intervals.
};

enum class GateVerdict { pass, fail, insufficient_data };
std::string_view to_string(GateVerdict verdict);

struct CriterionResult {
  std::string name;   ///< "replay_consistency", "tests_and_security", "latency_p95", "mttd".
  std::string title;  ///< One line for people.
  GateVerdict verdict = GateVerdict::insufficient_data;
  std::optional<double> measured;  ///< The number the rule compares, when there is one.
  std::string measured_text;       ///< e.g. "99.42%", "1.031x", "tests pass, 0 high open".
  double threshold = 0;
  std::string threshold_text;  ///< e.g. ">= 99.00%".
  int64_t n = 0;               ///< Sample size (fields, checks, pairs, failures).
  std::string n_text;          ///< e.g. "12040 fields", "12 V1 + 14 V2 failures".
  std::optional<Interval> ci;  ///< At GateThresholds::confidence.
  std::string why;             ///< The verdict in one phrase, e.g. "CI upper bound 1.082 > 1.05".
  std::string rule;            ///< The decision rule, in words.
  std::string evidence;        ///< Where the numbers come from, and notes.
};

struct GateReport {
  std::string target_month;
  GateThresholds thresholds;
  std::vector<CriterionResult> criteria;
  std::vector<std::string> notes;
  bool go = false;  ///< Only when every criterion passes.

  [[nodiscard]] std::string decision() const { return go ? "GO" : "NO-GO"; }
  /// "GO", or "NO-GO: latency_p95 insufficient data (29 pairs, need 30); mttd fail".
  [[nodiscard]] std::string summary() const;
};

/// Decides every criterion on `evidence`. Deterministic (see GateThresholds::seed).
GateReport evaluate(const GateEvidence& evidence, const GateThresholds& thresholds = {});

/// {"target_month", "decision", "go", "criteria": [{name, title, verdict, measured,
/// measured_text, threshold, threshold_text, n, n_text, ci: {low, high, confidence}|null,
/// rule, evidence}], "thresholds": {...}, "notes": [...]}. Non-finite numbers are null.
nlohmann::json to_json(const GateReport& report);

}  // namespace agentsys::migration
