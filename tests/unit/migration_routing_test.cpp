// Shadow and cutover routing through the real registry and runner: real plugins (behave_v1 and
// behave_v2, one module), the real policy plugin and host services, a real SQLite store.
#include <doctest/doctest.h>

#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "isolation/isolated_hooks.hpp"
#include "migration/gate_evidence.hpp"
#include "migration/mttd.hpp"
#include "migration/shadow_reconciliation.hpp"
#include "registry/module_mode.hpp"
#include "runner/runner.hpp"
#include "store/run_store.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace agentsys;
using namespace agentsys::test;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

struct ShadowFixture {
  TempDir dir;
  PolicedSink sink;
  ModuleRegistry registry{sink};
  std::unique_ptr<RunStore> store;
  std::mutex mutex;
  std::vector<ShadowOutcome> outcomes;
  std::unique_ptr<Runner> runner;

  /// `isolated`: both plugins run in plugin host processes.
  explicit ShadowFixture(std::chrono::milliseconds shadow_budget = 5s, bool isolated = false) {
    for (const fs::path& p : {paired("behave_v1"), good("behave_v2")}) {
      LoadResult r = PluginLibrary::load(p);
      REQUIRE_MESSAGE(r, r.error);
      REQUIRE(registry
                  .install(r.library, ModuleRegistry::Install::add, "{}",
                           isolated ? isolated_hooks(IsolationSpec{}) : HooksFactory{})
                  .empty());
    }
    store = std::make_unique<RunStore>(dir.path(), Durability::normal);
    sink.enable(registry, dir.path(), store.get());
    RunnerOptions options;
    options.workers = 2;
    options.module_defaults["behave"].shadow_budget = shadow_budget;
    options.on_shadow = [this](const ShadowOutcome& o) {
      std::lock_guard lock(mutex);
      outcomes.push_back(o);
    };
    runner = std::make_unique<Runner>(registry, store.get(), nullptr, std::move(options));
  }
  ~ShadowFixture() { runner.reset(); }

  fs::path output() const { return fs::canonical(dir.path()) / "output"; }
};

TaskSpec sides(json v1, json v2) {
  TaskSpec t;
  t.module = "behave";
  t.action = "sides";
  t.input_json = json{{"v1", std::move(v1)}, {"v2", std::move(v2)}}.dump();
  return t;
}

}  // namespace

TEST_CASE("cutover buckets are stable: raising the percentage only moves keys to V2") {
  constexpr int kKeys = 100000;
  std::vector<uint32_t> buckets(kKeys);
  for (int i = 0; i < kKeys; ++i) {
    buckets[i] = cutover_bucket("module-salt", "report:ops_monthly:" + std::to_string(i));
  }
  std::vector<bool> on_v2(kKeys, false);
  for (unsigned percent : {10U, 20U, 50U, 100U}) {
    int moved_back = 0;
    int count = 0;
    for (int i = 0; i < kKeys; ++i) {
      bool v2 = routes_to_v2(buckets[i], percent);
      if (on_v2[i] && !v2) ++moved_back;
      on_v2[i] = v2;
      count += v2 ? 1 : 0;
    }
    CHECK(moved_back == 0);
    double share = 100.0 * count / kKeys;
    INFO("percent " << percent << " share " << share);
    CHECK(share >= percent - 1.0);
    CHECK(share <= percent + 1.0);
  }
  // Another salt moves other keys: two modules at 20% do not cut over the same tasks.
  int same = 0;
  for (int i = 0; i < 1000; ++i) {
    std::string key = "k" + std::to_string(i);
    same +=
        routes_to_v2(cutover_bucket("a", key), 20) == routes_to_v2(cutover_bucket("b", key), 20);
  }
  CHECK(same < 900);
  CHECK(cutover_bucket("s", "key") == cutover_bucket("s", "key"));
  CHECK(!routes_to_v2(0, 0));
  CHECK(routes_to_v2(9999, 100));
}

TEST_CASE("the registry routes shadow to V1 with V2 beside it, and cutover by bucket") {
  ShadowFixture f;
  CHECK(f.registry.set_routing("behave", {ModuleMode::cutover, 101, "s"}).find("0..100") !=
        std::string::npos);
  REQUIRE(f.registry.set_mode("behave", ModuleMode::shadow).empty());
  ModuleRegistry::Route r = f.registry.route("behave", "any");
  REQUIRE(r.instance);
  CHECK(r.instance->descriptor().impl == AS_IMPL_V1);
  REQUIRE(r.shadow);
  CHECK(r.shadow->descriptor().impl == AS_IMPL_V2);

  REQUIRE(f.registry.set_routing("behave", {ModuleMode::cutover, 30, "salt"}).empty());
  int v2 = 0;
  for (int i = 0; i < 1000; ++i) {
    std::string key = "key" + std::to_string(i);
    ModuleRegistry::Route c = f.registry.route("behave", key);
    CHECK_FALSE(c.shadow);
    bool expect_v2 = routes_to_v2(cutover_bucket("salt", key), 30);
    CHECK((c.instance->descriptor().impl == AS_IMPL_V2) == expect_v2);
    v2 += expect_v2 ? 1 : 0;
  }
  CHECK(v2 > 230);
  CHECK(v2 < 370);
}

TEST_CASE("shadow mode: V1's result is returned and V2's is handed to the comparison") {
  ShadowFixture f;
  REQUIRE(f.registry.set_mode("behave", ModuleMode::shadow).empty());
  RunResult r = f.runner->run(sides({{"key_fields", {{"rows", {{{"a", 1}}}}}}},
                                    {{"key_fields", {{"rows", {{{"a", 2}}}}}}}));
  REQUIRE(r.ok());
  CHECK(r.impl == AS_IMPL_V1);
  CHECK(json::parse(r.output_json)["impl"] == "v1");
  f.runner->wait_idle();
  std::lock_guard lock(f.mutex);
  REQUIRE(f.outcomes.size() == 1);
  const ShadowOutcome& o = f.outcomes[0];
  CHECK(o.run_id == r.run_id);
  CHECK(o.shadow_run_id == r.run_id + "-shadow");
  CHECK(o.primary.impl == AS_IMPL_V1);
  CHECK(o.shadow.outcome.status == AS_OK);
  CHECK(json::parse(o.shadow.outcome.output)["key_fields"]["rows"][0]["a"] == 2);
  CHECK_FALSE(o.overran);
}

TEST_CASE("shadow sandbox: V2's writes outside its run directory and its submits do not happen") {
  // The same for plugins in this process and in plugin host processes: the sandbox is the
  // kernel's, whichever side of the boundary the plugin is on.
  for (bool isolated : {false, true}) {
    CAPTURE(isolated);
    ShadowFixture f(5s, isolated);
    REQUIRE(f.registry.set_mode("behave", ModuleMode::shadow).empty());
    const fs::path v1_file = f.output() / "published" / "v1.txt";
    const fs::path v2_file = f.output() / "published" / "v2.txt";
    json submit{{"module", "behave"}, {"action", "echo"}, {"input", {{"from", "shadow"}}}};
    RunResult r = f.runner->run(
        sides({{"write", {{"path", v1_file.string()}, {"content", "v1"}}}},
              {{"write", {{"path", v2_file.string()}, {"content", "v2"}}}, {"submit", submit}}));
    REQUIRE_MESSAGE(r.ok(), r.message);
    f.runner->wait_idle();
    CHECK(fs::exists(v1_file));
    CHECK_FALSE(fs::exists(v2_file));  // recorded as "would write", never written
    std::lock_guard lock(f.mutex);
    REQUIRE(f.outcomes.size() == 1);
    json v2 = json::parse(f.outcomes[0].shadow.outcome.output);
    CHECK(v2["write"]["dry_run"] == true);
    CHECK(v2["write"]["would_write"] == v2_file.string());
    CHECK(v2["submit"]["dry_run"] == true);
    bool recorded = false;
    for (const std::string& e : f.sink.side_effects()) {
      if (e.find("write_file would_do") == 0 && e.find("shadow") != std::string::npos) {
        recorded = true;
      }
    }
    CHECK(recorded);
    // Only the primary run exists: the submit did not create one.
    CHECK(f.store->runs_in_status({"succeeded"}).size() == 1);
  }
}

TEST_CASE("shadow: a slow V2 does not delay V1, and its overrun is recorded as a V2 failure") {
  ShadowFixture f(300ms);
  REQUIRE(f.registry.set_mode("behave", ModuleMode::shadow).empty());
  auto start = std::chrono::steady_clock::now();
  RunResult r = f.runner->run(sides(json::object(), {{"ms", 1500}}));
  auto v1_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  REQUIRE(r.ok());
  CHECK(v1_ms < 1000ms);  // V1 returned long before V2's 1.5 s
  f.runner->wait_idle();
  std::lock_guard lock(f.mutex);
  REQUIRE(f.outcomes.size() == 1);
  CHECK(f.outcomes[0].overran);
  CHECK(f.outcomes[0].shadow.outcome.status == AS_ERR_TIMEOUT);
  CHECK(f.outcomes[0].shadow.outcome.error.find("budget of 300 ms") != std::string::npos);
}

TEST_CASE("cutover: a task's side follows its idempotency key's bucket") {
  ShadowFixture f;
  REQUIRE(f.registry.set_routing("behave", {ModuleMode::cutover, 50, "salt"}).empty());
  int v2 = 0;
  for (int i = 0; i < 40; ++i) {
    TaskSpec t = sides(json::object(), json::object());
    t.idempotency_key = "job-" + std::to_string(i);
    RunResult r = f.runner->run(t);
    REQUIRE(r.ok());
    bool expect_v2 = routes_to_v2(cutover_bucket("salt", t.idempotency_key), 50);
    CHECK((r.impl == AS_IMPL_V2) == expect_v2);
    v2 += r.impl == AS_IMPL_V2 ? 1 : 0;
  }
  CHECK(v2 > 0);
  CHECK(v2 < 40);
  std::lock_guard lock(f.mutex);
  CHECK(f.outcomes.empty());  // cutover runs one side only
}

TEST_CASE("shadow: each failed side is an MTTD sample naming module, step and error code") {
  ShadowFixture f;
  REQUIRE(f.registry.set_mode("behave", ModuleMode::shadow).empty());
  TaskSpec t = sides({{"ms", 120}, {"fail", "invalid"}, {"message", "extract: no such table"}},
                     {{"fail", "unavailable"}, {"message", "run_sql: database is locked"}});
  json input = json::parse(t.input_json);
  input["target_month"] = "202602";
  t.input_json = input.dump();
  t.retry = RetryPolicy{};
  t.retry->maximum_attempts = 1;
  RunResult r = f.runner->run(t);
  REQUIRE_FALSE(r.ok());
  f.runner->wait_idle();
  std::lock_guard lock(f.mutex);
  REQUIRE(f.outcomes.size() == 1);
  migration::ShadowReconciliation reconcile(f.dir.path(), {}, f.store.get(), nullptr);
  reconcile(f.outcomes[0]);

  const fs::path file = f.dir.path() / "reconcile/202602/mttd.jsonl";
  std::ifstream in(file);
  std::vector<json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
  REQUIRE(lines.size() == 2);
  CHECK(lines[0]["impl"] == "v1");
  CHECK(lines[0]["run_id"] == r.run_id);
  CHECK(lines[0]["module"] == "behave");
  CHECK(lines[0]["step"] == "extract");
  CHECK(lines[0]["error_code"] == "invalid_input");
  CHECK(lines[1]["impl"] == "v2");
  CHECK(lines[1]["step"] == "run_sql");
  CHECK(lines[1]["error_code"] == "upstream_unavailable");
  // V1 slept 120 ms before failing: its detection came at least that long after its onset.
  const double v1_s = *migration::parse_timestamp(lines[0]["detected_ts"].get<std::string>()) -
                      *migration::parse_timestamp(lines[0]["onset_ts"].get<std::string>());
  CHECK(v1_s >= 0.115);  // timestamps have millisecond precision
  CHECK(v1_s < 5.0);

  // The gate reads them as one detection per side.
  migration::GateEvidence e = migration::collect_gate_evidence(f.dir.path(), "202602");
  CHECK(e.mttd_v1_s.size() == 1);
  CHECK(e.mttd_v2_s.size() == 1);
}

TEST_CASE("MTTD: the step is the first word before ': ' of the error message") {
  CHECK(migration::failure_step("run_sql: database 'ops' is missing") == "run_sql");
  CHECK(migration::failure_step("report_orchestrator.py exited 1: boom") ==
        "report_orchestrator.py");
  CHECK(migration::failure_step("planned failure").empty());
  CHECK(migration::failure_step("(what) is this: x").empty());
}
