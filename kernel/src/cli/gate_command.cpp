// agentsys gate --target-month YYYYMM, and agentsys gate record
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/cli.hpp"
#include "cli/command.hpp"
#include "cli/table.hpp"
#include "migration/gate.hpp"
#include "migration/gate_evidence.hpp"
#include "migration/reconcile_files.hpp"

namespace agentsys::cli {
namespace po = boost::program_options;
using json = nlohmann::json;

namespace {

std::string ci_text(const migration::CriterionResult& c) {
  if (!c.ci) return "-";
  const bool share = c.name == "replay_consistency" || c.name == "mttd";
  auto one = [share](double v) {
    if (std::isnan(v)) return std::string("n/a");
    if (std::isinf(v)) return std::string(v > 0 ? "inf" : "-inf");
    return share ? fmt::format("{:.2f}%", v * 100) : fmt::format("{:.3f}", v);
  };
  return fmt::format("[{}, {}]", one(c.ci->low), one(c.ci->high));
}

void check_range(std::string_view option, double value, double low, double high) {
  if (!(value >= low && value <= high)) {
    throw UsageError(
        fmt::format("gate: --{} must be within {}..{}, got {}", option, low, high, value));
  }
}

}  // namespace

int gate_evaluate(CommandContext& ctx) {
  std::string month;
  bool as_json = false;
  migration::GateThresholds t;
  po::options_description desc("Options");
  desc.add_options()                                                                     //
      ("target-month", po::value(&month), "the month whose evidence is judged, YYYYMM")  //
      ("json", po::bool_switch(&as_json), "print the report as JSON");
  po::options_description tuning("Thresholds (defaults: the plan's)");
  tuning.add_options()  //
      ("min-replay-consistency", po::value(&t.min_replay_consistency)->default_value(0.99, "0.99"),
       "share of key fields that must match")  //
      ("min-replay-fields", po::value(&t.min_replay_fields)->default_value(1),
       "fewer compared fields is insufficient data")  //
      ("max-latency-ratio", po::value(&t.max_latency_ratio)->default_value(1.05, "1.05"),
       "p95(V2)/p95(V1) that the CI's upper bound must not exceed")  //
      ("min-latency-pairs", po::value(&t.min_latency_pairs)->default_value(30),
       "fewer paired runs is insufficient data")  //
      ("min-mttd-reduction", po::value(&t.min_mttd_reduction)->default_value(0.5, "0.5"),
       "1 - MTTD(V2)/MTTD(V1) that the CI's lower bound must reach")  //
      ("min-mttd-samples", po::value(&t.min_mttd_samples)->default_value(10),
       "fewer detected failures of either implementation is insufficient data")  //
      ("confidence", po::value(&t.confidence)->default_value(0.95, "0.95"),
       "confidence of every interval (two-sided)")  //
      ("iterations", po::value(&t.bootstrap_iterations)->default_value(2000),
       "bootstrap resamples")  //
      ("seed", po::value(&t.seed)->default_value(t.seed),
       "bootstrap seed (fixed: the same evidence gives the same report)");
  desc.add(tuning);
  if (!ctx.parse(desc)) return kExitOk;
  if (month.empty()) {
    throw UsageError("gate: missing --target-month YYYYMM (usage: " + ctx.usage + ")");
  }
  if (!migration::is_target_month(month)) {
    throw UsageError(fmt::format(
        "gate: --target-month expects a month as YYYYMM (e.g. 202602, month 01..12), got '{}'",
        month));
  }
  check_range("min-replay-consistency", t.min_replay_consistency, 0, 1);
  check_range("max-latency-ratio", t.max_latency_ratio, 0, 1e9);
  check_range("min-mttd-reduction", t.min_mttd_reduction, -1e9, 1);
  check_range("confidence", t.confidence, 0.5, 0.9999);
  check_range("iterations", t.bootstrap_iterations, 100, 1000000);
  check_range("min-latency-pairs", static_cast<double>(t.min_latency_pairs), 1, 1e9);
  check_range("min-mttd-samples", static_cast<double>(t.min_mttd_samples), 1, 1e9);
  check_range("min-replay-fields", static_cast<double>(t.min_replay_fields), 1, 1e18);

  const std::filesystem::path state_dir = migration_state_dir(ctx);
  migration::GateEvidence evidence = migration::collect_gate_evidence(state_dir, month);
  migration::GateReport report = migration::evaluate(evidence, t);
  const int code = report.go ? kExitOk : kExitRuntimeError;
  if (as_json) {
    json doc = migration::to_json(report);
    doc["state_dir"] = state_dir.string();
    doc["reconcile_dir"] = (migration::reconcile_root(state_dir) / month).string();
    ctx.out << doc.dump(2) << "\n";
    return code;
  }
  fmt::print(ctx.out, "Go/No-Go gate for {} (evidence: {}, state database checks)\n\n", month,
             (migration::reconcile_root(state_dir) / month).string());
  Table table({"CRITERION", "VERDICT", "MEASURED", "THRESHOLD", "N",
               fmt::format("CI ({:g}%)", t.confidence * 100), "EVIDENCE"});
  for (const auto& c : report.criteria) {
    table.add({c.name,
               c.verdict == migration::GateVerdict::insufficient_data
                   ? "insufficient data"
                   : std::string(to_string(c.verdict)),
               c.measured_text.empty() ? "-" : c.measured_text, c.threshold_text, c.n_text,
               ci_text(c), c.evidence});
  }
  table.print(ctx.out);
  ctx.out << "\nDecision rules:\n";
  for (const auto& c : report.criteria) fmt::print(ctx.out, "  {}: {}\n", c.name, c.rule);
  if (!report.notes.empty()) {
    ctx.out << "\nNotes:\n";
    for (const auto& n : report.notes) fmt::print(ctx.out, "  {}\n", n);
  }
  fmt::print(ctx.out, "\n{}\n", report.summary());
  return code;
}

int gate_record(CommandContext& ctx) {
  migration::CheckResult r;
  std::string high = "0";
  bool as_json = false;
  po::options_description desc("Options");
  desc.add_options()                                                      //
      ("check", po::value(&r.name), "tests | security_audit (required)")  //
      ("status", po::value(&r.status), "pass | fail (required)")          //
      ("high-findings", po::value(&high),
       "security_audit: high-severity findings still unresolved (default 0)")            //
      ("detail", po::value(&r.detail), "e.g. the CI run or audit report it comes from")  //
      ("json", po::bool_switch(&as_json), "print the record as JSON");
  if (!ctx.parse(desc)) return kExitOk;
  if (r.name.empty()) throw UsageError("gate record: missing --check tests|security_audit");
  if (r.status.empty()) throw UsageError("gate record: missing --status pass|fail");
  const auto& known = migration::GateCheckStore::known_checks();
  if (std::find(known.begin(), known.end(), r.name) == known.end()) {
    throw UsageError(fmt::format("gate record: unknown check '{}': expected one of {}", r.name,
                                 fmt::join(known, ", ")));
  }
  if (r.status != "pass" && r.status != "fail") {
    throw UsageError(
        fmt::format("gate record: unknown status '{}': expected pass or fail", r.status));
  }
  try {
    size_t used = 0;
    r.high_findings_unresolved = std::stoll(high, &used);
    if (used != high.size() || r.high_findings_unresolved < 0) throw std::invalid_argument(high);
  } catch (const std::exception&) {
    throw UsageError(
        fmt::format("gate record: --high-findings expects a count (0 or more), got '{}'", high));
  }
  if (r.name != "security_audit" && r.high_findings_unresolved != 0) {
    throw UsageError("gate record: --high-findings applies to --check security_audit only");
  }
  migration::GateCheckStore store(migration_state_dir(ctx));
  migration::CheckResult saved = store.record(r);
  if (as_json) {
    json doc = {{"check", saved.name},
                {"status", saved.status},
                {"high_findings_unresolved", saved.high_findings_unresolved},
                {"detail", saved.detail},
                {"recorded_at", saved.recorded_at}};
    ctx.out << doc.dump(2) << "\n";
    return kExitOk;
  }
  fmt::print(ctx.out, "recorded {}: {}{} at {}\n", saved.name, saved.status,
             saved.name == "security_audit"
                 ? fmt::format(", {} high finding(s) unresolved", saved.high_findings_unresolved)
                 : "",
             saved.recorded_at);
  return kExitOk;
}

}  // namespace agentsys::cli
