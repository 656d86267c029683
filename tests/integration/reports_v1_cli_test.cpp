// The reports domain's V1 wrappers end to end: the real CLI, the bundled configuration
// (config/modules/reports.toml), a sample database from `agentsys sample generate`, the legacy
// Python scripts run through the host's run_command under policy.
#include <doctest/doctest.h>

#include <set>

#include "cli_support.hpp"
#include "test_paths.h"
#include "util/sha256.hpp"

using namespace agentsys::cli_test;

namespace {

/// A CLI in a fresh directory with a small sample at var/sample/ops.db (the configured "ops").
struct ReportsCli {
  Cli cli;
  ReportsCli() {
    Result r = cli({"sample", "generate", "--db", "var/sample/ops.db", "--months", "2",
                    "--rows-per-month", "3000"});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  }
  json run(const std::vector<std::string>& args, int expected_exit = 0) {
    std::vector<std::string> all{"run"};
    all.insert(all.end(), args.begin(), args.end());
    all.emplace_back("--json");
    Result r = cli(all);
    INFO("stderr: ", r.err);
    REQUIRE(r.exit_code == expected_exit);
    return json::parse(r.out);
  }
};

}  // namespace

TEST_CASE("reports v1: every report for 202602 through the legacy script, with key fields") {
  ReportsCli t;
  for (const char* report : {"ops_monthly", "skill_usage", "tenant_cost"}) {
    CAPTURE(report);
    json r = t.run({"report_orchestrator", "--report", report, "--target-month", "202602"});
    CHECK(r["status"] == "succeeded");
    CHECK(r["impl"] == "v1");
    const json& out = r["output"];
    CHECK(out["rule_version"].get<std::string>().size() == 16);
    CHECK(fs::exists(out["outputs"]["csv"].get<std::string>()));
    CHECK(fs::exists(out["outputs"]["md"].get<std::string>()));
    const json& rows = out["key_fields"]["rows"];
    REQUIRE(!rows.empty());
    for (const json& row : rows) {
      for (const json& key : out["key_fields"]["key"]) CHECK(row.contains(key.get<std::string>()));
      CHECK(row.contains("generated_at"));  // the V1 quirk is kept for the reconciliation
    }
  }
  json ops = t.run({"report_orchestrator", "--report", "ops_monthly", "--target-month", "202602"});
  std::set<std::string> modules;
  int64_t runs = 0;
  for (const json& row : ops["output"]["key_fields"]["rows"]) {
    modules.insert(row["module"].get<std::string>());
    runs += row["runs"].get<int64_t>();
  }
  CHECK(modules == std::set<std::string>{"skill_router", "mcp_connector", "image_creator_hub"});
  CHECK(runs == 3000);  // every run of the month is counted once
}

TEST_CASE("reports v1: published where policy allows, lineage reaches tables, rule and script") {
  ReportsCli t;
  json r = t.run({"report_orchestrator", "--report", "ops_monthly", "--target-month", "202602"});
  const fs::path published = t.cli.dir() / "var/output/reports/202602/ops_monthly.csv";
  CHECK(fs::exists(published));
  CHECK(r["output"]["publish"]["decision"] == "allow");

  json l = t.cli.json_of({"lineage", "show", published.string(), "--json"});
  CHECK(l["run_id"] == r["run_id"]);
  CHECK(l["implementation"]["impl"] == "v1");
  CHECK(l["inputs"][0]["name"] == "main.task_runs");
  CHECK(l["inputs"][0]["namespace"].get<std::string>().ends_with("/var/sample/ops.db"));
  CHECK(l["inputs"][0]["facets"]["sql"]["query"].get<std::string>().find("FROM task_runs") !=
        std::string::npos);
  CHECK(l["rule_version"]["rule_version"] == r["output"]["rule_version"]);
  const fs::path script =
      fs::path(AGENTSYS_TEST_SOURCE_DIR) / "examples/legacy/scripts/report_orchestrator.py";
  CHECK(l["code_version"]["sha256"] == agentsys::sha256_hex(slurp(script)));

  // Production asks for an approval before publishing: the report is made, not published.
  json prod = t.run({"--env", "prod", "report_orchestrator", "--report", "skill_usage",
                     "--target-month", "202602"});
  CHECK(prod["status"] == "succeeded");
  CHECK(prod["output"]["publish"]["decision"] == "needs_approval");
  CHECK(prod["output"]["published"].empty());
  CHECK_FALSE(fs::exists(t.cli.dir() / "var/prod/output/reports/202602/skill_usage.csv"));
}

TEST_CASE("reports v1: bad input is one clear line, a dry run runs nothing") {
  ReportsCli t;
  for (const char* month : {"202613", "2026-02"}) {
    Result r =
        t.cli({"run", "report_orchestrator", "--report", "ops_monthly", "--target-month", month});
    CHECK(r.exit_code == 1);
    CHECK(count_lines(r.err) == 1);
    CHECK(contains(r.err, "invalid_input"));
    CHECK(contains(r.err, "--target-month expects YYYYMM"));
  }
  Result unknown =
      t.cli({"run", "report_orchestrator", "--report", "nope", "--target-month", "202602"});
  CHECK(contains(unknown.err, "unknown report 'nope'"));

  json dry = t.run(
      {"report_orchestrator", "--report", "ops_monthly", "--target-month", "202602", "--dry-run"});
  CHECK(dry["output"]["dry_run"] == true);
  CHECK_FALSE(fs::exists(t.cli.dir() / "var/output/v1/ops_monthly_202602.csv"));
}

TEST_CASE("reports v1: the scheduler runs every due report, remediation finds nothing to do") {
  ReportsCli t;
  json s = t.run({"report_scheduler", "--target-month", "202602"});
  CHECK(s["status"] == "succeeded");
  CHECK(s["output"]["jobs"].size() == 3);
  CHECK(fs::exists(t.cli.dir() / "var/output/v1/ledger.json"));
  json m = t.run({"report_remediation_runner"});
  CHECK(m["output"]["remediated"].empty());
  CHECK(m["output"]["still_failed"].empty());
}
