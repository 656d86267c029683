// report_orchestrator_v2 and report_scheduler_v2 end to end through the real kernel path: the
// plugins behind a Runner whose host services decide with the real policy plugin and the
// shipped base policy, on a tiny operations database whose figures are computed by hand here.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "checks/report_checks.hpp"
#include "report_test_support.hpp"

namespace fs = std::filesystem;
using namespace agentsys;
using namespace agentsys::test;
using json = nlohmann::json;

namespace {

/// The report plugins behind a runner, with the base policy (and an environment layer) and a
/// database named "ops".
struct Reports {
  TempDir dir;
  fs::path state = fs::canonical(dir.path());
  fs::path db = state / "ops.db";
  fs::path publish_dir = state / "output" / "reports";
  LayeredSink sink;
  ModuleRegistry registry{sink};
  std::unique_ptr<RunStore> store;
  std::unique_ptr<Runner> runner;

  explicit Reports(int catch_up_months = 3, const std::string& env_layer = "dev") {
    write_ops_db(db);
    const json reports = shipped_reports();
    json orchestrator{{"reports", reports},
                      {"databases", {{"ops", db.string()}}},
                      {"database", "ops"},
                      {"publish_dir", publish_dir.string()}};
    LoadResult lib = PluginLibrary::load(bundled("report_orchestrator_v2"));
    REQUIRE_MESSAGE(lib, lib.error);
    REQUIRE(
        registry.install(lib.library, ModuleRegistry::Install::add, orchestrator.dump()).empty());
    LoadResult sched = PluginLibrary::load(bundled("report_scheduler_v2"));
    REQUIRE_MESSAGE(sched, sched.error);
    json scheduler{{"reports", reports}, {"catch_up_months", catch_up_months}};
    REQUIRE(
        registry.install(sched.library, ModuleRegistry::Install::add, scheduler.dump()).empty());
    store = std::make_unique<RunStore>(state, Durability::normal);
    HostEnvironment env;
    env.databases["ops"] = db;
    sink.enable(registry, state, store.get(), env, env_layer);
    RunnerOptions o;
    o.workers = 2;
    o.default_retry.maximum_attempts = 1;
    o.pause_after_failures = 0;  // invalid inputs fail on purpose
    runner = std::make_unique<Runner>(registry, store.get(), nullptr, o);
    Runner* r = runner.get();
    sink.services()->set_submitter([r](TaskSpec t) { return r->submit(std::move(t)); });
  }
  ~Reports() { runner.reset(); }

  RunResult report(const json& input, bool dry_run = false) {
    TaskSpec t;
    t.module = "report_orchestrator";
    t.action = "run";
    t.input_json = input.dump();
    t.dry_run = dry_run;
    return runner->run(t);
  }

  json schedule(const json& input) {
    TaskSpec t;
    t.module = "report_scheduler";
    t.action = "run";
    t.input_json = input.dump();
    RunResult r = runner->run(t);
    REQUIRE_MESSAGE(r.ok(), r.message);
    runner->wait_idle();  // the jobs it submitted
    return json::parse(r.output_json);
  }

  fs::path run_dir(const std::string& run_id) const { return state / "runs" / run_id; }
};

}  // namespace

TEST_CASE("report_orchestrator_v2: ops_monthly end to end, with publish and lineage") {
  Reports h;
  RunResult r = h.report({{"report", "ops_monthly"}, {"target_month", "202602"}});
  REQUIRE_MESSAGE(r.ok(), r.message);
  CHECK(r.plugin == "report_orchestrator_v2");
  json out = json::parse(r.output_json);
  const std::string expected_csv =
      "module,runs,success_rate,p50_latency_ms,p95_latency_ms,total_cost_usd\n"
      "mcp_connector,5,0.6000,300,500,2.0000\n"
      "skill_router,2,1.0000,10,20,0.2500\n";
  const fs::path csv = h.run_dir(r.run_id) / "ops_monthly_202602.csv";
  CHECK(out["outputs"]["csv"] == csv.string());
  CHECK(slurp(csv) == expected_csv);
  CHECK(fs::exists(h.run_dir(r.run_id) / "ops_monthly_202602.md"));
  json rendered = json::parse(slurp(h.run_dir(r.run_id) / "ops_monthly_202602.json"));
  CHECK(rendered["rows"][0] == json::parse(R"(["mcp_connector", 5, 0.6, 300, 500, 2.0])"));

  const json definition = shipped_reports()["ops_monthly"];
  const std::string version = agentsys::reports::checks::report_rule_version(definition);
  CHECK(out["report"] == "ops_monthly");
  CHECK(out["target_month"] == "202602");
  CHECK(out["rule_version"] == version);
  CHECK(out["rows"] == 2);
  CHECK(slurp(h.run_dir(r.run_id) / "ops_monthly_202602.md").find(version) != std::string::npos);

  // key_fields: the figures, numbers as numbers (the kernel keeps them with the run).
  CHECK(out["key_fields"]["key"] == json{"module"});
  CHECK(out["key_fields"]["rows"][1] == json{{"module", "skill_router"},
                                             {"runs", 2},
                                             {"success_rate", 1.0},
                                             {"p50_latency_ms", 10},
                                             {"p95_latency_ms", 20},
                                             {"total_cost_usd", 0.25}});
  CHECK_FALSE(r.key_fields_json.empty());

  // Published: the base policy allows publish in this environment.
  CHECK(out["publish"]["decision"] == "allow");
  const fs::path published = h.publish_dir / "202602" / "ops_monthly.csv";
  REQUIRE(out["published"].size() == 3);
  CHECK(out["published"][0] == published.string());
  CHECK(slurp(published) == expected_csv);

  // Lineage: the database and table read, the query, every file written, the rule version.
  const json& lineage = out["lineage"];
  CHECK(lineage["job"] == "report.ops_monthly");
  REQUIRE(lineage["inputs"].size() == 1);
  CHECK(lineage["inputs"][0]["namespace"] == "sqlite://" + h.db.string());
  CHECK(lineage["inputs"][0]["name"] == "main.task_runs");
  CHECK(lineage["inputs"][0]["facets"]["sql"]["query"] == definition["queries"][0]["sql"]);
  CHECK(lineage["outputs"].size() == 6);
  CHECK(lineage["outputs"][0] == json{{"namespace", "file"}, {"name", csv.string()}});
  CHECK(lineage["run_facets"]["agentsys_rule_version"] ==
        json{{"rule_version", version}, {"definition", "config/reports/ops_monthly.toml"}});
}

TEST_CASE("report_orchestrator_v2: where publishing needs an approval, nothing is published") {
  Reports h(3, "prod");  // prod: high-risk actions such as publish need an approval
  RunResult r = h.report({{"report", "ops_monthly"}, {"target_month", "202602"}});
  REQUIRE_MESSAGE(r.ok(), r.message);
  json out = json::parse(r.output_json);
  CHECK(out["publish"]["decision"] == "needs_approval");
  CHECK(out["publish"]["rule"].is_string());
  CHECK(out["published"].empty());
  CHECK_FALSE(fs::exists(h.publish_dir));
  CHECK(fs::exists(h.run_dir(r.run_id) / "ops_monthly_202602.csv"));  // the run's own copy
  CHECK(out["lineage"]["outputs"].size() == 3);
}

TEST_CASE("report_orchestrator_v2: tenant_cost (two queries, change_pct) and skill_usage (NULLs)") {
  Reports h;
  RunResult r =
      h.report({{"report", "tenant_cost"}, {"target_month", "202602"}, {"publish", false}});
  REQUIRE_MESSAGE(r.ok(), r.message);
  // t1: 0.5 + 0.25 + 0 + 0.125 + 0.125 this month, 1.0 in January; t2: nothing in January
  // (change undefined); t3: idle this month, 0.5 in January (-100 %).
  // t1's January cost is the REAL 1.0 of one row: run_sql keeps it a real ("1.0"), so the sum
  // renders with decimals; an empty sum is the integer 0.
  CHECK(slurp(h.run_dir(r.run_id) / "tenant_cost_202602.csv") ==
        "tenant_id,tenant_name,cost_this_month,cost_prev_month,mom_change_pct\n"
        "t1,Acme,1.0000,1.0000,0.0000\n"
        "t2,\"Beta, Inc.\",1.2500,0,\n"
        "t3,Gamma,0,0.5000,-100.0000\n");
  json out = json::parse(r.output_json);
  CHECK(out["published"].empty());
  CHECK(out["publish"]["decision"] == "skipped");
  CHECK_FALSE(fs::exists(h.publish_dir));
  // Two queries over two tables each: one lineage input per (query, table).
  CHECK(out["lineage"]["inputs"].size() == 4);

  r = h.report({{"report", "skill_usage"}, {"target_month", "202602"}, {"publish", false}});
  REQUIRE_MESSAGE(r.ok(), r.message);
  // translate's only run has no tokens_out: its average is null, an empty cell.
  CHECK(slurp(h.run_dir(r.run_id) / "skill_usage_202602.csv") ==
        "skill,runs,tenants,success_rate,avg_tokens_out\n"
        "summarize,1,1,1.0000,100.0000\n"
        "translate,1,1,1.0000,\n");
  CHECK(json::parse(r.output_json)["key_fields"]["rows"][1]["avg_tokens_out"].is_null());
}

TEST_CASE("report_orchestrator_v2: invalid months and unknown reports are invalid_input") {
  Reports h;
  for (const char* month : {"202613", "2026-02", "20260"}) {
    CAPTURE(month);
    RunResult r = h.report({{"report", "ops_monthly"}, {"target_month", month}});
    CHECK(r.error_code == ErrorCode::invalid_input);
    CHECK(r.message.find(std::string("\"") + month + "\" is not a month") != std::string::npos);
    CHECK(r.message.find("YYYYMM") != std::string::npos);
  }
  RunResult r = h.report({{"report", "ops_monthly"}, {"target_month", 202602}});
  CHECK(r.error_code == ErrorCode::invalid_input);
  r = h.report({{"report", "nope"}, {"target_month", "202602"}});
  CHECK(r.error_code == ErrorCode::invalid_input);
  CHECK(r.message ==
        "unknown report 'nope' (known reports: ops_monthly, skill_usage, tenant_cost)");
  r = h.report({{"target_month", "202602"}});
  CHECK(r.error_code == ErrorCode::invalid_input);
}

TEST_CASE("report_orchestrator_v2: a dry run writes nothing and still returns a full result") {
  Reports h;
  RunResult r = h.report({{"report", "ops_monthly"}, {"target_month", "202602"}}, true);
  REQUIRE_MESSAGE(r.ok(), r.message);
  json out = json::parse(r.output_json);
  CHECK(out["dry_run"] == true);
  CHECK(out["outputs"]["csv"] == (h.run_dir(r.run_id) / "ops_monthly_202602.csv").string());
  CHECK_FALSE(fs::exists(h.run_dir(r.run_id) / "ops_monthly_202602.csv"));
  CHECK_FALSE(fs::exists(h.publish_dir / "202602"));
  CHECK(out["rows"] == 2);
  CHECK(out["lineage"]["outputs"].size() == 6);
}

TEST_CASE("report_scheduler_v2: a backfill submits one job per report, once") {
  Reports h;
  json first = h.schedule({{"target_month", "202602"}});
  CHECK(first["target_month"] == "202602");
  REQUIRE(first["jobs"].size() == 3);
  CHECK(first["submitted"] == 3);
  CHECK(first["jobs"][0]["report"] == "ops_monthly");
  CHECK(first["jobs"][0]["target_month"] == "202602");
  for (const json& job : first["jobs"]) {
    CHECK(job["replayed"] == false);
    const std::string file = job["report"].get<std::string>() + "_202602.csv";
    CHECK(fs::exists(h.run_dir(job["run_id"].get<std::string>()) / file));
  }
  // The same backfill again: the idempotency keys hold the runs, nothing new is submitted.
  json second = h.schedule({{"target_month", "202602"}});
  CHECK(second["submitted"] == 0);
  REQUIRE(second["jobs"].size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    CHECK(second["jobs"][i]["replayed"] == true);
    CHECK(second["jobs"][i]["run_id"] == first["jobs"][i]["run_id"]);
  }
  RunResult bad = [&] {
    TaskSpec t;
    t.module = "report_scheduler";
    t.input_json = R"({"target_month":"2026-02"})";
    return h.runner->run(t);
  }();
  CHECK(bad.error_code == ErrorCode::invalid_input);
}

TEST_CASE("report_scheduler_v2: a tick catches up the months missed while the kernel was down") {
  Reports h(3);
  // A minute before the 1 March run: December's and January's runs are due, February's not yet.
  json early = h.schedule({{"now", "2026-03-01T05:59:00Z"}});
  CHECK(early["submitted"] == 6);
  std::set<std::string> months;
  for (const json& job : early["jobs"]) months.insert(job["target_month"].get<std::string>());
  CHECK(months == std::set<std::string>{"202512", "202601"});
  // After it: February is new, the rest replays.
  json late = h.schedule({{"now", "2026-03-01T06:00:30Z"}});
  CHECK(late["jobs"].size() == 9);
  CHECK(late["submitted"] == 3);
  for (const json& job : late["jobs"]) {
    CHECK(job["replayed"] == (job["target_month"] != "202602"));
  }
  RunResult bad = [&] {
    TaskSpec t;
    t.module = "report_scheduler";
    t.input_json = R"({"now":"yesterday"})";
    return h.runner->run(t);
  }();
  CHECK(bad.error_code == ErrorCode::invalid_input);
}
