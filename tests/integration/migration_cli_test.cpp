// agentsys snapshot | todo | gate, end to end through the executable. Every test works on a
// copy of the repository's configuration in its scratch directory (./config), so that a
// restore never writes into the source tree.
#include <doctest/doctest.h>

#include "cli_support.hpp"
#include "test_paths.h"

using namespace agentsys::cli_test;

namespace {

/// A scratch directory with ./config (a copy of the repository's) and outputs in var/output
/// (what config/env/dev.toml names).
struct Workspace {
  Cli cli{false};
  fs::path config = cli.dir() / "config";
  fs::path output = cli.dir() / "var" / "output";

  Workspace() {
    fs::copy(fs::path(AGENTSYS_TEST_SOURCE_DIR) / "config", config, fs::copy_options::recursive);
    write(output / "ledger.json", R"({"jobs": {"ops_monthly:202602": "succeeded"}})");
    write(output / "202602" / "ops_monthly.csv", "month,runs\n202602,100\n");
  }

  static void write(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
  }
};

std::string single_line(const std::string& text) {
  std::vector<std::string> lines = lines_of(text);
  return lines.size() == 1 ? lines[0] : "(" + std::to_string(lines.size()) + " lines) " + text;
}

}  // namespace

TEST_CASE("snapshot create, list, show, verify, restore through the CLI") {
  Workspace w;
  json created = w.cli.json_of({"snapshot", "create", "--reason", "before cutover", "--json"});
  const std::string id = created["id"];
  CHECK(id.rfind("snap_", 0) == 0);
  CHECK(created["reason"] == "before cutover");
  CHECK(created["sources"]["config_dir"] == fs::canonical(w.config).string());
  CHECK(created["sources"]["output_dir"] == fs::canonical(w.output).string());
  CHECK(fs::exists(w.cli.state_dir() / "snapshots" / id / "manifest.json"));
  CHECK(fs::exists(w.cli.state_dir() / "snapshots" / id / "outputs" / "ledger.json"));
  CHECK(fs::exists(w.cli.state_dir() / "snapshots" / id / "config" / "env" / "dev.toml"));

  json list = w.cli.json_of({"snapshot", "list", "--json"});
  REQUIRE(list.size() == 1);
  CHECK(list[0]["id"] == id);
  Result text = w.cli({"snapshot", "list"});
  CHECK(text.exit_code == 0);
  CHECK(contains(text.out, id));
  CHECK(contains(text.out, "before cutover"));

  json show = w.cli.json_of({"snapshot", "show", id, "--json"});
  CHECK(show["snapshot"]["id"] == id);
  CHECK(show["state"]["module_modes"].is_array());
  bool listed = false;
  for (const json& e : show["entries"]) listed = listed || e["path"] == "outputs/ledger.json";
  CHECK(listed);

  Result verify = w.cli({"snapshot", "verify", id});
  CHECK(verify.exit_code == 0);
  CHECK(contains(verify.out, "ok"));

  // The cutover changes the configuration and the outputs.
  const std::string dev_before = slurp(w.config / "env" / "dev.toml");
  const std::string ledger_before = slurp(w.output / "ledger.json");
  Workspace::write(w.config / "env" / "dev.toml", dev_before + "\n# changed by cutover\n");
  fs::remove(w.output / "ledger.json");
  Workspace::write(w.output / "202603" / "new.csv", "x\n");

  Result dry = w.cli({"snapshot", "restore", id, "--dry-run"});
  CHECK(dry.exit_code == 0);
  CHECK(contains(dry.out, "dry run: 3 change(s) would be made"));
  CHECK(contains(dry.out, (w.output / "202603").string()));
  CHECK_FALSE(fs::exists(w.output / "ledger.json"));

  json restored = w.cli.json_of({"snapshot", "restore", id, "--json"});
  CHECK(restored["changes"].size() == 3);
  CHECK(slurp(w.config / "env" / "dev.toml") == dev_before);
  CHECK(slurp(w.output / "ledger.json") == ledger_before);
  CHECK_FALSE(fs::exists(w.output / "202603"));
  json again = w.cli.json_of({"snapshot", "restore", id, "--json"});
  CHECK(again["changes"].empty());

  // A tampered snapshot fails verification (exit 1) and is not restored from.
  Workspace::write(w.cli.state_dir() / "snapshots" / id / "outputs" / "ledger.json", "{}");
  Result bad = w.cli({"snapshot", "verify", id});
  CHECK(bad.exit_code == 1);
  CHECK(contains(bad.out, "verification FAILED"));
  CHECK(contains(bad.out, "changed: outputs/ledger.json"));
  json bad_json = w.cli.json_of({"snapshot", "verify", id, "--json"}, 1);
  CHECK(bad_json["ok"] == false);
  Workspace::write(w.output / "ledger.json", "after");
  Result refused = w.cli({"snapshot", "restore", id});
  CHECK(refused.exit_code == 1);
  CHECK(contains(refused.err, "failed verification"));
  CHECK(contains(refused.err, "refusing to restore"));
  CHECK(slurp(w.output / "ledger.json") == "after");
}

TEST_CASE("snapshot: unknown ids and missing arguments are usage errors") {
  Workspace w;
  for (const char* verb : {"show", "verify", "restore"}) {
    Result r = w.cli({"snapshot", verb, "snap_missing"});
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, "no snapshot 'snap_missing'"));
    CHECK(count_lines(r.err) == 1);
    Result none = w.cli({"snapshot", verb});
    CHECK(none.exit_code == 2);
    CHECK(contains(none.err, "missing ID"));
  }
  Result empty = w.cli({"snapshot", "list"});
  CHECK(empty.exit_code == 0);
  CHECK(contains(empty.out, "no snapshots"));
  Result help = w.cli({"snapshot", "create", "--help"});
  CHECK(help.exit_code == 0);
  CHECK(contains(help.out, "--reason"));
}

TEST_CASE("todo add, list, done through the CLI") {
  Workspace w;
  Result empty = w.cli({"todo", "list"});
  CHECK(empty.exit_code == 0);
  CHECK(contains(empty.out, "no open to-do items"));

  json added = w.cli.json_of({"todo", "add", "--title", "Read the rollback report", "--detail",
                              "report_orchestrator rolled back", "--module", "report_orchestrator",
                              "--json"});
  const int64_t id = added["id"];
  CHECK(added["status"] == "open");
  CHECK(added["source"] == "operator");
  Result text = w.cli({"todo", "list"});
  CHECK(contains(text.out, "Read the rollback report"));
  CHECK(contains(text.out, "report_orchestrator"));

  Result done = w.cli({"todo", "done", std::to_string(id), "--note", "cause found"});
  CHECK(done.exit_code == 0);
  CHECK(contains(done.out, "done"));
  CHECK(w.cli.json_of({"todo", "list", "--json"}).empty());
  json all = w.cli.json_of({"todo", "list", "--all", "--json"});
  REQUIRE(all.size() == 1);
  CHECK(all[0]["done_note"] == "cause found");

  Result twice = w.cli({"todo", "done", std::to_string(id)});
  CHECK(twice.exit_code == 1);
  CHECK(contains(twice.err, "already done"));
  Result unknown = w.cli({"todo", "done", "999"});
  CHECK(unknown.exit_code == 2);
  CHECK(contains(unknown.err, "no to-do item 999"));
  Result junk = w.cli({"todo", "done", "abc"});
  CHECK(junk.exit_code == 2);
  Result blank = w.cli({"todo", "add", "--title", " "});
  CHECK(blank.exit_code == 2);
}

TEST_CASE("gate: GO and NO-GO on recorded evidence, exit codes, malformed months") {
  Workspace w;
  const fs::path month = w.cli.state_dir() / "reconcile" / "202602";
  std::string runs;
  for (int i = 0; i < 40; ++i) {
    runs += json{{"run_id", "run_" + std::to_string(i)},
                 {"module", "report_orchestrator"},
                 {"kind", i < 10 ? "replay" : "shadow"},
                 {"fields_compared", 20},
                 {"fields_matched", 20},
                 {"v1", {{"status", "succeeded"}, {"latency_ms", 200 + (i % 7) * 10}}},
                 {"v2", {{"status", "succeeded"}, {"latency_ms", 180 + (i % 7) * 9}}},
                 {"ts", "2026-02-15T00:00:00Z"}}
                .dump() +
            "\n";
  }
  Workspace::write(month / "report_orchestrator" / "runs.jsonl", runs);
  std::string mttd;
  for (int i = 0; i < 10; ++i) {
    mttd += json{{"impl", "v1"},
                 {"onset_ts", 1000 * i},
                 {"detected_ts", 1000 * i + 300 + i},
                 {"module", "report_orchestrator"},
                 {"step", "extract"},
                 {"error_code", "sql_error"}}
                .dump() +
            "\n";
    mttd += json{{"impl", "v2"},
                 {"onset_ts", 1000 * i},
                 {"detected_ts", 1000 * i + 40 + i},
                 {"module", "report_orchestrator"},
                 {"step", "extract"},
                 {"error_code", "sql_error"}}
                .dump() +
            "\n";
  }
  Workspace::write(month / "mttd.jsonl", mttd);

  // Without recorded checks: NO-GO, and it says how to record them.
  Result missing = w.cli({"gate", "--target-month", "202602"});
  CHECK(missing.exit_code == 1);
  CHECK(contains(missing.out, "no recorded result for tests: run `agentsys gate record"));
  CHECK(contains(missing.out, "NO-GO"));

  CHECK(w.cli({"gate", "record", "--check", "tests", "--status", "pass", "--detail", "ctest"})
            .exit_code == 0);
  CHECK(w.cli({"gate", "record", "--check", "security_audit", "--status", "pass"}).exit_code == 0);
  Result go = w.cli({"gate", "--target-month", "202602"});
  CHECK(go.exit_code == 0);
  CHECK(contains(go.out, "replay_consistency"));
  CHECK(contains(go.out, "latency_p95"));
  CHECK(contains(go.out, "CI (95%)"));
  CHECK(lines_of(go.out).back() == "GO");
  json report = w.cli.json_of({"gate", "--target-month", "202602", "--json"});
  CHECK(report["decision"] == "GO");
  CHECK(report["criteria"][0]["n"] == 200);  // the 10 replay runs' fields
  CHECK(report["criteria"][2]["n"] == 30);   // the shadow pairs
  CHECK(report["criteria"][3]["n"] == 20);

  CHECK(w.cli({"gate", "record", "--check", "security_audit", "--status", "pass", "--high-findings",
               "1"})
            .exit_code == 0);
  json nogo = w.cli.json_of({"gate", "--target-month", "202602", "--json"}, 1);
  CHECK(nogo["decision"] == "NO-GO");
  CHECK(nogo["criteria"][1]["verdict"] == "fail");

  // Another month has no evidence: insufficient data, NO-GO.
  json empty = w.cli.json_of({"gate", "--target-month", "202601", "--json"}, 1);
  CHECK(empty["criteria"][2]["verdict"] == "insufficient_data");

  for (const char* bad : {"202613", "2026-02"}) {
    Result r = w.cli({"gate", "--target-month", bad});
    CHECK(r.exit_code == 2);
    CHECK(single_line(r.err) ==
          std::string("agentsys: error: gate: --target-month expects a month as YYYYMM (e.g. "
                      "202602, month 01..12), got '") +
              bad + "'");
  }
  CHECK(w.cli({"gate"}).exit_code == 2);
  Result bad_check = w.cli({"gate", "record", "--check", "lint", "--status", "pass"});
  CHECK(bad_check.exit_code == 2);
  CHECK(contains(bad_check.err, "unknown check 'lint'"));
  Result help = w.cli({"gate", "--help"});
  CHECK(help.exit_code == 0);
  CHECK(contains(help.out, "--target-month"));
  CHECK(contains(help.out, "--max-latency-ratio"));
}
