// Reconciliation end to end: the real outputs of report_orchestrator through V1 (the legacy
// script) and V2 (the native plugin) on a sample database, compared under the shipped rules
// (config/modules/reports.toml) by the reconciler the runner calls, then `agentsys reconcile
// show` through the real binary.
#include <doctest/doctest.h>

#include "cli_support.hpp"
#include "config/config_loader.hpp"
#include "migration/compare_checks.hpp"
#include "migration/reconciler.hpp"
#include "test_paths.h"

using namespace agentsys::cli_test;
namespace migration = agentsys::migration;

namespace {

migration::CompareRules shipped_rules() {
  agentsys::config::EffectiveConfig cfg = agentsys::config::load_config(
      {"dev", fs::path(AGENTSYS_TEST_SOURCE_DIR) / "config", {}, std::nullopt});
  std::vector<agentsys::config::Problem> problems;
  auto all = agentsys::migration::compare_rules_of(cfg, problems);
  REQUIRE(problems.empty());
  return all.at("report_orchestrator");
}

migration::SideOutcome side(const json& run) {
  migration::SideOutcome s;
  s.run_id = run["run_id"].get<std::string>();
  s.status = run["status"].get<std::string>();
  s.error_code =
      run.value("error_code", json()).is_string() ? run["error_code"].get<std::string>() : "";
  s.latency_ms = run.value("latency_ms", 0.0);
  s.result_json = run.value("output", json()).dump();
  return s;
}

/// One shadow pair done by hand, as the runner will: the report through V1, then V2.
struct Shadow {
  Cli cli;
  Shadow() {
    // 20,000 runs a month: about 3,000 to 11,000 latencies per module, enough for the
    // percentile bound (docs/reconciliation.md, "The shipped rules"); smaller months can exceed it.
    Result r = cli({"sample", "generate", "--db", "var/sample/ops.db", "--months", "2",
                    "--rows-per-month", "20000"});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  }
  json run(const std::string& report, const std::string& mode) {
    Result m = cli({"module", "set", "report_orchestrator", "--mode", mode});
    REQUIRE_MESSAGE(m.exit_code == 0, m.err);
    Result r = cli(
        {"run", "report_orchestrator", "--report", report, "--target-month", "202602", "--json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    json out = json::parse(r.out);
    REQUIRE(out["impl"] == mode);
    return out;
  }
  migration::ReconcileRecord reconcile(const std::string& report) {
    json v1 = run(report, "v1");
    json v2 = run(report, "v2");
    migration::ReconcileInput in;
    in.module = "report_orchestrator";
    in.target_month = "202602";
    in.run_id = v2["run_id"].get<std::string>();
    in.trace_id = v2["trace_id"].get<std::string>();
    in.v1 = side(v1);
    static_cast<migration::SideOutcome&>(in.v2) = side(v2);
    return migration::reconcile(in, shipped_rules(), cli.state_dir());
  }
};

}  // namespace

TEST_CASE("reconcile: real V1 and V2 reports under the shipped rules, then reconcile show") {
  Shadow t;
  // ops_monthly: V1 interpolates percentiles, V2 takes the nearest rank; V1's floats are
  // Python reprs with a generated_at column. The rules classify all of it.
  migration::ReconcileRecord ops = t.reconcile("ops_monthly");
  const migration::Comparison& c = ops.comparison;
  INFO(c.diff_json(json::object()));
  CHECK(c.rows_compared == 3);
  CHECK(c.rows_only_v1 + c.rows_only_v2 == 0);
  CHECK(c.fields_compared == 15);
  CHECK(c.matched == 15);
  CHECK(c.by_grade[0] == 0);
  CHECK(c.ignored_by_rule() == std::map<std::string, uint64_t>{{"volatile_generated_at", 3}});
  CHECK(*ops.consistency == 100.0);
  for (const migration::Difference& d : c.differences) {
    json j = c.difference_json(d);
    if (j["grade"] == "warn") {
      CHECK(j["rule"] == "percentile_method");
      CHECK((j["field"] == "p50_latency_ms" || j["field"] == "p95_latency_ms"));
    }
  }
  CHECK(c.documented > 0);  // at least one percentile interpolated between two values
  CHECK(ops.verdict == migration::Verdict::warn);

  // The runner attaches the facet to the V2 run's lineage event; lineage show then names the
  // verdict. Done here by hand: the V2 run's COMPLETE event again, with the facet.
  const fs::path events = t.cli.state_dir() / "lineage" / "events.jsonl";
  json complete;
  for (const std::string& line : lines_of(slurp(events))) {
    json e = json::parse(line);
    if (e["eventType"] == "COMPLETE" &&
        e["run"]["facets"]["agentsys_run"]["run_id"] == ops.v2_run_id) {
      complete = e;
    }
  }
  REQUIRE(complete.is_object());
  complete["run"]["facets"][migration::kReconciliationFacet] = migration::reconciliation_facet(ops);
  std::ofstream(events, std::ios::app) << complete.dump() << "\n";
  Result shown = t.cli({"lineage", "show", ops.v2_run_id});
  INFO(shown.out << shown.err);
  CHECK(shown.exit_code == 0);
  CHECK(
      contains(shown.out, "reconciliation: warn (consistency 100.00%, differences block 0, warn " +
                              std::to_string(c.by_grade[1]) + ", ignore 3); V1 run " +
                              ops.v1_run_id + ", V2 run " + ops.v2_run_id));
  json shown_json = t.cli.json_of({"lineage", "show", ops.v2_run_id, "--json"});
  CHECK(shown_json["reconciliation"]["verdict"] == "warn");
  CHECK(shown_json["reconciliation"]["v1"]["output"] == ops.v1_output.string());
  // The other reports have no percentiles: every value agrees once the float format is
  // normalised.
  for (const char* report : {"skill_usage", "tenant_cost"}) {
    CAPTURE(report);
    migration::ReconcileRecord r = t.reconcile(report);
    INFO(r.comparison.diff_json(json::object()));
    CHECK(r.comparison.by_grade[0] == 0);
    CHECK(r.comparison.by_grade[1] == 0);
    CHECK(r.verdict == migration::Verdict::pass);
    CHECK(*r.consistency == 100.0);
  }

  // reconcile show: the latest pair (tenant_cost) and the month so far.
  Result r = t.cli({"reconcile", "show", "--target-month", "202602"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "reconciliation 202602"));
  CHECK(contains(r.out, "report_orchestrator: latest pass"));
  CHECK(contains(r.out, "consistency 100.00% (threshold 99.00%)"));
  CHECK(contains(r.out, "differences: block 0, warn 0, ignore"));
  CHECK(contains(r.out, "month: 3 pairs (pass 2, warn 1, block 0)"));
  CHECK(contains(r.out, "latency ms V1 p50"));
  CHECK(contains(r.out, "var/reconcile/202602/report_orchestrator/{v1.json"));

  json j = t.cli.json_of({"reconcile", "show", "--target-month", "202602", "--module",
                          "report_orchestrator", "--json"});
  CHECK(j["target_month"] == "202602");
  REQUIRE(j["modules"].size() == 1);
  const json& m = j["modules"][0];
  CHECK(m["module"] == "report_orchestrator");
  CHECK(m["latest"]["verdict"] == "pass");
  CHECK(m["month"]["runs"] == 3);
  CHECK(m["month"]["verdicts"] == json{{"pass", 2}, {"warn", 1}, {"block", 0}});
  CHECK(m["month"]["latency_ms"]["v1"]["p50"].is_number());
  CHECK(m["month"]["latency_ms"]["v2"]["p95"].is_number());
  for (const char* f : {"v1", "v2", "diff", "runs", "summary"}) {
    CAPTURE(f);
    CHECK(fs::is_regular_file(m["files"][f].get<std::string>()));
  }
  CHECK(m["month"]["top_fields"][0]["field"].get<std::string>().ends_with("_latency_ms"));
  const std::string summary = slurp(m["files"]["summary"].get<std::string>());
  CHECK(contains(summary, "## Daily summary (UTC)"));
  CHECK(contains(summary, "| 3 | 2 / 1 / 0 | 100.00% |"));
}

TEST_CASE("reconcile show: malformed month, no records, unknown module, help") {
  Cli cli;
  for (const char* bad : {"202613", "2026-02", "20260", "abc"}) {
    CAPTURE(bad);
    Result r = cli({"reconcile", "show", "--target-month", bad});
    CHECK(r.exit_code == 2);
    CHECK(count_lines(r.err) == 1);
    CHECK(contains(r.err, std::string("agentsys: error: reconcile show: --target-month expects a "
                                      "month as YYYYMM")));
    CHECK(contains(r.err, std::string("got '") + bad + "'"));
    CHECK(r.out.empty());
  }
  Result none = cli({"reconcile", "show", "--target-month", "202601"});
  CHECK(none.exit_code == 1);
  CHECK(count_lines(none.err) == 1);
  CHECK(contains(none.err, "no reconciliation records for 202601"));
  CHECK_FALSE(fs::exists(cli.state_dir()));  // reading creates nothing

  // Records for one module; another asked for.
  migration::ReconcileInput in;
  in.module = "demo";
  in.target_month = "202601";
  in.run_id = "run_x";
  in.v1 = {"", "succeeded", "", 1, R"({"a":1})"};
  in.v2.status = "succeeded";
  in.v2.result_json = R"({"a":1})";
  migration::reconcile(in, {}, cli.state_dir());
  Result other = cli({"reconcile", "show", "--target-month", "202601", "--module", "nope"});
  CHECK(other.exit_code == 1);
  CHECK(contains(other.err,
                 "no reconciliation records for module 'nope' in 202601 (modules "
                 "with records: demo)"));
  Result ok = cli({"reconcile", "show", "--target-month", "202601"});
  CHECK(ok.exit_code == 0);
  CHECK(contains(ok.out, "demo: latest pass"));
  Result missing = cli({"reconcile", "show"});
  CHECK(missing.exit_code == 2);
  Result help = cli({"reconcile", "show", "--help"});
  CHECK(help.exit_code == 0);
  CHECK(contains(help.out, "Usage: agentsys reconcile show --target-month YYYYMM"));
  CHECK(contains(help.out, "--module"));
  Result noun = cli({"reconcile", "--help"});
  CHECK(noun.exit_code == 0);
  CHECK(contains(noun.out, "show"));
}
