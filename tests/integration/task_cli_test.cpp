// The task core through the agentsys executable: run, retries, timeouts, idempotency, dry-run,
// the module circuit breaker, runs/events, telemetry logs and metrics. Real processes, real
// state directories; the behave fixture plugin (tests/fixtures/plugins/behave_plugin.cpp) plays
// the misbehaving module.
#include <doctest/doctest.h>

#include <fmt/format.h>
#include <signal.h>
#include <atomic>

#include <chrono>
#include <regex>
#include <set>
#include <thread>
#include <tuple>

#include "cli_support.hpp"

using namespace agentsys::cli_test;

namespace {

const std::string kFastRetry = R"({"initial_interval_ms":1,"maximum_attempts":3})";
const std::string kNoRetry = R"({"maximum_attempts":1})";

std::vector<std::string> event_types(const json& events) {
  std::vector<std::string> types;
  for (const json& e : events) types.push_back(e["type"].get<std::string>());
  return types;
}

const json* find_event(const json& events, const std::string& type) {
  for (const json& e : events) {
    if (e["type"] == type) return &e;
  }
  return nullptr;
}

const json* find_series(const json& metrics, const std::string& kind, const std::string& module,
                        const std::string& impl) {
  for (const json& s : metrics["series"]) {
    if (s["kind"] == kind && s["module"] == module && s["impl"] == impl) return &s;
  }
  return nullptr;
}

/// A usage error: exit 2 and exactly one line on stderr, in the CLI's error format.
void check_usage_error(const Result& r) {
  INFO("stderr: ", r.err);
  CHECK(r.exit_code == 2);
  CHECK(count_lines(r.err) == 1);
  CHECK(r.err.rfind("agentsys: error: ", 0) == 0);
}

/// Whether no process runs `argv` within 2 s; kills any left, so a failure leaves none.
bool gone_within_2s(const std::vector<std::string>& argv) {
  bool gone = false;
  for (int i = 0; i < 40 && !gone; ++i) {
    gone = agentsys::test::processes_with_argv(argv).empty();
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (int pid : agentsys::test::processes_with_argv(argv)) ::kill(pid, SIGKILL);
  return gone;
}

}  // namespace

TEST_CASE("run prints the run id and trace id and --json has the result fields") {
  Cli cli;
  Result r = cli({"run", "demo", "--input", R"({"name":"ada"})"});
  REQUIRE(r.exit_code == 0);
  std::smatch m;
  REQUIRE_MESSAGE(std::regex_search(r.out, m, std::regex(R"(^run (run_[0-9a-f]{24}) succeeded: )")),
                  r.out);
  std::string run_id = m[1];
  REQUIRE_MESSAGE(std::regex_search(r.out, m, std::regex(R"(\ntrace ([0-9a-f]{32})\n)")), r.out);
  std::string trace_id = m[1];
  CHECK(contains(r.out, "\"name\": \"ada\""));

  json shown = cli.json_of({"runs", "show", run_id, "--json"});
  CHECK(shown["run"]["run_id"] == run_id);
  CHECK(shown["run"]["trace_id"] == trace_id);
  CHECK(shown["run"]["status"] == "succeeded");

  json doc = cli.json_of({"run", "demo", "--input", R"({"n":1})", "--json"});
  REQUIRE(doc["run_id"].is_string());
  CHECK(doc["run_id"] != run_id);
  CHECK(is_hex32(doc["trace_id"].get<std::string>()));
  CHECK(doc["trace_id"] != trace_id);  // every run starts its own trace
  CHECK(doc["status"] == "succeeded");
  CHECK(doc["attempts"] == 1);
  CHECK(doc["impl"] == "v1");
  CHECK(doc["plugin"] == "demo_v1");
  REQUIRE(doc["latency_ms"].is_number());
  CHECK(doc["latency_ms"].get<double>() >= 0);
  CHECK(doc["error_code"].is_null());
  CHECK(doc["replayed"] == false);
  CHECK(doc["output"]["input"]["n"] == 1);

  // A trace can be continued; the run keeps it.
  const std::string given = "0af7651916cd43dd8448eb211c80319c";
  doc = cli.json_of({"run", "demo", "--trace-id", given, "--json"});
  CHECK(doc["trace_id"] == given);
}

TEST_CASE("retries are recorded as attempts and events in runs show") {
  Cli cli;
  Result r = cli({"run", "behave", "--action", "fail_times", "--input",
                  R"({"key":"k","failures":2})", "--retry", kFastRetry, "--json"});
  INFO("stderr: ", r.err);
  REQUIRE(r.exit_code == 0);
  json doc = json::parse(r.out);
  CHECK(doc["status"] == "succeeded");
  CHECK(doc["attempts"] == 3);
  CHECK(doc["impl"] == "v2");
  CHECK(doc["output"]["calls"] == 3);

  json shown = cli.json_of({"runs", "show", doc["run_id"].get<std::string>(), "--json"});
  CHECK(shown["run"]["attempts"] == 3);
  CHECK(shown["run"]["retry_policy"]["maximum_attempts"] == 3);
  const json& attempts = shown["attempts"];
  REQUIRE(attempts.size() == 3);
  for (int i = 0; i < 3; ++i) {
    CAPTURE(i);
    CHECK(attempts[i]["attempt"] == i + 1);
    CHECK(attempts[i]["status"] == (i < 2 ? "failed" : "succeeded"));
    CHECK(attempts[i]["impl"] == "v2");
    CHECK(attempts[i]["finished_at"].is_string());
  }
  CHECK(attempts[0]["error_code"] == "upstream_unavailable");
  CHECK(contains(attempts[1]["message"].get<std::string>(), "planned failure 2"));
  CHECK(attempts[2]["error_code"].is_null());

  CHECK(event_types(shown["events"]) ==
        std::vector<std::string>{"started", "attempt_failed", "retrying", "started",
                                 "attempt_failed", "retrying", "started", "succeeded"});
  const json* retrying = find_event(shown["events"], "retrying");
  REQUIRE(retrying != nullptr);
  CHECK(retrying->at("data")["next_attempt"] == 2);
  CHECK(retrying->at("data")["delay_ms"].get<int>() <= 1);
  // The same events through `agentsys events --run`.
  json events = cli.json_of({"events", "--run", doc["run_id"].get<std::string>(), "--json"});
  CHECK(event_types(events) == event_types(shown["events"]));
}

TEST_CASE("a plugin's log lines are telemetry: in the run's events and in the JSON log") {
  Cli cli;
  Result r = cli({"run", "throwing", "--action", "log", "--json"});
  REQUIRE(r.exit_code == 0);
  const std::string run_id = json::parse(r.out)["run_id"].get<std::string>();

  const json shown = cli.json_of({"runs", "show", run_id, "--json"});
  const json* logged = find_event(shown["events"], "plugin_log");
  REQUIRE(logged != nullptr);
  CHECK(logged->at("module") == "throwing");
  CHECK(logged->at("attempt") == 1);
  CHECK(logged->at("data")["plugin"] == "throwing_v2");
  CHECK(logged->at("data")["level"] == "info");
  CHECK(logged->at("data")["message"] == "hello from throwing_v2");
  const json events = cli.json_of({"events", "--run", run_id, "--json"});
  CHECK(event_types(events) == event_types(shown["events"]));

  bool in_log = false;
  for (const std::string& line : lines_of(slurp(cli.state_dir() / "logs" / "agentsys.jsonl"))) {
    const json j = json::parse(line);
    if (j.value("event", "") != "plugin_log") continue;
    in_log = true;
    CHECK(j["kind"] == "event");
    CHECK(j["run_id"] == run_id);
    CHECK(is_hex32(j["trace_id"].get<std::string>()));
    CHECK(j["module"] == "throwing");
    CHECK(j["plugin"] == "throwing_v2");
    CHECK(j["message"] == "hello from throwing_v2");
  }
  CHECK(in_log);
}

TEST_CASE("a non-retryable failure ends the run after one attempt with exit 1") {
  Cli cli;
  Result r =
      cli({"run", "behave", "--action", "fail_times", "--input",
           R"({"key":"k","failures":5,"status":"invalid"})", "--retry", kFastRetry, "--json"});
  CHECK(r.exit_code == 1);
  json doc = json::parse(r.out);
  CHECK(doc["status"] == "failed");
  CHECK(doc["attempts"] == 1);
  CHECK(doc["error_code"] == "invalid_input");
  CHECK(doc["retryable"] == false);
  CHECK(contains(r.err, "invalid_input"));

  json shown = cli.json_of({"runs", "show", doc["run_id"].get<std::string>(), "--json"});
  CHECK(shown["attempts"].size() == 1);
  CHECK(event_types(shown["events"]) ==
        std::vector<std::string>{"started", "attempt_failed", "failed"});

  // Without --json the failure is reported on stderr, naming the error code.
  r = cli({"run", "behave", "--action", "fail_times", "--input",
           R"({"key":"k2","failures":5,"status":"invalid"})"});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "agentsys: error: run "));
  CHECK(contains(r.err, "error invalid_input (not retryable): planned failure 1"));
}

TEST_CASE("--timeout ends a hung attempt as timed_out without waiting for the plugin") {
  Cli cli;
  Result r = cli({"run", "behave", "--action", "hang", "--input", R"({"ms":3000})", "--timeout",
                  "0.3", "--retry", kNoRetry, "--json"});
  INFO("stderr: ", r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.seconds < 2.0);  // ~0.3 s plus start-up; the plugin keeps sleeping for 3 s
  json doc = json::parse(r.out);
  CHECK(doc["status"] == "timed_out");
  CHECK(doc["error_code"] == "timeout");
  CHECK(doc["attempts"] == 1);
  CHECK(doc["latency_ms"].get<double>() >= 290);

  // Recorded before the process ended.
  json shown = cli.json_of({"runs", "show", doc["run_id"].get<std::string>(), "--json"});
  CHECK(shown["run"]["status"] == "timed_out");
  CHECK(shown["run"]["timeout_ms"] == 300);
  REQUIRE(shown["attempts"].size() == 1);
  CHECK(shown["attempts"][0]["status"] == "timed_out");
  CHECK(find_event(shown["events"], "timed_out") != nullptr);

  // Timeouts are retryable: with fast retries both attempts time out, still well under 3 s.
  r = cli({"run", "behave", "--action", "hang", "--input", R"({"ms":3000})", "--timeout", "0.3",
           "--retry", R"({"initial_interval_ms":1,"maximum_attempts":2})", "--json"});
  CHECK(r.exit_code == 1);
  CHECK(r.seconds < 2.5);
  doc = json::parse(r.out);
  CHECK(doc["status"] == "timed_out");
  CHECK(doc["attempts"] == 2);
}

TEST_CASE("bad arguments and input are usage errors with exit 2 and one line that record nothing") {
  Cli cli;
  check_usage_error(cli({"run", "demo", "--timeout", "-1"}));
  check_usage_error(cli({"run", "demo", "--timeout=-1"}));
  check_usage_error(cli({"run", "demo", "--timeout", "0"}));
  check_usage_error(cli({"run", "demo", "--timeout", "abc"}));
  check_usage_error(cli({"run", "ghost"}));
  check_usage_error(cli({"run", "demo", "--input", "{not json"}));
  check_usage_error(cli({"run", "demo", "--retry", R"({"maximum_attempts":"x"})"}));
  check_usage_error(cli({"run", "demo", "--retry", R"({"tries":3})"}));
  check_usage_error(cli({"run", "demo", "--trace-id", "not-a-trace"}));
  check_usage_error(cli({"runs", "list", "--status", "bogus"}));
  check_usage_error(cli({"runs", "list", "--limit", "0"}));
  check_usage_error(cli({"runs", "show", "run_doesnotexist"}));
  check_usage_error(cli({"events", "--run", "run_doesnotexist"}));

  Result r = cli({"run", "ghost"});
  CHECK(contains(r.err, "unknown module 'ghost'"));
  r = cli({"runs", "list", "--status", "bogus"});
  CHECK(contains(r.err, "unknown status 'bogus'"));

  json runs = cli.json_of({"runs", "list", "--json"});
  CHECK(runs == json::array());
}

TEST_CASE("input nested too deep or too large and out-of-bounds settings record nothing") {
  Cli cli;
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  std::ofstream(cli.dir() / "deep.json") << deep;
  Result r = cli({"run", "demo", "--input", "@deep.json"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "deep.json: arrays and objects nest more than 64 levels deep"));
  CHECK(count_lines(r.err) == 1);
  // 64 levels are fine.
  std::ofstream(cli.dir() / "ok.json") << std::string(64, '[') + std::string(64, ']');
  CHECK(cli({"run", "demo", "--input", "@ok.json"}).exit_code == 0);

  // One deep line refuses the batch before any line is acknowledged.
  std::ofstream(cli.dir() / "batch.jsonl")
      << R"({"module":"demo","action":"run","input":{}})"
      << "\n"
      << R"({"module":"demo","action":"run","input":)" << deep << "}\n";
  r = cli({"batch", "batch.jsonl"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "batch.jsonl:2: the input nests arrays and objects more than 64"));

  // The size limit, from [runner] (or the module's table).
  r = cli({"--set", "runner.max_input_bytes=16", "run", "demo", "--input",
           R"({"text":"more than sixteen bytes"})"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "is 34 bytes, more than its limit of 16"));

  // A setting beyond its bound is refused by the schema, by run and by preflight alike.
  r = cli({"--set", "runner.max_concurrency=100000000", "run", "demo"});
  CHECK(r.exit_code == 1);  // an invalid configuration, as for any other schema problem
  CHECK(contains(r.err, "/runner/max_concurrency: schema.maximum: must be <= 1024"));
  r = cli({"--set", "runner.max_concurrency=100000000", "preflight"});
  CHECK(r.exit_code != 0);
  CHECK(contains(r.out + r.err, "/runner/max_concurrency"));

  const json runs = cli.json_of({"runs", "list", "--json"});
  CHECK(runs.size() == 1);  // only the 64-level run
}

TEST_CASE("an idempotency key runs the task once and replays its result") {
  Cli cli;
  std::vector<std::string> args = {"run",     "behave",     "--action",          "count",
                                   "--input", R"({"a":1})", "--idempotency-key", "order-1",
                                   "--json"};
  json first = cli.json_of(args);
  CHECK(first["status"] == "succeeded");
  CHECK(first["replayed"] == false);
  CHECK(first["output"]["count"] == 1);

  json second = cli.json_of(args);
  CHECK(second["status"] == "succeeded");
  CHECK(second["replayed"] == true);
  CHECK(second["run_id"] == first["run_id"]);
  CHECK(second["trace_id"] == first["trace_id"]);
  CHECK(second["output"] == first["output"]);

  // Same key, other input: a conflict, nothing run.
  Result r = cli({"run", "behave", "--action", "count", "--input", R"({"a":2})",
                  "--idempotency-key", "order-1", "--json"});
  CHECK(r.exit_code == 1);
  json conflict = json::parse(r.out);
  CHECK(conflict["error_code"] == "idempotency_conflict");
  CHECK(conflict["status"] == "skipped");
  CHECK(conflict["replayed"] == false);
  CHECK(contains(r.err, "idempotency_conflict"));

  // The plugin ran once: one run of module behave.
  json runs = cli.json_of({"runs", "list", "--module", "behave", "--json"});
  REQUIRE(runs.size() == 1);
  CHECK(runs[0]["run_id"] == first["run_id"]);
  CHECK(runs[0]["idempotency_key"] == "order-1");
  CHECK(runs[0]["attempts"] == 1);

  // The key is per module: demo may use it too.
  json demo = cli.json_of({"run", "demo", "--idempotency-key", "order-1", "--json"});
  CHECK(demo["replayed"] == false);
  CHECK(demo["run_id"] != first["run_id"]);
}

TEST_CASE("dry-run records the side effect it would do and does not do it") {
  Cli cli;
  // A relative path is in the run's own directory, <state_dir>/runs/<run_id>.
  const std::string input = json{{"path", "touched.txt"}}.dump();
  auto target = [&](const json& run) {
    return cli.state_dir() / "runs" / run["run_id"].get<std::string>() / "touched.txt";
  };

  json dry =
      cli.json_of({"run", "behave", "--action", "write", "--input", input, "--dry-run", "--json"});
  CHECK(dry["status"] == "succeeded");
  CHECK_FALSE(fs::exists(target(dry)));
  json events = cli.json_of({"events", "--run", dry["run_id"].get<std::string>(), "--json"});
  const json* effect = find_event(events, "side_effect");
  REQUIRE(effect != nullptr);
  CHECK(effect->at("data")["would_do"] == true);
  CHECK(effect->at("data")["performed"] == false);
  CHECK(effect->at("data")["kind"] == "write_file");
  CHECK(effect->at("data")["detail"]["path"] == fs::weakly_canonical(target(dry)).string());
  CHECK(effect->at("run_id") == dry["run_id"]);
  CHECK(cli.json_of({"runs", "show", dry["run_id"].get<std::string>(),
                     "--json"})["run"]["dry_run"] == true);

  json wet = cli.json_of({"run", "behave", "--action", "write", "--input", input, "--json"});
  CHECK(wet["status"] == "succeeded");
  CHECK(fs::exists(target(wet)));
  events = cli.json_of({"events", "--run", wet["run_id"].get<std::string>(), "--json"});
  effect = find_event(events, "side_effect");
  REQUIRE(effect != nullptr);
  CHECK(effect->at("data")["performed"] == true);
  CHECK(effect->at("data")["would_do"] == false);
}

TEST_CASE("a plugin's denied side effect does not happen and is in the policy log") {
  Cli cli;
  const fs::path outside = cli.dir() / "outside.txt";
  Result r = cli({"run", "behave", "--action", "write", "--input",
                  json{{"path", outside.string()}}.dump(), "--retry", kNoRetry, "--json"});
  CHECK(r.exit_code == 1);
  json doc = json::parse(r.out);
  CHECK(doc["error_code"] == "policy_denied");
  CHECK_FALSE(fs::exists(outside));
  json log = cli.json_of({"policy", "log", "--run", doc["run_id"].get<std::string>(), "--json"});
  REQUIRE(log.size() == 1);
  CHECK(log[0]["decision"] == "deny");
  CHECK(log[0]["rule"] == "path.outside_roots");
  CHECK(log[0]["plugin"] == "behave_v2");
}

TEST_CASE("5 consecutive failed runs pause a module until module resume") {
  Cli cli;
  auto failing = [&](int i) {
    // dev.toml never pauses a module; this test asks for the kernel's default, 5.
    return cli({"--set", "runner.pause_after_failures=5", "run", "behave", "--action", "fail_times",
                "--input", json{{"key", fmt::format("k{}", i)}, {"failures", 99}}.dump(), "--retry",
                kNoRetry, "--json"});
  };
  auto behave_health = [&] {
    for (const json& m : cli.json_of({"module", "list", "--json"})) {
      if (m["module"] == "behave") return m;
    }
    FAIL("module behave not listed");
    return json();
  };
  for (int i = 0; i < 4; ++i) {
    Result r = failing(i);
    CHECK(r.exit_code == 1);
    CHECK(json::parse(r.out)["status"] == "failed");
  }
  json health = behave_health();
  CHECK(health["paused"] == false);
  CHECK(health["consecutive_failures"] == 4);

  Result r = failing(4);
  CHECK(r.exit_code == 1);
  health = behave_health();
  CHECK(health["paused"] == true);
  CHECK(health["paused_reason"].is_string());
  json events = cli.json_of({"events", "--json"});
  const json* paused = find_event(events, "module_paused");
  REQUIRE(paused != nullptr);
  CHECK(paused->at("module") == "behave");

  // Paused: the next run is recorded as skipped without calling the plugin.
  r = cli({"run", "behave", "--action", "echo", "--json"});
  CHECK(r.exit_code == 1);
  json doc = json::parse(r.out);
  CHECK(doc["status"] == "skipped");
  CHECK(doc["error_code"] == "module_paused");
  CHECK(doc["attempts"] == 0);
  CHECK(contains(r.err, "module resume behave"));
  // Other modules are not affected.
  CHECK(cli({"run", "demo"}).exit_code == 0);

  r = cli({"module", "resume", "behave"});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "resumed"));
  health = behave_health();
  CHECK(health["paused"] == false);
  CHECK(health["consecutive_failures"] == 0);
  CHECK(find_event(cli.json_of({"events", "--json"}), "module_resumed") != nullptr);

  doc = cli.json_of({"run", "behave", "--action", "echo", "--input", R"({"x":1})", "--json"});
  CHECK(doc["status"] == "succeeded");
  CHECK(doc["output"]["x"] == 1);
}

TEST_CASE("every telemetry log line is JSON with the standard keys and metrics count the runs") {
  Cli cli;
  std::set<std::string> run_ids;
  for (int i = 0; i < 3; ++i) {
    run_ids.insert(
        cli.json_of({"run", "demo", "--input", json{{"i", i}}.dump(), "--json"})["run_id"]
            .get<std::string>());
  }
  json failed = cli.json_of({"run", "behave", "--action", "fail_times", "--input",
                             R"({"key":"t","failures":1})", "--retry", kNoRetry, "--json"},
                            1);
  run_ids.insert(failed["run_id"].get<std::string>());
  json retried = cli.json_of({"run", "behave", "--action", "fail_times", "--input",
                              R"({"key":"t","failures":1})", "--retry", kFastRetry, "--json"});
  CHECK(retried["attempts"] == 2);
  run_ids.insert(retried["run_id"].get<std::string>());

  const fs::path log = cli.state_dir() / "logs" / "agentsys.jsonl";
  REQUIRE(fs::exists(log));
  std::vector<std::string> lines = lines_of(slurp(log));
  CHECK(lines.size() >= 5);
  std::set<std::string> logged_runs;
  for (const std::string& line : lines) {
    CAPTURE(line);
    json j = json::parse(line, nullptr, false);
    REQUIRE(j.is_object());
    for (const char* key : {"ts", "level", "trace_id", "run_id", "module", "action", "status",
                            "latency_ms", "error_code"}) {
      CAPTURE(key);
      CHECK(j.contains(key));
    }
    CHECK(j["ts"].is_string());
    CHECK(j["level"].is_string());
    if (j.value("kind", "") == "run") {
      logged_runs.insert(j["run_id"].get<std::string>());
      CHECK(is_hex32(j["trace_id"].get<std::string>()));
      CHECK(j["latency_ms"].is_number());
    }
  }
  CHECK(logged_runs == run_ids);

  json metrics = cli.json_of({"metrics", "--json"});
  const json* demo = find_series(metrics, "run", "demo", "v1");
  REQUIRE(demo != nullptr);
  CHECK(demo->at("count") == 3);
  CHECK(demo->at("by_status") == json{{"succeeded", 3}});
  CHECK(demo->at("latency_ms")["count"] == 3);
  const json* behave = find_series(metrics, "run", "behave", "v2");
  REQUIRE(behave != nullptr);
  CHECK(behave->at("count") == 2);
  CHECK(behave->at("by_status") == json{{"failed", 1}, {"succeeded", 1}});
  const json* behave_attempts = find_series(metrics, "attempt", "behave", "v2");
  REQUIRE(behave_attempts != nullptr);
  CHECK(behave_attempts->at("count") == 3);
  CHECK(behave_attempts->at("by_status") == json{{"failed", 2}, {"succeeded", 1}});

  Result prom = cli({"metrics", "--prometheus"});
  REQUIRE(prom.exit_code == 0);
  CHECK(contains(prom.out,
                 "agentsys_runs_total{module=\"demo\",impl=\"v1\",status=\"succeeded\"} 3\n"));
  CHECK(contains(prom.out,
                 "agentsys_runs_total{module=\"behave\",impl=\"v2\",status=\"failed\"} 1\n"));
  CHECK(contains(prom.out,
                 "agentsys_attempts_total{module=\"behave\",impl=\"v2\",status=\"failed\"} 2\n"));
}

TEST_CASE("a timed-out attempt's host subprocesses are killed") {
  Cli cli;
  const std::vector<std::string> sleeper{"sleep", "29.613"};  // unique enough to find it
  std::atomic<bool> done{false};
  std::atomic<bool> seen{false};
  std::thread watcher([&] {
    while (!done && !seen) {
      seen = !agentsys::test::processes_with_argv(sleeper).empty();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  Result r =
      cli({"run", "behave", "--action", "spawn", "--input", json{{"seconds", sleeper[1]}}.dump(),
           "--timeout", "0.5", "--retry", kNoRetry, "--json"});
  done = true;
  watcher.join();
  INFO("stderr: ", r.err);
  CHECK(r.seconds < 10);  // the sleeper sleeps 30 s
  CHECK(seen);
  json doc = json::parse(r.out);
  CHECK(doc["attempts"] == 1);
  // timed_out, or (kernel race, see the next test) succeeded with the killed command's output
  CHECK((doc["status"] == "timed_out" || doc["output"]["timed_out"] == true));

  CHECK_MESSAGE(gone_within_2s(sleeper), "the sleeper outlived its run");
}

// run_command bounds a command by the call's deadline; a command killed by that bound is a
// timeout of the attempt, never a success, whichever of the plugin and the deadline timer wins.
TEST_CASE("SIGINT and SIGTERM cancel the running attempt, kill its child and exit 130/143") {
  for (const auto& [sig, name, sleep] :
       {std::tuple{SIGINT, "SIGINT", "28.417"}, std::tuple{SIGTERM, "SIGTERM", "28.419"}}) {
    CAPTURE(name);
    Cli cli;
    const std::vector<std::string> sleeper{"sleep", sleep};
    std::vector<std::string> args = all_plugin_dirs();
    args.insert(args.end(),
                {"--state-dir", cli.state_dir().string(), "run", "behave", "--action", "spawn",
                 "--input", json{{"seconds", sleep}}.dump(), "--retry", kNoRetry});
    Child child(args, cli.dir() / "run.out", cli.dir() / "run.err");
    bool seen = false;
    for (int i = 0; i < 1000 && !seen; ++i) {  // up to 10 s for the child to start
      seen = !agentsys::test::processes_with_argv(sleeper).empty();
      if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    REQUIRE(seen);
    const auto signalled = std::chrono::steady_clock::now();
    ::kill(child.pid(), sig);
    const int status = child.wait();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - signalled).count();
    const std::string err = slurp(cli.dir() / "run.err");
    INFO("stderr: ", err);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 128 + sig);
    CHECK(seconds < 5);  // not the sleeper's 28 s
    CHECK(contains(err, fmt::format("agentsys: interrupted by {}: attempts in progress were "
                                    "cancelled and recorded",
                                    name)));
    // No child outlives the kernel.
    CHECK_MESSAGE(gone_within_2s(sleeper), "the child outlived the kernel");
    // The run is recorded as cancelled, with the signal; recovery has nothing to re-run.
    const json runs = cli.json_of({"runs", "list", "--json"});
    REQUIRE(runs.size() == 1);
    CHECK(runs[0]["status"] == "cancelled");
    CHECK(contains(runs[0].dump(), fmt::format("interrupted by {}", name)));
    CHECK(cli.json_of({"runs", "recover", "--json"}).empty());
  }
}

TEST_CASE("a command killed at the attempt's deadline ends the run timed_out") {
  Cli cli;
  for (int i = 0; i < 5; ++i) {
    CAPTURE(i);
    Result r = cli({"run", "behave", "--action", "spawn", "--input",
                    json{{"seconds", fmt::format("29.{}", 100 + i)}}.dump(), "--timeout", "0.3",
                    "--retry", kNoRetry, "--json"});
    CHECK(r.exit_code == 1);
    json doc = json::parse(r.out);
    CHECK(doc["status"] == "timed_out");
    CHECK(doc["error_code"] == "timeout");
  }
}

TEST_CASE("a plugin submits tasks through the host: same trace, idempotent, policy-checked") {
  Cli cli;
  auto submit = [&](const json& request, const std::vector<std::string>& global = {}) {
    std::vector<std::string> args = global;
    for (const char* a : {"run", "behave", "--action", "host", "--json", "--retry",
                          R"({"maximum_attempts": 1})", "--input"}) {
      args.emplace_back(a);
    }
    args.push_back(json{{"service", "submit_task"}, {"request", request}}.dump());
    return cli(args);
  };
  const json job{{"module", "demo"}, {"input", {{"n", 1}}}, {"idempotency_key", "job-202602"}};
  Result first = submit(job);
  REQUIRE_MESSAGE(first.exit_code == 0, first.err);
  json parent = json::parse(first.out);
  const std::string child_id = parent["output"]["run_id"];
  // (it may already be done when the service answers: the runner is fast; it is not a replay)
  CHECK(parent["output"].value("replayed", false) == false);
  // The CLI waited for the submitted run: it is finished, in the parent's trace.
  json child = cli.json_of({"runs", "show", child_id, "--json"});
  CHECK(child["run"]["status"] == "succeeded");
  CHECK(child["run"]["trace_id"] == parent["trace_id"]);

  // The same key again: nothing runs twice, the stored result comes back.
  json again = json::parse(submit(job).out);
  CHECK(again["output"]["run_id"] == child_id);
  CHECK(again["output"]["done"] == true);
  CHECK(again["output"]["replayed"] == true);

  // A high-risk action needs an approval where policy says so (prod), and nothing is submitted.
  Result publish = submit({{"module", "demo"}, {"action", "publish"}}, {"--env", "prod"});
  CHECK(publish.exit_code == 1);
  CHECK(json::parse(publish.out)["error_code"] == "needs_approval");
  CHECK(contains(publish.out, "submit_task: policy requires an approval for action 'publish'"));

  Result unknown = submit({{"module", "nope"}});
  CHECK(json::parse(unknown.out)["error_code"] == "invalid_input");
}

TEST_CASE("run: other --FIELD VALUE options become input fields") {
  Cli cli;
  json r = cli.json_of({"run", "behave", "--action", "echo", "--input", R"({"a": 1})",
                        "--target-month", "202602", "--report=ops_monthly", "--all", "--json"});
  CHECK(r["output"] ==
        json{{"a", 1}, {"target_month", "202602"}, {"report", "ops_monthly"}, {"all", true}});
  Result bad = cli({"run", "behave", "--action", "echo", "--input", "[1]", "--x", "1"});
  CHECK(bad.exit_code == 2);
  CHECK(contains(bad.err, "--input must be a JSON object when task fields such as --x"));
  Result twice = cli({"run", "behave", "--x", "1", "--x", "2"});
  CHECK(twice.exit_code == 2);
}
