// The migration of the reports domain end to end, through the real binary and the user's three
// scripts: a shadow run on a sample database, a V2 fault (a fixture build of the V2
// report_orchestrator, tests/fixtures/faulty/, that corrupts one key field, searched before the
// bundled plugins) that the reconciliation blocks and that makes cutover refuse, a clean shadow
// run, golden samples,
// cutover with its snapshot, and the red line that rolls a faulty V2 back automatically.
#include <doctest/doctest.h>

#include <map>

#include "cli_support.hpp"

using namespace agentsys::cli_test;

namespace {

const std::string kFaultyDir = (fs::path(AGENTSYS_TEST_FIXTURE_DIR) / "faulty").string();
/// The plugin directories for the faulty V2: its directory searched first, so its build of
/// report_orchestrator_v2 is loaded and the bundled one refused as a duplicate.
const std::vector<std::string> kFaultyPlugins = {"--plugin-dir", kFaultyDir, "--plugin-dir",
                                                 AGENTSYS_TEST_PLUGIN_DIR};

/// Every file under `dir` (relative path -> bytes).
std::map<std::string, std::string> files_of(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out[fs::relative(e.path(), dir).string()] = slurp(e.path());
  }
  return out;
}

struct Flow {
  Cli cli;
  Flow() {
    // 20,000 runs a month: enough latencies per module for the percentile bound of the
    // shipped rules (docs/reconciliation.md, "The shipped rules").
    Result r = cli({"sample", "generate", "--db", "var/sample/ops.db", "--months", "2",
                    "--rows-per-month", "20000"});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  }
  [[nodiscard]] json module(const std::string& name) const {
    for (const json& m : cli.json_of({"module", "list", "--json"})) {
      if (m["module"] == name) return m;
    }
    FAIL("no module " << name);
    return {};
  }
  [[nodiscard]] json events_of(const std::string& type) const {
    json out = json::array();
    for (const json& e : cli.json_of({"events", "--json", "--limit", "100000"})) {
      if (e["type"] == type) out.push_back(e);
    }
    return out;
  }
};

}  // namespace

TEST_CASE("migration flow: a corrupted key field blocks, cutover refuses, red lines roll back") {
  Flow f;
  const fs::path recon = f.cli.state_dir() / "reconcile" / "202602" / "report_orchestrator";

  // 1. Shadow with the fault: V1's result is the one published, V2's corrupted module names
  //    are block differences.
  Result shadow = f.cli.script("scripts/migration/v2_shadow_run.sh",
                               {"--target-month", "202602", "--json", "--plugin-dir", kFaultyDir});
  INFO(shadow.out << shadow.err);
  REQUIRE(shadow.exit_code == 1);
  json doc = json::parse(shadow.out);
  CHECK(doc["verdict"] == "block");
  json ops_run;
  for (const json& run : doc["runs"]) {
    if (run["module"] == "report_orchestrator" && run["case"] == "ops_monthly") ops_run = run;
  }
  REQUIRE(ops_run.is_object());
  CHECK(ops_run["verdict"] == "block");
  const fs::path ops_diff = ops_run["diff"].get<std::string>();
  CHECK(ops_diff.parent_path().parent_path() == recon / "pairs");
  const json diff = json::parse(slurp(ops_diff));
  CHECK(diff["summary"]["verdict"] == "block");
  CHECK(diff["summary"]["rows"]["only_v1"] == 3);  // every module name corrupted: no row matches
  CHECK(diff["summary"]["rows"]["only_v2"] == 3);
  CHECK(fs::is_symlink(recon / "diff.json"));  // the latest pair's
  CHECK(f.module("report_orchestrator")["mode"] == "shadow");
  // V1's published CSV (its quirk: a generated_at column), not V2's.
  CHECK(contains(slurp(f.cli.dir() / "var/output/reports/202602/ops_monthly.csv"), "generated_at"));

  // 2. Cutover is refused while the latest shadow comparison blocks: nothing changes.
  Result refused = f.cli.script("scripts/migration/v2_cutover.sh",
                                {"--target-month", "202602", "--percent", "20"});
  INFO(refused.out << refused.err);
  CHECK(refused.exit_code == 1);
  CHECK(contains(refused.err, "reconciliation_failure"));
  CHECK(f.module("report_orchestrator")["mode"] == "shadow");
  CHECK(f.cli.json_of({"snapshot", "list", "--json"}).empty());

  // 3. A clean shadow run supersedes it; V1's golden samples are recorded.
  Result clean = f.cli.script("scripts/migration/v2_shadow_run.sh", {"--target-month", "202602"});
  INFO(clean.out << clean.err);
  REQUIRE(clean.exit_code == 0);
  CHECK(contains(clean.out, "report_orchestrator"));
  CHECK(contains(clean.out, "records: "));
  Result golden =
      f.cli({"golden", "record", "--module", "report_orchestrator", "--target-month", "202602"});
  INFO(golden.out << golden.err);
  REQUIRE(golden.exit_code == 0);
  CHECK(count_lines(golden.out) == 3);  // one per report definition
  json replay = f.cli.json_of({"golden", "replay", "--module", "report_orchestrator",
                               "--target-month", "202602", "--json"});
  CHECK(replay.dump().find("\"block\"") != std::string::npos);

  // 4. Cutover 20% then 100%: each takes a verified snapshot first.
  Result c20 = f.cli.script("scripts/migration/v2_cutover.sh",
                            {"--target-month", "202602", "--percent", "20"});
  INFO(c20.out << c20.err);
  REQUIRE(c20.exit_code == 0);
  CHECK(f.module("report_orchestrator")["mode"] == "cutover");
  CHECK(f.module("report_orchestrator")["percent"] == 20);
  Result c100 = f.cli.script(
      "scripts/migration/v2_cutover.sh",
      {"--target-month", "202602", "--percent", "100", "--module", "report_orchestrator"});
  INFO(c100.out << c100.err);
  REQUIRE(c100.exit_code == 0);
  const json snapshots = f.cli.json_of({"snapshot", "list", "--json"});
  REQUIRE(snapshots.size() == 2);
  CHECK(f.events_of("cutover").size() >= 2);
  const fs::path published = f.cli.dir() / "var/output/reports";
  const std::map<std::string, std::string> before = files_of(published);
  REQUIRE_FALSE(before.empty());

  // 5. The operator's dry run: would roll back, with the evidence; nothing changes.
  Result dry = f.cli.script("scripts/migration/v2_rollback.sh",
                            {"--target-month", "202602", "--reason", "output_mismatch", "--module",
                             "report_orchestrator", "--dry-run"});
  INFO(dry.out << dry.err);
  CHECK(dry.exit_code == 0);
  CHECK(contains(dry.out, "would roll back report_orchestrator to V1 (output_mismatch)"));
  CHECK(contains(dry.out, "key_output_failures"));
  CHECK(contains(dry.out, "- reconciliation_failure"));  // the clean run superseded the fault
  CHECK(f.module("report_orchestrator")["mode"] == "cutover");

  // 6. The caller's bad input (a report that does not exist) fails V2 twice: V1 never served
  //    that input, so it is not V2's regression. The checks are recorded, not counted: no
  //    rollback, and they do not break the run of failures that follows.
  for (int i = 0; i < 2; ++i) {
    Result bad = f.cli(
        {"run", "report_orchestrator", "--report", "no_such_report", "--target-month", "202602"});
    INFO(bad.out << bad.err);
    CHECK(bad.exit_code != 0);
    CHECK(contains(bad.err, "invalid_input"));
  }
  CHECK(f.module("report_orchestrator")["mode"] == "cutover");
  const json checks = f.events_of("key_output_checked");
  REQUIRE(checks.size() >= 2);
  for (size_t i = checks.size() - 2; i < checks.size(); ++i) {
    CHECK(checks[i]["data"]["ok"] == false);
    CHECK(checks[i]["data"]["counted"] == false);
    CHECK(contains(checks[i]["data"]["reason"].get<std::string>(), "not a V2 regression"));
  }

  // 7. Two consecutive faulty V2 runs: the first is a warning, the second the red line.
  const std::vector<std::string> run = {"run",         "report_orchestrator", "--report",
                                        "ops_monthly", "--target-month",      "202602"};
  Result first = f.cli.with_plugin_dirs(kFaultyPlugins, run);
  INFO(first.out << first.err);
  CHECK(first.exit_code == 0);  // the run itself succeeded: its key output is what failed
  CHECK(contains(first.err, "red line not reached"));
  CHECK(f.module("report_orchestrator")["mode"] == "cutover");
  CHECK(files_of(published) != before);  // V2 published its own files
  Result second = f.cli.with_plugin_dirs(kFaultyPlugins, run);
  INFO(second.out << second.err);
  CHECK(contains(second.err, "routed back to V1 (key_output_failure)"));

  // The module is on V1, the published outputs are the snapshot's again, byte for byte.
  CHECK(f.module("report_orchestrator")["mode"] == "v1");
  CHECK(files_of(published) == before);
  const json rollbacks = f.events_of("rollback");
  REQUIRE(rollbacks.size() == 1);
  CHECK(rollbacks[0]["module"] == "report_orchestrator");
  std::vector<fs::path> reports;
  for (const auto& e : fs::directory_iterator(f.cli.state_dir() / "rollbacks")) {
    reports.push_back(e.path() / "rollback_report.md");
  }
  REQUIRE(reports.size() == 1);
  const std::string report = slurp(reports[0]);
  CHECK(contains(report, "key_output_failure"));
  // The snapshot of the cutover's first step (20%): the state before V2 served anything.
  const json cutovers = f.events_of("cutover");
  CHECK(contains(report, cutovers[0]["data"]["snapshot_id"].get<std::string>()));
  CHECK(contains(report, "block difference"));
  const json todos = f.cli.json_of({"todo", "list", "--json"});
  REQUIRE(todos.size() == 1);
  CHECK(todos[0]["module"] == "report_orchestrator");
  CHECK(contains(todos[0]["title"].get<std::string>(), "key_output_failure"));

  // 8. The operator's rollback of the rest of the domain: the scheduler and the remediation
  //    runner still shadow; they go back to V1 too, and a second rollback has nothing to do.
  Result rest = f.cli.script("scripts/migration/v2_rollback.sh",
                             {"--target-month", "202602", "--reason", "output_mismatch"});
  INFO(rest.out << rest.err);
  CHECK(rest.exit_code == 0);
  for (const char* m : {"report_scheduler", "report_remediation_runner", "report_orchestrator"}) {
    CHECK(f.module(m)["mode"] == "v1");
  }
  Result again = f.cli.script("scripts/migration/v2_rollback.sh",
                              {"--target-month", "202602", "--reason", "output_mismatch"});
  CHECK(again.exit_code == 0);
  CHECK(contains(again.out, "nothing to roll back"));
}

TEST_CASE("migration scripts: help, and bad arguments are one clear line with exit 2") {
  Cli cli;
  for (const char* s : {"v2_shadow_run.sh", "v2_cutover.sh", "v2_rollback.sh"}) {
    CAPTURE(s);
    Result help = cli.script(std::string("scripts/migration/") + s, {"--help"});
    CHECK(help.exit_code == 0);
    CHECK(contains(help.out, "Usage: bash scripts/migration/"));
  }
  struct Bad {
    const char* script;
    std::vector<std::string> args;
    const char* says;
  };
  const std::vector<Bad> bad = {
      {"v2_shadow_run.sh", {"--target-month", "202613"}, "202613"},
      {"v2_shadow_run.sh", {"--target-month", "2026-02"}, "2026-02"},
      {"v2_shadow_run.sh", {}, "--target-month"},
      {"v2_cutover.sh", {"--target-month", "202602", "--percent", "101"}, "0..100"},
      {"v2_cutover.sh", {"--target-month", "202602", "--percent", "-5"}, "0..100"},
      {"v2_cutover.sh", {"--target-month", "202602"}, "--percent"},
      {"v2_rollback.sh", {"--target-month", "202602", "--reason", "Output Mismatch!"}, "reason"},
      {"v2_rollback.sh", {"--target-month", "202602"}, "--reason"},
      {"v2_cutover.sh", {"--target-month", "202602", "--percent", "20", "--bogus"}, "bogus"},
  };
  for (const Bad& b : bad) {
    CAPTURE(b.script);
    CAPTURE(b.says);
    Result r = cli.script(std::string("scripts/migration/") + b.script, b.args);
    CHECK(r.exit_code == 2);
    CHECK(count_lines(r.err) == 1);
    CHECK(contains(r.err, b.says));
    CHECK(r.out.empty());
  }
  CHECK_FALSE(fs::exists(cli.state_dir() / "snapshots"));
}
