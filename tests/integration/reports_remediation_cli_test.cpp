// The reports runbook and report_remediation_runner_v2 end to end: the real CLI, the bundled
// configuration (config/runbook/reports.toml, config/modules/reports.toml), a report job of the
// V1 orchestrator that fails because the operations database does not exist yet, a sample
// database from `agentsys sample generate`, and preflight refusing a broken runbook.
#include <doctest/doctest.h>

#include "cli_support.hpp"
#include "test_paths.h"

using namespace agentsys::cli_test;

namespace {

const fs::path kRepoConfig = fs::path(AGENTSYS_TEST_SOURCE_DIR) / "config";

json run_json(const Cli& cli, const std::vector<std::string>& args, int expected_exit = 0) {
  std::vector<std::string> all{"run"};
  all.insert(all.end(), args.begin(), args.end());
  all.emplace_back("--json");
  Result r = cli(all);
  INFO("stderr: ", r.err);
  REQUIRE(r.exit_code == expected_exit);
  return json::parse(r.out);
}

}  // namespace

TEST_CASE("remediation cli: a failed report job is retried per runbook once its database exists") {
  Cli cli;
  // The V2 remediation runner (the configured mode stays v1) remediating V1 report jobs.
  REQUIRE(cli({"module", "set", "report_remediation_runner", "--mode", "v2"}).exit_code == 0);

  // A job under the scheduler's key, before var/sample/ops.db exists: the legacy script exits 2.
  json failed = run_json(cli,
                         {"report_orchestrator", "--report", "ops_monthly", "--target-month",
                          "202602", "--idempotency-key", "report:ops_monthly:202602"},
                         1);
  CHECK(failed["status"] == "failed");
  CHECK(failed["error_code"] == "invalid_input");

  // Nothing to repair yet for another month; the job is found by month too.
  json none = run_json(cli, {"report_remediation_runner", "--target-month", "202601"});
  CHECK(none["impl"] == "v2");
  CHECK(none["output"]["jobs"] == 0);
  CHECK(none["output"]["status"] == "ok");

  // The cause is fixed, then the runbook's invalid_input entry: notify, one retry.
  Result gen = cli({"sample", "generate", "--db", "var/sample/ops.db", "--months", "2",
                    "--rows-per-month", "3000"});
  REQUIRE_MESSAGE(gen.exit_code == 0, gen.err);
  json fixed = run_json(cli, {"report_remediation_runner", "--target-month", "202602"});
  const json& out = fixed["output"];
  CHECK(out["status"] == "ok");
  CHECK(out["notified"].size() == 1);
  REQUIRE(out["remediated"].size() == 1);
  const json& retried = out["remediated"][0];
  CHECK(retried["job"] == "report:ops_monthly:202602");
  CHECK(retried["entry"] == "invalid_input");
  CHECK(retried["run_id"] == failed["run_id"]);
  CHECK(retried["submitted"]["idempotency_key"] == "report:ops_monthly:202602#r2");
  CHECK(fs::exists(out["log"].get<std::string>()));

  // The retry ran before the command returned, and published the month.
  const std::string retry_run = retried["submitted"]["run_id"];
  json shown = cli.json_of({"runs", "show", retry_run, "--json"});
  CHECK(shown["run"]["status"] == "succeeded");
  CHECK(shown["run"]["module"] == "report_orchestrator");
  CHECK(fs::exists(cli.dir() / "var/output/reports/202602/ops_monthly.csv"));

  // Done: the next pass leaves the job alone.
  json again = run_json(cli, {"report_remediation_runner"});
  CHECK(again["output"]["remediated"].empty());
  REQUIRE(again["output"]["skipped"].size() == 1);
  CHECK(again["output"]["skipped"][0]["reason"] == "succeeded_later");
}

TEST_CASE("remediation cli: preflight refuses a bad runbook, naming file, line and field") {
  Cli cli;
  const fs::path dir = cli.dir() / "config-runbook";
  fs::copy(kRepoConfig, dir, fs::copy_options::recursive);
  std::ofstream(dir / "runbook" / "broken.toml") << R"(module = "report_orchestrator"

[entries.disk_full]
description = "not an error code of the kernel"
risk = "low"
rollback_point = "none"
max_attempts = 2
steps = [{ action = "retry" }]

[entries.timeout]
description = "a wrong risk"
risk = "medium"
rollback_point = "none"
max_attempts = 2
steps = [{ action = "retry_with_backoff" }]
)";
  Result r = cli({"--config-dir", dir.string(), "preflight"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(count_lines(r.out) == 3);  // one line per problem, nothing else
  CHECK(contains(r.out,
                 "config-runbook/runbook/broken.toml:4:1: /runbook/broken/entries/disk_full: "
                 "runbook.error_code: 'disk_full' is not an error code"));
  CHECK(contains(r.out,
                 "config-runbook/runbook/broken.toml:15:12: /runbook/broken/entries/timeout/steps/"
                 "0/action: runbook.step: retry_with_backoff needs backoff_s"));
  CHECK(contains(r.out,
                 "config-runbook/runbook/broken.toml:12:1: /entries/timeout/risk: "
                 "schema.enum"));

  // The shipped runbook is fine, and preflight says what it checked.
  json ok = cli.json_of({"--config-dir", kRepoConfig.string(), "preflight", "--json"});
  CHECK(ok["checked"]["runbooks"]["reports"]["module"] == "report_orchestrator");
}
