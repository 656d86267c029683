// The runner through its real interface: real plugins, a real SQLite store in a temp dir.
#include <doctest/doctest.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "runner/runner.hpp"
#include "store/run_store.hpp"
#include "test_support.hpp"
#include "util/process_identity.hpp"

namespace fs = std::filesystem;
using namespace agentsys;
using namespace agentsys::test;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

class Recorder final : public RunObserver {
 public:
  void record(TelemetryRecord r) override {
    std::lock_guard lock(mutex_);
    records_.push_back(std::move(r));
  }
  std::vector<TelemetryRecord> records() {
    std::lock_guard lock(mutex_);
    return records_;
  }

 private:
  std::mutex mutex_;
  std::vector<TelemetryRecord> records_;
};

/// A registry with demo_v1/demo_v2 and behave_v2, a store in a temp dir, and a runner.
struct Fixture {
  TempDir dir;
  PolicedSink sink;
  ModuleRegistry registry{sink};
  std::unique_ptr<RunStore> store;
  Recorder recorder;
  std::unique_ptr<Runner> runner;

  explicit Fixture(RunnerOptions options = fast_options()) {
    for (const fs::path& p : {bundled("demo_v1"), bundled("demo_v2"), good("behave_v2")}) {
      LoadResult r = PluginLibrary::load(p);
      REQUIRE_MESSAGE(r, r.error);
      REQUIRE(registry.install(r.library, ModuleRegistry::Install::add).empty());
    }
    store = std::make_unique<RunStore>(dir.path(), Durability::normal);
    sink.enable(registry, dir.path(), store.get());
    runner = std::make_unique<Runner>(registry, store.get(), &recorder, std::move(options));
  }
  ~Fixture() { runner.reset(); }

  static RunnerOptions fast_options() {
    RunnerOptions o;
    o.workers = 4;
    o.default_retry.initial_interval = 1ms;
    o.default_retry.maximum_interval = 5ms;
    o.rng_seed = 7;
    return o;
  }

  std::vector<std::string> event_types(const std::string& run_id) {
    store->sync();
    std::vector<std::string> types;
    for (const EventRow& e : store->events(run_id)) types.push_back(e.type);
    return types;
  }
};

TaskSpec behave(const std::string& action, json input = json::object()) {
  TaskSpec t;
  t.module = "behave";
  t.action = action;
  t.input_json = input.dump();
  return t;
}

}  // namespace

TEST_CASE("runner: a task gets ids, runs, and is recorded with its attempt and events") {
  Fixture f;
  TaskSpec t;
  t.module = "demo";
  t.input_json = R"({"x":1})";
  RunResult r = f.runner->run(t);
  CHECK(r.ok());
  CHECK(r.attempts == 1);
  CHECK(r.impl == AS_IMPL_V1);
  CHECK(r.trace_id.size() == 32);
  CHECK(r.run_id.rfind("run_", 0) == 0);
  CHECK(json::parse(r.output_json)["input"]["x"] == 1);
  f.store->sync();
  auto row = f.store->find_run(r.run_id);
  REQUIRE(row);
  CHECK(row->status == "succeeded");
  CHECK(row->trace_id == r.trace_id);
  CHECK(f.store->attempts(r.run_id).size() == 1);
  CHECK(f.event_types(r.run_id) == std::vector<std::string>{"started", "succeeded"});
  auto recs = f.recorder.records();
  REQUIRE(recs.size() == 2);
  CHECK(recs[0].kind == "attempt");
  CHECK(recs[1].kind == "run");
  CHECK(recs[1].status == "succeeded");
}

TEST_CASE("runner: a plugin failing N times then succeeding is retried N times") {
  Fixture f;
  RunResult r = f.runner->run(behave("fail_times", {{"key", "a"}, {"failures", 2}}));
  CHECK(r.ok());
  CHECK(r.attempts == 3);
  CHECK(json::parse(r.output_json)["calls"] == 3);
  CHECK(f.event_types(r.run_id) == std::vector<std::string>{"started", "attempt_failed", "retrying",
                                                            "started", "attempt_failed", "retrying",
                                                            "started", "succeeded"});
  auto attempts = f.store->attempts(r.run_id);
  REQUIRE(attempts.size() == 3);
  CHECK(attempts[0].status == "failed");
  CHECK(attempts[0].error_code == "upstream_unavailable");
  CHECK(attempts[2].status == "succeeded");
}

TEST_CASE("runner: maximum attempts are respected") {
  Fixture f;
  TaskSpec t = behave("fail_times", {{"key", "b"}, {"failures", 10}});
  t.retry = Fixture::fast_options().default_retry;
  t.retry->maximum_attempts = 4;
  RunResult r = f.runner->run(t);
  CHECK(r.status == TaskStatus::failed);
  CHECK(r.attempts == 4);
  CHECK(r.error_code == ErrorCode::upstream_unavailable);
  CHECK(r.message == "planned failure 4");
}

TEST_CASE("runner: a non-retryable error stops at once") {
  Fixture f;
  RunResult r =
      f.runner->run(behave("fail_times", {{"key", "c"}, {"failures", 5}, {"status", "invalid"}}));
  CHECK(r.status == TaskStatus::failed);
  CHECK(r.attempts == 1);
  CHECK(r.error_code == ErrorCode::invalid_input);

  TaskSpec t = behave("fail_times", {{"key", "d"}, {"failures", 5}});
  t.retry = Fixture::fast_options().default_retry;
  t.retry->non_retryable = {ErrorCode::upstream_unavailable};
  r = f.runner->run(t);
  CHECK(r.attempts == 1);
}

TEST_CASE("runner: backoff delays stay within the full-jitter bounds") {
  RunnerOptions o = Fixture::fast_options();
  o.default_retry.initial_interval = 40ms;
  o.default_retry.backoff_coefficient = 2.0;
  o.default_retry.maximum_interval = 1000ms;
  o.default_retry.maximum_attempts = 4;
  Fixture f(o);
  RunResult r = f.runner->run(behave("fail_times", {{"key", "e"}, {"failures", 3}}));
  REQUIRE(r.ok());
  f.store->sync();
  std::vector<int64_t> delays;
  for (const EventRow& e : f.store->events(r.run_id)) {
    if (e.type == "retrying") delays.push_back(json::parse(e.data)["delay_ms"].get<int64_t>());
  }
  REQUIRE(delays.size() == 3);
  CHECK(delays[0] <= 40);
  CHECK(delays[1] <= 80);
  CHECK(delays[2] <= 160);
  for (int64_t d : delays) CHECK(d >= 0);
}

TEST_CASE("runner: a plugin that ignores cancellation still ends timed_out on time") {
  RunnerOptions o = Fixture::fast_options();
  o.default_retry.maximum_attempts = 1;
  Fixture f(o);
  TaskSpec t = behave("hang", {{"ms", 1500}});
  t.timeout = 200ms;
  auto start = std::chrono::steady_clock::now();
  RunResult r = f.runner->run(t);
  auto took = std::chrono::steady_clock::now() - start;
  CHECK(r.status == TaskStatus::timed_out);
  CHECK(r.error_code == ErrorCode::timeout);
  CHECK(took >= 190ms);
  CHECK(took < 700ms);
  CHECK(f.runner->stuck_attempts() == 1);
  // Capacity is kept: other work runs while the plugin is still stuck.
  TaskSpec quick;
  quick.module = "demo";
  CHECK(f.runner->run(quick).ok());
  CHECK(f.event_types(r.run_id).back() == "timed_out");
}

TEST_CASE("runner: a timeout kills the subprocess the plugin started, with its process group") {
  RunnerOptions o = Fixture::fast_options();
  o.default_retry.maximum_attempts = 1;
  Fixture f(o);
  const std::vector<std::string> sleeper{"sleep", "29.731"};  // unique enough to find it
  std::atomic<bool> done{false};
  std::atomic<bool> seen{false};
  std::thread watcher([&] {
    while (!done && !seen) {
      seen = !processes_with_argv(sleeper).empty();
      std::this_thread::sleep_for(10ms);
    }
  });
  TaskSpec t = behave("spawn", {{"seconds", sleeper[1]}});
  t.timeout = 400ms;
  RunResult r = f.runner->run(t);
  done = true;
  watcher.join();
  CHECK(r.status == TaskStatus::timed_out);
  CHECK(seen);
  bool dead = false;
  for (int i = 0; i < 200 && !dead; ++i) {
    dead = processes_with_argv(sleeper).empty();
    if (!dead) std::this_thread::sleep_for(10ms);
  }
  CHECK(dead);
}

TEST_CASE("runner: an idempotent replay returns the stored result without invoking the plugin") {
  Fixture f;
  TaskSpec t = behave("count");
  t.idempotency_key = "once";
  RunResult first = f.runner->run(t);
  RunResult again = f.runner->run(t);
  CHECK(first.ok());
  CHECK_FALSE(first.replayed);
  CHECK(again.replayed);
  CHECK(again.run_id == first.run_id);
  CHECK(again.output_json == first.output_json);
  // The plugin ran once: a fresh call counts 2.
  CHECK(json::parse(f.runner->run(behave("count")).output_json)["count"] == 2);
}

TEST_CASE("runner: the same key with a different input is an idempotency conflict") {
  Fixture f;
  TaskSpec t = behave("echo", {{"v", 1}});
  t.idempotency_key = "k";
  REQUIRE(f.runner->run(t).ok());
  TaskSpec other = behave("echo", {{"v", 2}});
  other.idempotency_key = "k";
  RunResult r = f.runner->run(other);
  CHECK(r.error_code == ErrorCode::idempotency_conflict);
  CHECK(r.run_id.empty());
  CHECK(r.message.find("held by run") != std::string::npos);
}

TEST_CASE("runner: concurrent submissions with the same key run the plugin once") {
  Fixture f;
  std::vector<std::thread> threads;
  std::vector<RunResult> results(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      TaskSpec t = behave("count");
      t.idempotency_key = "race";
      results[static_cast<size_t>(i)] = f.runner->run(t);
    });
  }
  for (auto& t : threads) t.join();
  for (const RunResult& r : results) {
    CHECK(r.ok());
    CHECK(r.run_id == results[0].run_id);
    CHECK(json::parse(r.output_json)["count"] == 1);
  }
  f.store->sync();
  CHECK(f.store->list_runs({.module = "behave", .status = "", .limit = 100}).size() == 1);
}

TEST_CASE("runner: dry-run performs no side effect and says what it would do") {
  Fixture f;
  TaskSpec t = behave("write", {{"path", "touched.txt"}});  // in the run's own directory
  t.dry_run = true;
  RunResult r = f.runner->run(t);
  REQUIRE_MESSAGE(r.ok(), r.message);
  const fs::path dry_target = f.dir.path() / "runs" / r.run_id / "touched.txt";
  CHECK(json::parse(r.output_json)["would_write"] == fs::weakly_canonical(dry_target).string());
  CHECK_FALSE(fs::exists(dry_target));

  t.dry_run = false;
  RunResult wet = f.runner->run(t);
  REQUIRE_MESSAGE(wet.ok(), wet.message);
  CHECK(fs::exists(f.dir.path() / "runs" / wet.run_id / "touched.txt"));
}

TEST_CASE("runner: per-module concurrency limits hold") {
  RunnerOptions o = Fixture::fast_options();
  o.workers = 4;
  o.module_limits["behave"] = 1;
  Fixture f(o);
  std::vector<TaskSpec> specs;
  for (int i = 0; i < 4; ++i) specs.push_back(behave("hang", {{"ms", 60}}));
  auto start = std::chrono::steady_clock::now();
  auto subs = f.runner->submit_batch(specs);
  for (auto& s : subs) CHECK(s.result.get().ok());
  CHECK(std::chrono::steady_clock::now() - start >= 230ms);  // one at a time: 4 x 60 ms
}

TEST_CASE("runner: consecutive failures pause the module until it is resumed") {
  RunnerOptions o = Fixture::fast_options();
  o.pause_after_failures = 3;
  o.default_retry.maximum_attempts = 1;
  Fixture f(o);
  for (int i = 0; i < 3; ++i) {
    CHECK(f.runner->run(behave("fail_times", {{"key", "p"}, {"failures", 99}})).status ==
          TaskStatus::failed);
  }
  CHECK(f.runner->module_paused("behave"));
  RunResult skipped = f.runner->run(behave("echo"));
  CHECK(skipped.status == TaskStatus::skipped);
  CHECK(skipped.error_code == ErrorCode::module_paused);
  TaskSpec demo;
  demo.module = "demo";
  CHECK(f.runner->run(demo).ok());  // other modules unaffected
  f.store->sync();
  CHECK(f.store->health()["behave"].paused);

  f.runner->resume_module("behave");
  CHECK_FALSE(f.runner->module_paused("behave"));
  CHECK(f.runner->run(behave("echo")).ok());
}

TEST_CASE("runner: bad tasks are rejected before anything is recorded") {
  Fixture f;
  TaskSpec t;
  t.module = "nope";
  CHECK_THROWS_WITH_AS(f.runner->submit(t), doctest::Contains("unknown module 'nope'"),
                       std::invalid_argument);
  t.module = "demo";
  t.input_json = "{bad";
  CHECK_THROWS_AS(f.runner->submit(t), std::invalid_argument);
  t.input_json = "{}";
  t.trace_id = "XYZ";
  CHECK_THROWS_WITH(f.runner->submit(t), doctest::Contains("W3C trace-context"));
  t.trace_id.clear();
  t.timeout = -5ms;
  CHECK_THROWS_WITH(f.runner->submit(t), "the timeout must be positive");
  f.store->sync();
  CHECK(f.store->list_runs({}).empty());
}

TEST_CASE("runner: recovery marks a dead kernel's runs interrupted and runs them again") {
  Fixture f;
  // A run acknowledged by a kernel that died while running it.
  RunRow row;
  row.run_id = "run_dead_0001";
  row.task_id = "task_dead_0001";
  row.trace_id = "0af7651916cd43dd8448eb211c80319c";
  row.module = "demo";
  row.action = "run";
  row.input = R"({"recovered":true})";
  row.input_digest = "x";
  row.timeout_ms = 10000;
  row.retry_policy = R"({"maximum_attempts":3})";
  row.status = "running";
  row.attempts = 1;
  row.created_at = row.updated_at = "2026-11-25T00:00:00.000Z";
  row.owner = "not-a-boot-id/999999/1";
  REQUIRE(f.store->acknowledge({row})[0].inserted);
  row.run_id = "run_live_0002";
  row.owner = current_process_identity();  // ours: must be left alone
  REQUIRE(f.store->acknowledge({row})[0].inserted);

  auto recovered = f.runner->recover();
  REQUIRE(recovered.size() == 1);
  RunResult r = recovered[0].result.get();
  CHECK(r.run_id == "run_dead_0001");
  CHECK(r.ok());
  CHECK(r.attempts == 2);
  auto types = f.event_types("run_dead_0001");
  CHECK(types == std::vector<std::string>{"interrupted", "retrying", "started", "succeeded"});
  CHECK(f.store->attempts("run_dead_0001")[0].status == "interrupted");
  CHECK(f.store->find_run("run_live_0002")->status == "running");
  CHECK(f.runner->recover().empty());  // nothing left to take over
}
