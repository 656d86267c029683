// The migration end to end through the real CLI: a sample database, the bundled reports
// configuration, the legacy V1 scripts and the native V2 plugins, shadow run, reconciliation,
// cutover with its snapshot, the red lines and the automatic rollback.
#include <doctest/doctest.h>

#include <map>

#include "cli_support.hpp"
#include "util/sha256.hpp"

using namespace agentsys::cli_test;

namespace {

constexpr const char* kFault = "AGENTSYS_TEST_FAULT_V2_KEY_FIELD";

/// A CLI in a fresh directory with a small sample at var/sample/ops.db (the configured "ops").
struct MigrationCli {
  Cli cli;
  MigrationCli() {
    ::unsetenv(kFault);
    Result r = cli({"sample", "generate", "--db", "var/sample/ops.db", "--months", "2",
                    "--rows-per-month", "3000"});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  }
  ~MigrationCli() { ::unsetenv(kFault); }

  json run_json(const std::vector<std::string>& args, int expected_exit) {
    std::vector<std::string> all = args;
    all.emplace_back("--json");
    Result r = cli(all);
    INFO("stdout: ", r.out);
    INFO("stderr: ", r.err);
    REQUIRE(r.exit_code == expected_exit);
    return json::parse(r.out);
  }

  /// Every file under var/output: relative path -> sha256.
  std::map<std::string, std::string> outputs() const {
    std::map<std::string, std::string> files;
    const fs::path root = cli.dir() / "var" / "output";
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      if (e.is_regular_file()) {
        files[fs::relative(e.path(), root).string()] = agentsys::sha256_hex(slurp(e.path()));
      }
    }
    return files;
  }

  std::string mode_of(const std::string& module) {
    for (const json& m : run_json({"module", "list"}, 0)) {
      if (m["module"] == module) {
        std::string mode = m["mode"];
        if (!m["percent"].is_null()) mode += " " + std::to_string(m["percent"].get<int>());
        return mode;
      }
    }
    return "";
  }
};

}  // namespace

TEST_CASE("shadow run: V1 serves, V2 runs sandboxed beside it, and every pair is reconciled") {
  MigrationCli t;
  json r = t.run_json({"migrate", "shadow", "--target-month", "202602"}, 0);
  CHECK(r["verdict"] != "block");
  std::map<std::string, json> modules;
  for (const json& m : r["modules"]) modules[m["module"]] = m;
  REQUIRE(modules.count("report_orchestrator") == 1);
  CHECK(modules["report_orchestrator"]["runs"] == 3);  // one per report definition
  CHECK(modules["report_orchestrator"]["v1_succeeded"] == 3);
  CHECK(modules["report_orchestrator"]["v2_succeeded"] == 3);
  CHECK(modules["report_orchestrator"]["rows_compared"].get<int>() > 0);
  CHECK(modules["report_orchestrator"]["differences"]["block"] == 0);
  // The documented percentile difference is graded, not hidden.
  CHECK(modules["report_orchestrator"]["differences"]["warn"].get<int>() > 0);
  CHECK(modules.count("report_scheduler") == 1);
  CHECK(t.mode_of("report_orchestrator") == "shadow");

  const fs::path dir = t.cli.dir() / "var/reconcile/202602/report_orchestrator";
  CHECK(fs::exists(dir / "diff.json"));
  CHECK(fs::exists(dir / "summary.md"));
  CHECK(fs::exists(dir / "runs.jsonl"));
  CHECK(count_lines(slurp(dir / "runs.jsonl")) == 3);

  // V2's publish was recorded as "would write", never done.
  bool sandboxed_publish = false;
  for (const json& run : r["runs"]) {
    if (run["module"] != "report_orchestrator") continue;
    json events = t.run_json({"events", "--run", run["run_id"].get<std::string>() + "-shadow"}, 0);
    for (const json& e : events) {
      if (e["type"] != "side_effect") continue;
      const json d = json::parse(e["data"].get<std::string>());
      if (d["kind"] == "write_file" && d["would_do"] == true &&
          d["detail"].value("sandbox", "") == "shadow") {
        sandboxed_publish = true;
      }
    }
  }
  CHECK(sandboxed_publish);

  Result show = t.cli({"reconcile", "show", "--target-month", "202602"});
  CHECK(show.exit_code == 0);
  CHECK(contains(show.out, "report_orchestrator"));
}

TEST_CASE("a corrupted V2 key field: shadow blocks, cutover is refused, and in cutover two "
          "failures roll back to the snapshot") {
  MigrationCli t;
  ::setenv(kFault, "runs", 1);
  json shadow = t.run_json({"migrate", "shadow", "--target-month", "202602"}, 1);
  CHECK(shadow["verdict"] == "block");
  ::unsetenv(kFault);

  Result refused = t.cli({"migrate", "cutover", "--target-month", "202602", "--percent", "20"});
  CHECK(refused.exit_code == 1);
  CHECK(contains(refused.err, "refused"));
  CHECK(contains(refused.err, "reconciliation_failure"));
  CHECK(t.mode_of("report_orchestrator") == "shadow");  // nothing changed

  // A clean shadow run, golden samples, then the cutover to 100% of the orchestrator.
  t.run_json({"migrate", "shadow", "--target-month", "202602"}, 0);
  t.run_json({"golden", "record", "--module", "report_orchestrator", "--target-month", "202602"},
             0);
  json cut = t.run_json({"migrate", "cutover", "--target-month", "202602", "--percent", "100",
                         "--module", "report_orchestrator"},
                        0);
  const std::string snapshot = cut["snapshot"]["id"];
  CHECK(t.mode_of("report_orchestrator") == "cutover 100");
  const auto at_cutover = t.outputs();

  // V2 now serves every task, with a corrupted key field: two failures in a row.
  ::setenv(kFault, "runs", 1);
  json first = t.run_json(
      {"run", "report_orchestrator", "--report", "ops_monthly", "--target-month", "202602"}, 0);
  CHECK(first["impl"] == "v2");
  CHECK(t.mode_of("report_orchestrator") == "cutover 100");  // one failure is not a red line
  t.run_json({"run", "report_orchestrator", "--report", "skill_usage", "--target-month", "202602"},
             0);
  ::unsetenv(kFault);

  CHECK(t.mode_of("report_orchestrator") == "v1");
  CHECK(t.outputs() == at_cutover);  // restored byte for byte: V2's publishes are gone
  std::vector<fs::path> reports;
  for (const auto& e : fs::recursive_directory_iterator(t.cli.dir() / "var/rollbacks")) {
    if (e.path().filename() == "rollback_report.md") reports.push_back(e.path());
  }
  REQUIRE(reports.size() == 1);
  const std::string report = slurp(reports[0]);
  CHECK(contains(report, "key_output_failure"));
  CHECK(contains(report, snapshot));
  CHECK(contains(report, "What to do next"));
  json todos = t.run_json({"todo", "list"}, 0);
  REQUIRE(todos.size() == 1);
  CHECK(contains(todos[0]["title"].get<std::string>(), "report_orchestrator"));
  json events = t.run_json({"events"}, 0);
  bool rollback_event = false;
  for (const json& e : events) rollback_event = rollback_event || e["type"] == "rollback";
  CHECK(rollback_event);
}

TEST_CASE("rollback by an operator: --dry-run says what it would do; bad arguments exit 2") {
  MigrationCli t;
  CHECK(t.cli({"migrate", "rollback", "--target-month", "202602", "--reason", "Output Mismatch"})
            .exit_code == 2);
  CHECK(t.cli({"migrate", "cutover", "--target-month", "202602", "--percent", "101"}).exit_code ==
        2);
  Result bad_month = t.cli({"migrate", "shadow", "--target-month", "202613"});
  CHECK(bad_month.exit_code == 2);
  CHECK(contains(bad_month.err, "202613"));
  CHECK(t.cli({"migrate", "shadow", "--target-month", "2026-02"}).exit_code == 2);

  t.run_json({"migrate", "shadow", "--target-month", "202602"}, 0);
  t.run_json({"migrate", "cutover", "--target-month", "202602", "--percent", "20"}, 0);
  Result dry = t.cli({"migrate", "rollback", "--target-month", "202602", "--reason",
                      "output_mismatch", "--dry-run"});
  CHECK(dry.exit_code == 0);
  CHECK(contains(dry.out, "would roll back"));
  CHECK(t.mode_of("report_orchestrator") == "cutover 20");
  json done = t.run_json(
      {"migrate", "rollback", "--target-month", "202602", "--reason", "output_mismatch"}, 0);
  CHECK(done["snapshot_id"].is_string());
  CHECK(fs::exists(done["report"].get<std::string>()));
  CHECK(t.mode_of("report_orchestrator") == "v1");
  CHECK(t.mode_of("report_scheduler") == "v1");
}

TEST_CASE("the migration scripts run agentsys and explain themselves") {
  const fs::path scripts = agentsys::test::kSourceDir / "scripts/migration";
  for (const char* script : {"v2_shadow_run.sh", "v2_cutover.sh", "v2_rollback.sh"}) {
    CAPTURE(script);
    std::string cmd = "AGENTSYS=" + quote(AGENTSYS_TEST_BIN) + " bash " +
                      quote((scripts / script).string()) + " --help >/dev/null";
    CHECK(std::system(cmd.c_str()) == 0);
  }
  std::string bad = "AGENTSYS=" + quote(AGENTSYS_TEST_BIN) + " bash " +
                    quote((scripts / "v2_cutover.sh").string()) +
                    " --target-month 202602 --percent 120 2>/dev/null";
  CHECK(WEXITSTATUS(std::system(bad.c_str())) == 2);
}
