// Reconciliation records (migration/reconciler.hpp): files under
// <state_dir>/reconcile/<month>/<module>/, failures graded, noise learned, the daily summary,
// the OpenLineage facet, concurrent pairs.
#include <doctest/doctest.h>

#include <ctime>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <thread>

#include "lineage/openlineage.hpp"
#include "migration/reconcile_files.hpp"
#include "migration/reconcile_summary.hpp"
#include "migration/reconciler.hpp"
#include "test_support.hpp"

using namespace agentsys;
using namespace agentsys::migration;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

std::string result(const json& rows, const std::string& extra = "") {
  json r = {{"report", "ops_monthly"},
            {"key_fields", {{"key", {"module"}}, {"fields", {"runs", "p95"}}, {"rows", rows}}}};
  if (!extra.empty()) r["note"] = extra;
  return r.dump();
}

const json kV1Rows = {{{"module", "a"}, {"runs", 10}, {"p95", 2291.8}, {"generated_at", "t1"}},
                      {{"module", "b"}, {"runs", 20}, {"p95", 100.0}, {"generated_at", "t1"}}};
const json kV2Rows = {{{"module", "b"}, {"runs", 20}, {"p95", 100}},
                      {{"module", "a"}, {"runs", 10}, {"p95", 2292}}};

CompareRules rules() {
  return parse_compare_rules(json{
      {"rules",
       {{{"name", "volatile_generated_at"}, {"fields", {"generated_at"}}, {"method", "ignore"}},
        {{"name", "percentile_method"},
         {"fields", {"p95"}},
         {"method", "tolerance"},
         {"rel", 0.01},
         {"within", "warn"}}}}});
}

ReconcileInput pair(const std::string& run_id, double v1_ms = 600, double v2_ms = 200) {
  ReconcileInput in;
  in.module = "report_orchestrator";
  in.target_month = "202602";
  in.run_id = run_id;
  in.trace_id = "0af7651916cd43dd8448eb211c80319c";
  in.v1 = {run_id + "_v1", "succeeded", "", v1_ms, result(kV1Rows)};
  in.v2.run_id = run_id + "_v2";
  in.v2.status = "succeeded";
  in.v2.latency_ms = v2_ms;
  in.v2.result_json = result(kV2Rows);
  return in;
}

std::chrono::system_clock::time_point at(const char* iso) {
  std::tm tm{};
  std::istringstream(iso) >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

}  // namespace

TEST_CASE("reconcile: the record's files, its runs.jsonl line and its facet") {
  test::TempDir state;
  ReconcileRecord rec = reconcile(pair("run_1"), rules(), state.path());
  const fs::path dir = state.path() / "reconcile" / "202602" / "report_orchestrator";
  CHECK(rec.dir == dir);
  CHECK(rec.month_folder == "202602");
  CHECK(rec.verdict == Verdict::warn);  // the documented percentile difference, listed as warn
  REQUIRE(rec.consistency.has_value());
  CHECK(*rec.consistency == 100.0);
  for (const char* f : {"v1.json", "v2.json", "diff.json", "runs.jsonl", "summary.md"}) {
    CHECK(fs::is_regular_file(dir / f));
  }
  CHECK(json::parse(slurp(dir / "v1.json")) == json::parse(result(kV1Rows)));
  CHECK(json::parse(slurp(dir / "v2.json")) == json::parse(result(kV2Rows)));
  // Nothing temporary is left behind.
  for (const auto& e : fs::directory_iterator(dir)) {
    CHECK(e.path().filename().string().find(".tmp") == std::string::npos);
  }

  json diff = json::parse(slurp(dir / "diff.json"));
  CHECK(diff["module"] == "report_orchestrator");
  CHECK(diff["run_id"] == "run_1");
  CHECK(diff["v1_run_id"] == "run_1_v1");
  CHECK(diff["summary"]["verdict"] == "warn");
  CHECK(diff["compare"]["rules"][1]["name"] == "percentile_method");
  REQUIRE(diff["differences"].size() == 3);  // a.p95 (warn), two generated_at (ignore)
  json warn;
  for (const json& d : diff["differences"]) {
    if (d["grade"] == "warn") warn = d;
  }
  CHECK(warn == json{{"row", {{"module", "a"}}},
                     {"field", "p95"},
                     {"v1", 2291.8},
                     {"v2", 2292},
                     {"grade", "warn"},
                     {"rule", "percentile_method"},
                     {"kind", "documented"}});

  std::vector<json> runs = read_runs(dir);
  REQUIRE(runs.size() == 1);
  const json& line = runs[0];
  CHECK(line["run_id"] == "run_1");
  CHECK(line["v2_run_id"] == "run_1_v2");
  CHECK(line["verdict"] == "warn");
  CHECK(line["consistency"] == 100.0);
  CHECK(line["differences"] == json{{"block", 0}, {"warn", 1}, {"ignore", 2}});
  CHECK(line["ignored_by_rule"] == json{{"volatile_generated_at", 2}});
  CHECK(line["field_differences"]["p95"]["warn"] == 1);
  CHECK(line["v1"]["latency_ms"] == 600.0);
  CHECK(line["v2"]["overran"] == false);
  CHECK(line["day"] == line["at"].get<std::string>().substr(0, 10));
  CHECK(line["rules_version"].get<std::string>().size() == 16);

  json facet = reconciliation_facet(rec);
  CHECK(facet["_producer"] == kLineageProducer);
  CHECK(facet["_schemaURL"].get<std::string>().ends_with("agentsys_reconciliation.json"));
  CHECK(facet["verdict"] == "warn");
  CHECK(facet["consistency"] == 100.0);
  CHECK(facet["differences"] == json{{"block", 0}, {"warn", 1}, {"ignore", 2}});
  CHECK(facet["v1"]["run_id"] == "run_1_v1");
  CHECK(facet["v1"]["output"] == (dir / "v1.json").string());
  CHECK(facet["v2"]["run_id"] == "run_1_v2");
  CHECK(facet["v2"]["output"] == (dir / "v2.json").string());
  CHECK(facet["diff"] == (dir / "diff.json").string());
  CHECK(std::string(kReconciliationFacet) == "agentsys_reconciliation");

  // A second pair appends a line; the latest outputs replace the files.
  ReconcileInput second = pair("run_2");
  second.v2.result_json = result({{{"module", "a"}, {"runs", 11}, {"p95", 2292}}});
  ReconcileRecord r2 = reconcile(second, rules(), state.path());
  CHECK(r2.verdict == Verdict::block);
  CHECK(read_runs(dir).size() == 2);
  CHECK(json::parse(slurp(dir / "v2.json")) == json::parse(second.v2.result_json));
  CHECK(json::parse(slurp(dir / "diff.json"))["run_id"] == "run_2");
}

TEST_CASE("reconcile: no or a malformed target month is unscoped, a bad module is refused") {
  test::TempDir state;
  ReconcileInput in = pair("run_u");
  in.target_month = "";
  CHECK(reconcile(in, rules(), state.path()).dir ==
        state.path() / "reconcile" / "unscoped" / "report_orchestrator");
  in.target_month = "2026-02";
  ReconcileRecord rec = reconcile(in, rules(), state.path());
  CHECK(rec.month_folder == "unscoped");
  CHECK(read_runs(rec.dir).size() == 2);
  CHECK(read_runs(rec.dir)[1]["target_month"] == "2026-02");  // as given
  in.module = "../etc";
  CHECK_THROWS_AS(reconcile(in, rules(), state.path()), std::invalid_argument);
  CHECK(is_target_month("202602"));
  CHECK_FALSE(is_target_month("202613"));
  CHECK_FALSE(is_target_month("2026-02"));
  CHECK_FALSE(is_target_month("196912"));
}

TEST_CASE("reconcile: a V2 failure or overrun blocks, a V1 failure warns, equal failures agree") {
  test::TempDir state;
  ReconcileInput in = pair("run_f");
  in.v2.status = "failed";
  in.v2.error_code = "plugin_error";
  in.v2.result_json = "";
  ReconcileRecord rec = reconcile(in, rules(), state.path());
  CHECK(rec.verdict == Verdict::block);
  CHECK_FALSE(rec.consistency.has_value());  // nothing could be compared
  json diff = json::parse(slurp(rec.diff));
  REQUIRE(diff["differences"].size() == 1);
  const json& d = diff["differences"][0];
  CHECK(d["field"] == "@status");
  CHECK(d["rule"] == "v2_failed");
  CHECK(d["grade"] == "block");
  CHECK(d["v1"]["status"] == "succeeded");
  CHECK(d["v2"]["status"] == "failed");
  CHECK(d["v2"]["error_code"] == "plugin_error");
  CHECK(slurp(rec.v2_output) == "null\n");
  CHECK(rec.line["status_differences"] == json{"v2_failed"});

  // Overran its budget but succeeded: compared, and blocked.
  in = pair("run_o");
  in.v2.overran = true;
  rec = reconcile(in, rules(), state.path());
  CHECK(rec.verdict == Verdict::block);
  CHECK(*rec.consistency == 100.0);
  CHECK(rec.comparison.by_grade[0] == 1);
  CHECK(rec.comparison.rules.back().reason.find("overran") != std::string::npos);

  // V1 failed: nothing to compare V2 with: warn.
  in = pair("run_v1");
  in.v1.status = "failed";
  in.v1.error_code = "plugin_error";
  rec = reconcile(in, rules(), state.path());
  CHECK(rec.verdict == Verdict::warn);
  CHECK(rec.line["status_differences"] == json{"v1_failed"});

  // Both refused the same bad input: they agree.
  in = pair("run_both");
  in.v1.status = in.v2.status = "failed";
  in.v1.error_code = in.v2.error_code = "invalid_input";
  rec = reconcile(in, rules(), state.path());
  CHECK(rec.verdict == Verdict::pass);
  CHECK(rec.comparison.differences.empty());
  in.v2.error_code = "internal";
  CHECK(reconcile(in, rules(), state.path()).verdict == Verdict::block);
}

TEST_CASE("reconcile: noise learned from a second V1 run is applied and recorded") {
  test::TempDir state;
  ReconcileInput in = pair("run_n");
  json v1 = kV1Rows;
  v1[0]["token"] = "a1";
  v1[1]["token"] = "b1";
  json again = kV1Rows;
  again[0]["token"] = "a2";
  again[1]["token"] = "b2";
  again[0]["generated_at"] = "t2";
  again[1]["generated_at"] = "t2";
  json v2 = kV2Rows;
  v2[0]["token"] = "x";
  v2[1]["token"] = "y";
  in.v1.result_json = result(v1);
  in.v2.result_json = result(v2);
  in.v1_repeat = SideOutcome{"run_n_v1b", "succeeded", "", 610, result(again)};
  ReconcileRecord rec = reconcile(in, rules(), state.path());
  CHECK(rec.noise.fields == std::vector<std::string>{"generated_at", "token"});
  CHECK(rec.comparison.noise_fields ==
        std::vector<std::string>{"token"});  // generated_at: own rule
  CHECK(rec.verdict == Verdict::warn);
  CHECK(rec.line["noise"] == json{{"learned", true}, {"fields", {"generated_at", "token"}}});
  CHECK(rec.line["ignored_by_rule"]["noise:learned"] == 2);
  CHECK(slurp(rec.summary).find("`token`") != std::string::npos);
  // Without the second run the token differences block.
  in.v1_repeat.reset();
  CHECK(reconcile(in, rules(), state.path()).verdict == Verdict::block);
}

TEST_CASE("reconcile: the daily summary per UTC day, with latency percentiles") {
  test::TempDir state;
  std::vector<double> v1_ms = {100, 200, 300, 400, 500};
  for (size_t i = 0; i < v1_ms.size(); ++i) {
    ReconcileInput in = pair("run_d" + std::to_string(i), v1_ms[i], v1_ms[i] / 10);
    in.finished_at = at("2026-03-01T06:00:00");
    reconcile(in, rules(), state.path());
  }
  ReconcileInput late = pair("run_late", 1000, 50);
  late.v2.result_json = result({{{"module", "a"}, {"runs", 10}, {"p95", 2292}}});  // b missing
  late.finished_at = at("2026-03-02T00:00:01");
  ReconcileRecord rec = reconcile(late, rules(), state.path());
  const std::string md = slurp(rec.summary);
  INFO(md);
  CHECK(md.find("# Reconciliation: report_orchestrator, 202602") == 0);
  CHECK(md.find("Latest pair: run `run_late`") != std::string::npos);
  CHECK(md.find("| 2026-03-01 | 5 | 0 / 5 / 0 | 100.00% | 0 | 5 | 10 | 300 / 500 | 30 / 50 |") !=
        std::string::npos);
  // 2026-03-02: a's 2 values compared (1 a documented warn), b's 2 missing: 2 of 4 matched.
  CHECK(md.find("| 2026-03-02 | 1 | 0 / 0 / 1 | 50.00% | 1 | 1 | 1 | 1000 / 1000 | 50 / 50 |") !=
        std::string::npos);
  CHECK(md.find("`@row` (block 1)") != std::string::npos);
  CHECK(md.find("`p95` (warn 5)") != std::string::npos);
  CHECK(md.find("10 by `volatile_generated_at`") != std::string::npos);

  RunsAggregate all;
  for (const json& line : read_runs(rec.dir)) all.add(line);
  CHECK(all.runs == 6);
  CHECK(all.verdicts == std::array<size_t, 3>{0, 5, 1});
  CHECK(nearest_rank(all.v1_latency_ms, 50) == 300);
  CHECK(nearest_rank(all.v1_latency_ms, 95) == 1000);
  CHECK_FALSE(nearest_rank({}, 50).has_value());
}

TEST_CASE("reconcile: pairs finishing together each append one whole line") {
  test::TempDir state;
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        reconcile(pair("run_" + std::to_string(t) + "_" + std::to_string(i)), rules(),
                  state.path());
      }
    });
  }
  for (auto& th : threads) th.join();
  const fs::path dir = reconcile_dir(state.path(), "202602", "report_orchestrator");
  const std::string text = slurp(dir / "runs.jsonl");
  CHECK(std::count(text.begin(), text.end(), '\n') == 30);
  CHECK(read_runs(dir).size() == 30);
  CHECK(slurp(dir / "summary.md").find("| 30 | 0 / 30 / 0 |") != std::string::npos);
  CHECK(json::parse(slurp(dir / "diff.json"))["summary"]["verdict"] == "warn");
}
