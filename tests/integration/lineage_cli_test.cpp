// agentsys lineage show | export, end to end: a real plugin's result carries lineage, the
// kernel builds OpenLineage RunEvents, the lineage plugin keeps them in the state directory.
#include <doctest/doctest.h>

#include <regex>

#include "cli_support.hpp"

using namespace agentsys::cli_test;

namespace {

const json kLineage = {
    {"job", "report.ops_monthly"},
    {"inputs",
     {{{"namespace", "sqlite:///data/ops.db"},
       {"name", "main.task_runs"},
       {"facets", {{"sql", {{"query", "SELECT module FROM task_runs"}}}}}}}},
    {"outputs", {{{"namespace", "file"}, {"name", "/reports/ops_monthly_202602.csv"}}}},
    {"job_facets",
     {{"agentsys_code_version", {{"path", "/legacy/report.py"}, {"sha256", "ab12"}}}}},
    {"run_facets", {{"agentsys_rule_version", {{"rule_version", "9f3c"}, {"definition", "x"}}}}}};

}  // namespace

TEST_CASE("lineage: from a report file back to its inputs, rule version and code version") {
  Cli cli;
  json run = cli.json_of({"run", "behave", "--action", "echo", "--input",
                          json{{"lineage", kLineage}}.dump(), "--json"});
  REQUIRE(run["status"] == "succeeded");

  json by_path = cli.json_of({"lineage", "show", "/reports/ops_monthly_202602.csv", "--json"});
  CHECK(by_path["run_id"] == run["run_id"]);
  CHECK(by_path["job"] == "report.ops_monthly");
  CHECK(by_path["inputs"][0]["name"] == "main.task_runs");
  CHECK(by_path["inputs"][0]["facets"]["sql"]["query"] == "SELECT module FROM task_runs");
  CHECK(by_path["rule_version"]["rule_version"] == "9f3c");
  CHECK(by_path["code_version"]["sha256"] == "ab12");
  CHECK(by_path["implementation"]["plugin"] == "behave_v2");
  CHECK(by_path["implementation"]["impl"] == "v2");

  json by_run = cli.json_of({"lineage", "show", run["run_id"].get<std::string>(), "--json"});
  CHECK(by_run["outputs"] == json{"/reports/ops_monthly_202602.csv"});
  Result text = cli({"lineage", "show", "/reports/ops_monthly_202602.csv"});
  CHECK(text.exit_code == 0);
  CHECK(contains(text.out, "rule version: 9f3c"));
  CHECK(contains(text.out, "sqlite:///data/ops.db main.task_runs"));

  Result missing = cli({"lineage", "show", "/reports/never.csv"});
  CHECK(missing.exit_code == 1);
  CHECK(contains(missing.err, "no recorded run wrote /reports/never.csv"));
}

TEST_CASE("lineage export: OpenLineage RunEvents, START then COMPLETE or FAIL") {
  Cli cli;
  cli.json_of({"run", "behave", "--action", "echo", "--input", json{{"lineage", kLineage}}.dump(),
               "--json"});
  // A module configured with lineage = true is recorded even when it fails.
  Result failed = cli({"--set", "modules.behave.lineage=true", "run", "behave", "--action",
                       "fail_times", "--input", R"({"key": "k", "failures": 9})", "--retry",
                       R"({"maximum_attempts": 1})", "--json"});
  CHECK(failed.exit_code == 1);
  // Without lineage in its result or its configuration, a run leaves no events.
  cli.json_of({"run", "demo", "--json"});

  const fs::path file = cli.dir() / "events.jsonl";
  Result r = cli({"lineage", "export", "--output", file.string()});
  REQUIRE(r.exit_code == 0);
  std::vector<json> events;
  for (const std::string& line : lines_of(slurp(file))) events.push_back(json::parse(line));
  REQUIRE(events.size() == 4);
  const std::regex uuid("^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  for (const json& e : events) {
    CHECK(e["schemaURL"].get<std::string>().find("OpenLineage.json#/$defs/RunEvent") !=
          std::string::npos);
    CHECK(e["producer"].is_string());
    CHECK(std::regex_match(e["run"]["runId"].get<std::string>(), uuid));
    CHECK(e["job"]["namespace"] == "agentsys");
    CHECK(e["eventTime"].get<std::string>().ends_with("Z"));
  }
  CHECK(events[0]["eventType"] == "START");
  CHECK(events[1]["eventType"] == "COMPLETE");
  CHECK(events[1]["outputs"][0]["name"] == "/reports/ops_monthly_202602.csv");
  CHECK(events[0]["run"]["runId"] == events[1]["run"]["runId"]);
  CHECK(events[3]["eventType"] == "FAIL");
  CHECK(events[3]["job"]["name"] == "behave.fail_times");
  CHECK(events[3]["run"]["facets"]["errorMessage"]["message"].get<std::string>().find(
            "planned failure") != std::string::npos);
}
