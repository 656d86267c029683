// The host's side-effect services through their real interface: a real plugin (behave_v2)
// asks the host, the real policy plugin decides with the shipped base policy, and we check
// what actually happened on disk and in a real SQLite database.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "host/sql_executor.hpp"
#include "runner/runner.hpp"
#include "store/sqlite.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace agentsys;
using namespace agentsys::test;
using json = nlohmann::json;

namespace {

/// behave_v2 behind a runner whose host services use the shipped base policy, with an
/// operations database "ops" (a task_runs table of 3 rows) under the state directory.
struct Host {
  TempDir dir;
  fs::path state = fs::canonical(dir.path());
  fs::path db = state / "ops.db";
  PolicedSink sink;
  ModuleRegistry registry{sink};
  std::unique_ptr<RunStore> store;
  std::unique_ptr<Runner> runner;

  Host() {
    LoadResult behave = PluginLibrary::load(good("behave_v2"));
    REQUIRE_MESSAGE(behave, behave.error);
    REQUIRE(registry.install(behave.library, ModuleRegistry::Install::add).empty());
    {
      sqlite::Database ops(db, true);
      ops.exec("CREATE TABLE task_runs(run_id TEXT PRIMARY KEY, tenant_id TEXT, latency_ms INT)");
      ops.exec("INSERT INTO task_runs VALUES ('a','t1',10),('b','t1',20),('c','t2',30)");
    }
    store = std::make_unique<RunStore>(state, Durability::normal);
    HostEnvironment env;
    env.databases["ops"] = db;
    sink.enable(registry, state, store.get(), env);
    sink.services()->set_run_store(store.get());
    RunnerOptions o;
    o.workers = 2;
    o.default_retry.maximum_attempts = 1;
    o.pause_after_failures = 0;  // these tests fail on purpose, many times
    runner = std::make_unique<Runner>(registry, store.get(), nullptr, o);
  }
  ~Host() { runner.reset(); }

  RunResult ask(const std::string& service, const json& request, bool dry_run = false) {
    TaskSpec t;
    t.module = "behave";
    t.action = "host";
    t.input_json = json{{"service", service}, {"request", request}}.dump();
    t.dry_run = dry_run;
    return runner->run(t);
  }

  int64_t rows() {
    sqlite::Database ops(db, false);
    sqlite::Statement s = ops.prepare("SELECT count(*) FROM task_runs");
    REQUIRE(s.step());
    return s.column_int(0);
  }

  std::vector<DecisionRow> decisions(const std::string& run_id) {
    store->sync();
    return store->decisions(run_id);
  }
};

}  // namespace

TEST_CASE("host: a denied command is not run, and the decision is logged under the run") {
  Host h;
  const fs::path marker = h.state / "pwned";
  for (const json& argv :
       {json{"sh", "-c", "touch " + marker.string()}, json{"/usr/bin/touch", marker.string()},
        json{"env", "sh", "-c", "touch " + marker.string()},
        json{"python3", "-c", "open('" + marker.string() + "','w')"}}) {
    CAPTURE(argv.dump());
    RunResult r = h.ask("run_command", {{"argv", argv}});
    CHECK(r.status == TaskStatus::failed);
    CHECK(r.error_code == ErrorCode::policy_denied);
    CHECK(r.message.find("run_command: policy denied") != std::string::npos);
    CHECK_FALSE(fs::exists(marker));
    std::vector<DecisionRow> log = h.decisions(r.run_id);
    REQUIRE(log.size() == 1);
    CHECK(log[0].decision == "deny");
    CHECK(log[0].kind == "command");
    CHECK(log[0].plugin == "behave_v2");
    CHECK(log[0].input_digest.size() == 64);
  }
}

TEST_CASE("host: an allowed command runs the resolved executable with a scrubbed environment") {
  Host h;
  RunResult r = h.ask("run_command", {{"argv", {"echo", "hello"}},
                                      {"env", {{"LD_PRELOAD", "/tmp/evil.so"}, {"TZ", "UTC"}}}});
  // LD_PRELOAD is a dangerous variable: the whole request is refused, not silently cleaned.
  CHECK(r.error_code == ErrorCode::policy_denied);
  r = h.ask("run_command", {{"argv", {"echo", "hello"}}, {"env", {{"SECRET_TOKEN", "x"}}}});
  REQUIRE_MESSAGE(r.ok(), r.message);
  json out = json::parse(r.output_json);
  CHECK(out["stdout"] == "hello\n");
  CHECK(fs::path(out["resolved"].get<std::string>()).is_absolute());
  CHECK(h.decisions(r.run_id).at(0).decision == "allow");
}

TEST_CASE("host: writes go only to the run's directory, outside it nothing is written") {
  Host h;
  const fs::path outside = h.state / "outside.txt";
  RunResult r = h.ask("write_file", {{"path", outside.string()}, {"content", "x"}});
  CHECK(r.error_code == ErrorCode::policy_denied);
  CHECK(r.message.find("path.outside_roots") != std::string::npos);
  CHECK_FALSE(fs::exists(outside));
  // Traversal out of the run directory is resolved before the decision.
  r = h.ask("write_file", {{"path", "../../escape.txt"}, {"content", "x"}});
  CHECK(r.error_code == ErrorCode::policy_denied);
  CHECK_FALSE(fs::exists(h.state / "escape.txt"));
  // The kernel's own database is never a plugin's to touch.
  r = h.ask("write_file", {{"path", (h.state / "agentsys.db").string()}, {"content", "x"}});
  CHECK(r.error_code == ErrorCode::policy_denied);

  r = h.ask("write_file", {{"path", "sub/report.csv"}, {"content", "a,b\n1,2\n"}});
  REQUIRE_MESSAGE(r.ok(), r.message);
  const fs::path written = h.state / "runs" / r.run_id / "sub" / "report.csv";
  CHECK(json::parse(r.output_json)["path"] == written.string());
  std::ifstream in(written);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text == "a,b\n1,2\n");
}

TEST_CASE("host: a dry-run write is recorded as would-do and not performed") {
  Host h;
  RunResult r = h.ask("write_file", {{"path", "out.txt"}, {"content", "x"}}, true);
  REQUIRE_MESSAGE(r.ok(), r.message);
  CHECK(json::parse(r.output_json)["dry_run"] == true);
  CHECK_FALSE(fs::exists(h.state / "runs" / r.run_id / "out.txt"));
  std::vector<std::string> effects = h.sink.side_effects();
  REQUIRE(effects.size() == 1);
  CHECK(effects[0].rfind("write_file would_do ", 0) == 0);
}

TEST_CASE("host: reads are checked too (secrets and system files are refused)") {
  Host h;
  RunResult r = h.ask("read_file", {{"path", "/etc/shadow"}});
  CHECK(r.error_code == ErrorCode::policy_denied);
  r = h.ask("read_file", {{"path", (kSourceDir / "config/policy/base.toml").string()}});
  REQUIRE_MESSAGE(r.ok(), r.message);
  CHECK(json::parse(r.output_json)["content"].get<std::string>().find("[command]") !=
        std::string::npos);
}

TEST_CASE("host: DDL and writes through run_sql are denied and the table is intact") {
  Host h;
  for (const char* sql : {"DROP TABLE task_runs", "DELETE FROM task_runs", "CREATE TABLE x(a int)",
                          "SELECT 1; DROP TABLE task_runs",
                          "WITH d AS (DELETE FROM task_runs RETURNING *) SELECT * FROM d",
                          "UPDATE task_runs SET latency_ms = 0"}) {
    CAPTURE(sql);
    RunResult r = h.ask("run_sql", {{"database", "ops"}, {"sql", sql}});
    CHECK(r.error_code == ErrorCode::policy_denied);
    CHECK(h.rows() == 3);
  }
  CHECK(
      h.ask("run_sql", {{"database", "ops"}, {"sql", "SELECT * FROM tenants_secret"}}).error_code ==
      ErrorCode::policy_denied);
}

TEST_CASE("host: an allowed SELECT returns rows with bound parameters") {
  Host h;
  RunResult r = h.ask("run_sql", {{"database", "ops"},
                                  {"sql",
                                   "SELECT tenant_id, count(*) AS n, sum(latency_ms) AS total "
                                   "FROM task_runs WHERE latency_ms >= $1 GROUP BY tenant_id "
                                   "ORDER BY tenant_id"},
                                  {"params", {15}}});
  REQUIRE_MESSAGE(r.ok(), r.message);
  json out = json::parse(r.output_json);
  CHECK(out["columns"] == json{"tenant_id", "n", "total"});
  CHECK(out["rows"] == json{{"t1", 1, 20}, {"t2", 1, 30}});
  CHECK(out["tables"] == json{"main.task_runs"});
  // A REAL stays a real in the response, even when it has no fractional part.
  r = h.ask("run_sql", {{"database", "ops"},
                        {"sql",
                         "SELECT CAST(latency_ms AS REAL) AS x FROM "
                         "task_runs WHERE run_id = 'a'"}});
  REQUIRE_MESSAGE(r.ok(), r.message);
  CHECK(json::parse(r.output_json)["rows"][0][0].is_number_float());
  // A parameter without a value is an error, not a silent NULL.
  r = h.ask("run_sql", {{"database", "ops"}, {"sql", "SELECT * FROM task_runs WHERE run_id = $1"}});
  CHECK(r.error_code == ErrorCode::invalid_input);
  r = h.ask("run_sql", {{"database", "nope"}, {"sql", "SELECT 1"}});
  CHECK(r.message.find("no database named 'nope'") != std::string::npos);
}

TEST_CASE("sql executor: a read-only connection's authorizer refuses writes policy let through") {
  TempDir dir;
  fs::path db = dir.path() / "t.db";
  {
    sqlite::Database d(db, true);
    d.exec("CREATE TABLE t(a INT); INSERT INTO t VALUES (1),(2)");
  }
  for (const char* sql : {"DELETE FROM t", "DROP TABLE t", "INSERT INTO t VALUES (3)",
                          "PRAGMA writable_schema = 1", "ATTACH DATABASE 'x.db' AS x"}) {
    CAPTURE(sql);
    SqlQuery q;
    q.sql = sql;
    CHECK_THROWS_AS(execute_sql(db, q), SqlError);
  }
  // Even a write statement may change rows only, never the schema.
  SqlQuery ddl;
  ddl.sql = "DROP TABLE t";
  ddl.read_only = false;
  CHECK_THROWS_AS(execute_sql(db, ddl), SqlError);
  SqlQuery count;
  count.sql = "SELECT count(*) FROM t";
  CHECK(json::parse(execute_sql(db, count))["rows"] == json{{2}});
}

TEST_CASE("host: query_runs reads the kernel's run records, filtered, and is logged") {
  Host h;
  auto echo = [&](const std::string& key, bool dry_run = false) {
    TaskSpec t;
    t.module = "behave";
    t.action = "echo";
    t.input_json = json{{"n", key}}.dump();
    t.idempotency_key = key;
    t.dry_run = dry_run;
    return h.runner->run(t);
  };
  REQUIRE(echo("report:a_b:202601").ok());
  REQUIRE(echo("report:a_b:202602").ok());
  REQUIRE(echo("report:axb:202602").ok());        // '_' of the prefix is no wildcard
  REQUIRE(echo("report:a_b:202603", true).ok());  // a dry run: left out unless asked for
  RunResult failed = [&] {
    TaskSpec t;
    t.module = "behave";
    t.action = "fail_times";
    t.input_json = R"({"key": "q", "failures": 5, "status": "invalid"})";
    t.idempotency_key = "report:a_b:202604";
    return h.runner->run(t);
  }();
  REQUIRE(failed.error_code == ErrorCode::invalid_input);

  RunResult r =
      h.ask("query_runs", {{"module", "behave"}, {"idempotency_key_prefix", "report:a_b:"}});
  REQUIRE_MESSAGE(r.ok(), r.message);
  json out = json::parse(r.output_json);
  CHECK(out["truncated"] == false);
  REQUIRE(out["runs"].size() == 3);
  const json& newest = out["runs"][0];  // newest first
  CHECK(newest["run_id"] == failed.run_id);
  CHECK(newest["status"] == "failed");
  CHECK(newest["error_code"] == "invalid_input");
  CHECK(newest["action"] == "fail_times");
  CHECK(newest["input"]["key"] == "q");  // the input as JSON
  CHECK(newest["idempotency_key"] == "report:a_b:202604");
  CHECK(newest["attempts"] == 1);
  CHECK(newest["dry_run"] == false);
  CHECK(out["runs"][2]["idempotency_key"] == "report:a_b:202601");
  CHECK(out["runs"][2]["error_code"].is_null());

  out = json::parse(h.ask("query_runs", {{"module", "behave"},
                                         {"idempotency_key_prefix", "report:a_b:"},
                                         {"statuses", {"failed", "timed_out"}}})
                        .output_json);
  REQUIRE(out["runs"].size() == 1);
  CHECK(out["runs"][0]["run_id"] == failed.run_id);
  out = json::parse(h.ask("query_runs", {{"module", "behave"},
                                         {"idempotency_key_prefix", "report:a_b:"},
                                         {"include_dry_runs", true},
                                         {"limit", 2}})
                        .output_json);
  CHECK(out["runs"].size() == 2);
  CHECK(out["truncated"] == true);
  CHECK(json::parse(h.ask("query_runs", {{"module", "nobody"}}).output_json)["runs"].empty());

  // Bad requests name the field; nothing is read.
  for (const json& bad : {json{{"statuses", {"failed"}}}, json{{"module", "behave"}, {"limit", 0}},
                          json{{"module", "behave"}, {"statuses", {"broken"}}}}) {
    CAPTURE(bad.dump());
    RunResult b = h.ask("query_runs", bad);
    CHECK(b.error_code == ErrorCode::invalid_input);
    CHECK(b.message.find("query_runs: '") != std::string::npos);
  }

  // Not a decision of the policy plugin, but audited like one: the kernel's own rule.
  std::vector<DecisionRow> log = h.decisions(r.run_id);
  REQUIRE(log.size() == 1);
  CHECK(log[0].kind == "query_runs");
  CHECK(log[0].decision == "allow");
  CHECK(log[0].rule == "kernel.query_runs");
  CHECK(log[0].plugin == "behave_v2");
  CHECK(log[0].input.find("report:a_b:") != std::string::npos);
}

TEST_CASE("host: without a policy every side effect is refused") {
  TempDir dir;
  NullSink sink;
  ModuleRegistry registry(sink);
  LoadResult behave = PluginLibrary::load(good("behave_v2"));
  REQUIRE(registry.install(behave.library, ModuleRegistry::Install::add).empty());
  Runner runner(registry, nullptr, nullptr, {});
  TaskSpec t;
  t.module = "behave";
  t.action = "host";
  t.input_json = json{{"service", "run_command"}, {"request", {{"argv", {"true"}}}}}.dump();
  RunResult r = runner.run(t);
  CHECK(r.error_code == ErrorCode::policy_denied);
  CHECK(r.message.find("runs without a policy") != std::string::npos);
}
