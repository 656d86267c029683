// report_remediation_runner_v2 end to end through the real kernel path: report_orchestrator_v2
// jobs submitted by report_scheduler_v2 (or directly, under a job's idempotency key) fail on a
// missing operations database, and the remediation runner — behind the same Runner, with host
// services decided by the real policy plugin and the shipped policy — follows the runbook
// (the shipped config/runbook/reports.toml, or one written here). Plus the runbook's parsing and
// its preflight checks, and the report job keys.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "checks/runbook_checks.hpp"
#include "config/config_loader.hpp"
#include "config/config_paths.hpp"
#include "config_test_support.hpp"
#include "report_job.hpp"
#include "report_test_support.hpp"
#include "runbook.hpp"
#include "task/error_code.hpp"

namespace fs = std::filesystem;
using namespace agentsys;
using namespace agentsys::test;
using json = nlohmann::json;
namespace rp = agentsys::reports;

namespace {

json shipped_runbook() { return repo_toml("runbook/reports.toml", "reports"); }

/// A runbook for report_orchestrator with one entry, `code`, of the given risk and steps.
json one_entry_runbook(const std::string& code, const std::string& risk, const json& steps,
                       int max_attempts = 3) {
  return {{"module", "report_orchestrator"},
          {"entries",
           {{code,
             {{"description", "written for the test"},
              {"risk", risk},
              {"rollback_point", "last_published_output"},
              {"max_attempts", max_attempts},
              {"steps", steps}}}}}};
}

/// The three report plugins behind a runner; the database "ops" does not exist until
/// restore_database(), so every report job fails with not_found before it.
struct Remediation {
  TempDir dir;
  fs::path state = fs::canonical(dir.path());
  fs::path db = state / "ops.db";
  fs::path publish_dir = state / "output" / "reports";
  LayeredSink sink;
  ModuleRegistry registry{sink};
  std::unique_ptr<RunStore> store;
  std::unique_ptr<Runner> runner;

  explicit Remediation(const json& runbook = shipped_runbook(), const std::string& env = "dev",
                       const std::string& runbook_name = "reports") {
    const json reports = shipped_reports();
    install("report_orchestrator_v2", {{"reports", reports},
                                       {"databases", {{"ops", db.string()}}},
                                       {"database", "ops"},
                                       {"publish_dir", publish_dir.string()}});
    install("report_scheduler_v2", {{"reports", reports}});
    install("report_remediation_runner_v2", {{"runbook", {{"reports", runbook}}},
                                             {"runbook_name", runbook_name},
                                             {"publish_dir", publish_dir.string()}});
    store = std::make_unique<RunStore>(state, Durability::normal);
    HostEnvironment host;
    host.databases["ops"] = db;
    sink.enable(registry, state, store.get(), host, env);
    RunnerOptions o;
    o.workers = 2;
    o.default_retry.maximum_attempts = 1;
    o.pause_after_failures = 0;  // the jobs fail on purpose
    runner = std::make_unique<Runner>(registry, store.get(), nullptr, o);
    Runner* r = runner.get();
    sink.services()->set_submitter([r](TaskSpec t) { return r->submit(std::move(t)); });
    sink.services()->set_run_store(store.get());
  }
  ~Remediation() { runner.reset(); }

  void install(const char* plugin, const json& config) {
    LoadResult lib = PluginLibrary::load(bundled(plugin));
    REQUIRE_MESSAGE(lib, lib.error);
    REQUIRE(registry.install(lib.library, ModuleRegistry::Install::add, config.dump()).empty());
  }

  void restore_database() const { write_ops_db(db); }

  /// The scheduler's backfill of `month`, and the jobs it submitted run to their end.
  void backfill(const std::string& month) {
    TaskSpec t;
    t.module = "report_scheduler";
    t.input_json = json{{"target_month", month}}.dump();
    RunResult r = runner->run(t);
    REQUIRE_MESSAGE(r.ok(), r.message);
    runner->wait_idle();
  }

  /// One report job run directly, under the job's idempotency key.
  RunResult job(const std::string& report, const std::string& month) {
    TaskSpec t;
    t.module = "report_orchestrator";
    t.input_json = json{{"report", report}, {"target_month", month}}.dump();
    t.idempotency_key = "report:" + report + ":" + month;
    return runner->run(t);
  }

  /// One remediation pass; the retries it submitted run to their end before it returns.
  RunResult pass(const json& input = json::object(), bool dry_run = false) {
    TaskSpec t;
    t.module = "report_remediation_runner";
    t.input_json = input.dump();
    t.dry_run = dry_run;
    RunResult r = runner->run(t);
    runner->wait_idle();
    return r;
  }
  json remediate(const json& input = json::object(), bool dry_run = false) {
    RunResult r = pass(input, dry_run);
    REQUIRE_MESSAGE(r.ok(), r.message);
    json out = json::parse(r.output_json);
    out["_run_id"] = r.run_id;
    return out;
  }

  std::vector<RunRow> report_runs() {
    store->sync();
    return store->list_runs({.module = "report_orchestrator", .status = "", .limit = -1});
  }
  std::optional<RunRow> run_with_key(const std::string& key) {
    for (const RunRow& r : report_runs()) {
      if (r.idempotency_key == key) return r;
    }
    return std::nullopt;
  }
};

std::set<std::string> jobs_of(const json& list) {
  std::set<std::string> out;
  for (const json& item : list) out.insert(item["job"].get<std::string>());
  return out;
}

std::vector<json> lines_of(const fs::path& file) {
  std::vector<json> out;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(json::parse(line));
  }
  return out;
}

}  // namespace

TEST_CASE("remediation: a failed job is retried per runbook and succeeds once the cause is fixed") {
  Remediation h;  // the shipped runbook: not_found -> notify, retry (low risk), 3 runs in all
  h.backfill("202602");
  std::vector<RunRow> runs = h.report_runs();
  REQUIRE(runs.size() == 3);
  for (const RunRow& r : runs) {
    CHECK(r.status == "failed");
    CHECK(r.error_code == "not_found");  // run_sql: database 'ops' does not exist
  }

  // Pass 1, database still missing: every job notified and retried once, under its retry key.
  json first = h.remediate();
  CHECK(first["runbook"] == "reports");
  CHECK(first["status"] == "ok");
  CHECK(first["jobs"] == 3);
  REQUIRE(first["remediated"].size() == 3);
  CHECK(first["notified"].size() == 3);
  CHECK(first["pending_approval"].empty());
  CHECK(first["skipped"].empty());
  const json& retried = first["remediated"][0];  // jobs by month, then report
  CHECK(retried["job"] == "report:ops_monthly:202602");
  CHECK(retried["error_code"] == "not_found");
  CHECK(retried["entry"] == "not_found");
  CHECK(retried["action"] == "retry");
  CHECK(retried["risk"] == "low");
  CHECK(retried["runs"] == 1);
  CHECK(retried["max_attempts"] == 3);
  CHECK(retried["rollback_point"] == "last_published_output");
  CHECK(retried["rollback_files"] == (h.publish_dir / "202602" / "ops_monthly.*").string());
  CHECK(retried["policy"]["decision"] == "allow");
  CHECK(retried["submitted"]["idempotency_key"] == "report:ops_monthly:202602#r2");
  std::optional<RunRow> second_run = h.run_with_key("report:ops_monthly:202602#r2");
  REQUIRE(second_run);
  CHECK(retried["submitted"]["run_id"] == second_run->run_id);
  CHECK(second_run->status == "failed");  // the database is still missing
  CHECK(json::parse(second_run->input) ==
        json{{"report", "ops_monthly"}, {"target_month", "202602"}});
  CHECK(h.report_runs().size() == 6);

  // Pass 2 for skill_usage only: its third run.
  json only = h.remediate({{"report", "skill_usage"}, {"target_month", "202602"}});
  REQUIRE(only["remediated"].size() == 1);
  CHECK(only["remediated"][0]["submitted"]["idempotency_key"] == "report:skill_usage:202602#r3");
  CHECK(only["report"] == "skill_usage");
  // Pass 3 for skill_usage: three runs is the entry's max_attempts: left for an operator.
  json exhausted = h.remediate({{"report", "skill_usage"}});
  CHECK(exhausted["remediated"].empty());
  REQUIRE(exhausted["exhausted"].size() == 1);
  CHECK(exhausted["exhausted"][0]["job"] == "report:skill_usage:202602");
  CHECK(exhausted["exhausted"][0]["reason"] == "max_attempts");
  CHECK(exhausted["exhausted"][0]["runs"] == 3);
  CHECK(exhausted["status"] == "failed");
  CHECK(h.report_runs().size() == 7);

  // The cause is fixed: the next pass retries the other two, which now succeed and publish.
  h.restore_database();
  json fixed = h.remediate();
  CHECK(jobs_of(fixed["remediated"]) ==
        std::set<std::string>{"report:ops_monthly:202602", "report:tenant_cost:202602"});
  CHECK(jobs_of(fixed["exhausted"]) == std::set<std::string>{"report:skill_usage:202602"});
  for (const char* key : {"report:ops_monthly:202602#r3", "report:tenant_cost:202602#r3"}) {
    CAPTURE(key);
    std::optional<RunRow> run = h.run_with_key(key);
    REQUIRE(run);
    CHECK(run->status == "succeeded");
  }
  CHECK(fs::exists(h.publish_dir / "202602" / "ops_monthly.csv"));
  CHECK_FALSE(fs::exists(h.publish_dir / "202602" / "skill_usage.csv"));

  // What it did is in the run's directory, one JSON line per decision.
  const fs::path log = h.state / "runs" / fixed["_run_id"].get<std::string>() / "remediation.jsonl";
  CHECK(fixed["log"] == log.string());
  std::vector<json> lines = lines_of(log);
  std::multiset<std::string> outcomes;
  for (const json& line : lines) {
    outcomes.insert(line["outcome"].get<std::string>());
    CHECK(line["ts"].is_string());
    CHECK(line["job"].is_string());
  }
  CHECK(outcomes.count("retried") == 2);
  CHECK(outcomes.count("notified") == 3);
  CHECK(outcomes.count("retry_exhausted") == 1);
  CHECK(outcomes.count("exhausted") == 1);
  // Reading the runs and each retry are in the decision log of the pass.
  h.store->sync();
  std::vector<DecisionRow> decisions = h.store->decisions(fixed["_run_id"].get<std::string>());
  CHECK(std::any_of(decisions.begin(), decisions.end(), [](const DecisionRow& d) {
    return d.kind == "query_runs" && d.rule == "kernel.query_runs";
  }));
  CHECK(std::count_if(decisions.begin(), decisions.end(), [](const DecisionRow& d) {
          return d.kind == "action" && d.input.find("remediate.retry") != std::string::npos;
        }) == 2);

  // A job that succeeded later is left alone: nothing more is submitted.
  json after = h.remediate();
  CHECK(after["remediated"].empty());
  CHECK(jobs_of(after["skipped"]) ==
        std::set<std::string>{"report:ops_monthly:202602", "report:tenant_cost:202602"});
  for (const json& s : after["skipped"]) CHECK(s["reason"] == "succeeded_later");
  CHECK(h.report_runs().size() == 9);
}

TEST_CASE("remediation: a high-risk step stays pending approval and nothing is done") {
  Remediation h(one_entry_runbook(
      "not_found", "high",
      json::array({{{"action", "notify"}, {"risk", "low"}}, {{"action", "retry"}}})));
  RunResult failed = h.job("ops_monthly", "202602");
  REQUIRE(failed.error_code == ErrorCode::not_found);
  h.restore_database();  // a retry would now succeed: it must still not happen

  for (int pass = 0; pass < 2; ++pass) {
    CAPTURE(pass);
    json out = h.remediate({{"target_month", "202602"}});
    CHECK(out["status"] == "pending_approval");
    CHECK(out["remediated"].empty());
    CHECK(out["notified"].size() == 1);  // the low-risk step before it is done
    REQUIRE(out["pending_approval"].size() == 1);
    const json& pending = out["pending_approval"][0];
    CHECK(pending["job"] == "report:ops_monthly:202602");
    CHECK(pending["run_id"] == failed.run_id);
    CHECK(pending["action"] == "retry");
    CHECK(pending["risk"] == "high");
    CHECK(pending["step"] == 1);
    // Policy was asked (and allows it in dev); the runbook's risk still keeps it for a human.
    CHECK(pending["policy"]["decision"] == "allow");
    CHECK(pending["task"] ==
          json{{"module", "report_orchestrator"},
               {"action", "run"},
               {"input", {{"report", "ops_monthly"}, {"target_month", "202602"}}},
               {"idempotency_key", "report:ops_monthly:202602#r2"}});
    CHECK(h.report_runs().size() == 1);  // nothing was submitted
    CHECK_FALSE(fs::exists(h.publish_dir / "202602"));
    const fs::path log = h.state / "runs" / out["_run_id"].get<std::string>() / "remediation.jsonl";
    std::vector<json> lines = lines_of(log);
    REQUIRE(lines.size() == 2);
    CHECK(lines[0]["outcome"] == "notified");
    CHECK(lines[1]["outcome"] == "pending_approval");
  }
}

TEST_CASE("remediation: an error code without a runbook entry is left for an operator") {
  Remediation h(one_entry_runbook("timeout", "low", json::array({{{"action", "retry"}}})));
  RunResult failed = h.job("tenant_cost", "202602");
  REQUIRE(failed.error_code == ErrorCode::not_found);
  json out = h.remediate();
  CHECK(out["status"] == "failed");
  CHECK(out["remediated"].empty());
  REQUIRE(out["skipped"].size() == 1);
  CHECK(out["skipped"][0]["job"] == "report:tenant_cost:202602");
  CHECK(out["skipped"][0]["reason"] == "no_runbook_entry");
  CHECK(out["skipped"][0]["error_code"] == "not_found");
  CHECK(out["skipped"][0]["message"].get<std::string>().find("does not exist") !=
        std::string::npos);
  CHECK(h.report_runs().size() == 1);
}

TEST_CASE("remediation: retry_with_backoff waits, and a dry run only says what it would submit") {
  Remediation h(one_entry_runbook(
      "not_found", "low", json::array({{{"action", "retry_with_backoff"}, {"backoff_s", 600}}})));
  RunResult failed = h.job("ops_monthly", "202601");
  REQUIRE(failed.error_code == ErrorCode::not_found);
  std::optional<RunRow> row = h.store->find_run(failed.run_id);
  REQUIRE(row);
  const int64_t failed_at = *rp::parse_utc_seconds(row->updated_at);

  // Ten minutes after the failure, not before.
  json early = h.remediate({{"now", rp::format_utc_seconds(failed_at + 599)}});
  CHECK(early["status"] == "ok");
  REQUIRE(early["skipped"].size() == 1);
  CHECK(early["skipped"][0]["reason"] == "backoff");
  CHECK(early["skipped"][0]["retry_after"] == rp::format_utc_seconds(failed_at + 600));
  CHECK(h.report_runs().size() == 1);

  const json later{{"now", rp::format_utc_seconds(failed_at + 600)}};
  json dry = h.remediate(later, true);
  CHECK(dry["dry_run"] == true);
  REQUIRE(dry["remediated"].size() == 1);
  CHECK(dry["remediated"][0]["would_submit"]["idempotency_key"] == "report:ops_monthly:202601#r2");
  CHECK(h.report_runs().size() == 1);  // nothing submitted, no key taken

  json wet = h.remediate(later);
  REQUIRE(wet["remediated"].size() == 1);
  CHECK(wet["remediated"][0]["submitted"]["idempotency_key"] == "report:ops_monthly:202601#r2");
  REQUIRE(h.run_with_key("report:ops_monthly:202601#r2"));
  // The second failure doubles the wait: 1200 s after it.
  std::optional<RunRow> second = h.run_with_key("report:ops_monthly:202601#r2");
  const int64_t second_at = *rp::parse_utc_seconds(second->updated_at);
  json doubled = h.remediate({{"now", rp::format_utc_seconds(second_at + 1199)}});
  REQUIRE(doubled["skipped"].size() == 1);
  CHECK(doubled["skipped"][0]["retry_after"] == rp::format_utc_seconds(second_at + 1200));
}

TEST_CASE("remediation: bad input and a missing runbook are invalid_input naming the problem") {
  Remediation h;
  RunResult r = h.pass({{"target_month", "202613"}});
  CHECK(r.error_code == ErrorCode::invalid_input);
  CHECK(r.message.find("\"202613\" is not a month") != std::string::npos);
  r = h.pass({{"report", "Ops-Monthly"}});
  CHECK(r.error_code == ErrorCode::invalid_input);
  r = h.pass({{"now", "yesterday"}});
  CHECK(r.error_code == ErrorCode::invalid_input);

  Remediation missing(shipped_runbook(), "dev", "nope");
  r = missing.pass();
  CHECK(r.error_code == ErrorCode::invalid_input);
  CHECK(r.message.find("no runbook 'nope'") != std::string::npos);
}

TEST_CASE("runbook: the shipped runbook parses, and every entry is a kernel error code") {
  rp::Runbook rb = rp::parse_runbook("reports", shipped_runbook());
  CHECK(rb.module == "report_orchestrator");
  CHECK(rb.entries.size() >= 5);
  for (const auto& [code, entry] : rb.entries) {
    CAPTURE(code);
    CHECK(parse_error_code(code).has_value());
    CHECK_FALSE(entry.steps.empty());
  }
  const rp::RunbookEntry* denied = rb.find("policy_denied");
  REQUIRE(denied != nullptr);
  CHECK(denied->steps[0].risk == rp::Risk::low);  // a step's own risk wins over its entry's
  CHECK(denied->steps[1].risk == rp::Risk::high);
  CHECK(rb.find("timeout")->steps[0].backoff_s == 600);
  CHECK(rb.find("idempotency_conflict") == nullptr);

  json bad = shipped_runbook();
  bad["entries"]["timeout"]["steps"][0].erase("backoff_s");
  CHECK_THROWS_WITH_AS(rp::parse_runbook("reports", bad),
                       doctest::Contains("entry 'timeout'.steps[0]: retry_with_backoff needs"),
                       std::invalid_argument);
  bad = shipped_runbook();
  bad["entries"]["timeout"]["risk"] = "medium";
  CHECK_THROWS_AS(rp::parse_runbook("reports", bad), std::invalid_argument);
}

TEST_CASE("report jobs: keys, retry keys, grouping and timestamps") {
  auto key = rp::parse_job_key("report:ops_monthly:202602");
  REQUIRE(key);
  CHECK(key->report == "ops_monthly");
  CHECK(key->month.text() == "202602");
  CHECK(rp::retry_key(*key, 2) == "report:ops_monthly:202602#r2");
  CHECK(rp::parse_job_key("report:ops_monthly:202602#r12")->text() == "report:ops_monthly:202602");
  for (const char* bad : {"report:ops_monthly:202613", "report:Ops:202602", "x:ops:202602",
                          "report:ops_monthly:202602#r1", "report:ops_monthly:202602#r",
                          "report:ops_monthly:202602#x2", "report:ops_monthly", ""}) {
    CAPTURE(bad);
    CHECK_FALSE(rp::parse_job_key(bad));
  }
  json runs = json::array({{{"idempotency_key", "report:b:202602#r2"}, {"run_id", "3"}},
                           {{"idempotency_key", "report:a:202602"}, {"run_id", "2"}},
                           {{"idempotency_key", nullptr}, {"run_id", "x"}},
                           {{"idempotency_key", "report:b:202602"}, {"run_id", "1"}},
                           {{"idempotency_key", "report:z:202601"}, {"run_id", "0"}}});
  std::vector<rp::Job> jobs = rp::group_jobs(runs);
  REQUIRE(jobs.size() == 3);
  CHECK(jobs[0].key.text() == "report:z:202601");  // by month, then report
  CHECK(jobs[1].key.text() == "report:a:202602");
  CHECK(jobs[2].runs.size() == 2);
  CHECK(jobs[2].runs[0]["run_id"] == "3");  // newest first, as given

  CHECK(rp::parse_utc_seconds("1970-01-01T00:00:00.000Z") == 0);
  CHECK(rp::parse_utc_seconds("2026-03-01T07:00:00Z") == 1772348400);
  CHECK(rp::parse_utc_seconds("2026-03-01T07:00Z") == 1772348400);
  CHECK(rp::format_utc_seconds(1772348400) == "2026-03-01T07:00:00Z");
  CHECK_FALSE(rp::parse_utc_seconds("2026-02-30T00:00:00Z"));
  CHECK_FALSE(rp::parse_utc_seconds("2026-03-01 07:00:00"));
}

TEST_CASE("runbook config: loaded under /runbook/NAME, and preflight checks name file and line") {
  ConfigDir dir;
  dir.write("env/dev.toml", "");
  dir.write("modules/reports.toml", "[modules.report_orchestrator]\nv2_plugin = \"x_v2\"\n");
  dir.write("runbook/reports.toml", R"(module = "report_orchestrator"

[entries.timeout]
description = "slow"
risk = "low"
rollback_point = "none"
max_attempts = 2
steps = [{ action = "retry_with_backoff", backoff_s = 60 }]
)");
  std::vector<config::Problem> problems;
  config::EffectiveConfig ok = config::load_config(reports_request(dir.path()), problems);
  check_reports_domain(ok, problems, {});
  REQUIRE(problems.empty());
  CHECK(ok.value("/runbook/reports/entries/timeout/max_attempts") == 2);
  CHECK(reports::checks::runbook_summary(ok.value("/runbook"))["reports"] ==
        json{{"module", "report_orchestrator"}, {"entries", {"timeout"}}});

  // An unknown error code, a module nobody serves, backoff_s in the wrong step.
  dir.write("runbook/other.toml", R"(module = "nobody"

[entries.timed_out]
description = "a status, not an error code"
risk = "low"
rollback_point = "none"
max_attempts = 2
steps = [{ action = "retry", backoff_s = 60 }]

[entries.timeout]
description = "no backoff"
risk = "low"
rollback_point = "none"
max_attempts = 2
steps = [{ action = "retry_with_backoff" }]
)");
  problems.clear();
  config::EffectiveConfig c = config::load_config(reports_request(dir.path()), problems);
  REQUIRE(problems.empty());  // the schema is fine with it
  check_reports_domain(c, problems, {"report_orchestrator"});
  REQUIRE(problems.size() == 4);
  const std::string file = config::display_path(dir.path() / "runbook/other.toml");
  std::map<std::string, config::Problem> by_path;
  for (const config::Problem& p : problems) {
    CHECK(p.file == file);
    CHECK(p.line > 0);
    by_path[p.path] = p;
  }
  CHECK(by_path["/runbook/other/module"].rule == "runbook.module");
  CHECK(by_path["/runbook/other/module"].line == 1);
  CHECK(by_path["/runbook/other/entries/timed_out"].rule == "runbook.error_code");
  CHECK(by_path["/runbook/other/entries/timed_out"].message.find("'timed_out' is not an error "
                                                                 "code") != std::string::npos);
  CHECK(by_path["/runbook/other/entries/timed_out/steps/0/backoff_s"].rule == "runbook.step");
  CHECK(by_path["/runbook/other/entries/timeout/steps/0/action"].rule == "runbook.step");

  // Schema: a missing field and an unknown action, located.
  dir.write("runbook/other.toml", R"(module = "report_orchestrator"

[entries.timeout]
description = "x"
risk = "low"
max_attempts = 2
steps = [{ action = "reboot" }]
)");
  problems.clear();
  config::load_config(reports_request(dir.path()), problems);
  REQUIRE(problems.size() == 2);
  std::set<std::string> rules;
  for (const config::Problem& p : problems) {
    CHECK(p.file == file);
    CHECK(p.line > 0);
    rules.insert(p.rule + " " + p.path);
  }
  CHECK(rules == std::set<std::string>{"schema.required /entries/timeout/rollback_point",
                                       "schema.enum /entries/timeout/steps/0/action"});
}
