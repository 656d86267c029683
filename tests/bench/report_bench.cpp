// The V2 report orchestrator end to end on one month of 100,000 sample runs: host run_sql (the
// policy's SQL parse, SQLite on a read-only connection), the response JSON (written by the host,
// read by the plugin with simdjson into compact rows), the transform (grouping, nearest-rank
// percentiles), the renderers and host write_file (policy, fsync, rename) of the CSV, Markdown
// and JSON outputs, through the real plugin ABI and the runner.
// One iteration = one ops_monthly run for 202602 (publish off). BM_ReportOpsMonthly100kLegacyV1
// runs the legacy V1 script on the same database in the same process run, for the ratio.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "config/toml_to_json.hpp"
#include "host/host_api.hpp"
#include "host/host_services.hpp"
#include "plugin/plugin_library.hpp"
#include "policy/policy_gate.hpp"
#include "process/subprocess.hpp"
#include "registry/module_registry.hpp"
#include "runner/runner.hpp"
#include "sample_data/sample_data.hpp"
#include "store/run_store.hpp"
#include "test_paths.h"

namespace agentsys::bench {

void fail(benchmark::State& state, const std::string& message);  // main.cpp

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

/// Host services decided by the shipped base policy (as tests/unit's PolicedSink).
class ServicesSink final : public HostSink {
 public:
  void log(std::string_view, const CallFrame*, as_log_level, std::string_view) override {}
  void metric(std::string_view, const CallFrame*, std::string_view, double,
              std::string_view) override {}
  HostServices* services() override { return services_.get(); }
  std::unique_ptr<PolicyGate> gate;
  std::unique_ptr<HostServices> services_;
};

class ReportEnv {
 public:
  static ReportEnv& instance() {
    static ReportEnv env;
    return env;
  }
  ~ReportEnv() {
    runner_.reset();
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  [[nodiscard]] const std::string& error() const { return error_; }
  Runner& runner() { return *runner_; }
  [[nodiscard]] const fs::path& dir() const { return dir_; }

 private:
  ReportEnv() {
    try {
      setup();
    } catch (const std::exception& e) {
      error_ = e.what();
    }
  }

  void setup() {
    std::string tmpl = (fs::temp_directory_path() / "agentsys-bench-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = fs::canonical(tmpl);
    const fs::path db = dir_ / "ops.db";
    sample::SampleOptions options;
    options.db = db;
    options.months = 1;  // 202602 only
    options.rows_per_month = 100'000;
    sample::generate(options);

    const fs::path src = AGENTSYS_TEST_SOURCE_DIR;
    auto definition = config::parse_toml_file(src / "config/reports/ops_monthly.toml", "ops");
    if (!definition.ok) throw std::runtime_error(definition.error.message);
    json cfg{{"reports", {{"ops_monthly", definition.document}}},
             {"databases", {{"ops", db.string()}}},
             {"database", "ops"}};
    LoadResult lib =
        PluginLibrary::load(fs::path(AGENTSYS_TEST_PLUGIN_DIR) / "report_orchestrator_v2.so");
    if (!lib) throw std::runtime_error(lib.error);
    if (std::string e = registry_.install(lib.library, ModuleRegistry::Install::add, cfg.dump());
        !e.empty()) {
      throw std::runtime_error(e);
    }
    LoadResult policy = PluginLibrary::load(fs::path(AGENTSYS_TEST_PLUGIN_DIR) / "policy.so");
    if (!policy) throw std::runtime_error(policy.error);
    if (std::string e = registry_.install(policy.library, ModuleRegistry::Install::add);
        !e.empty()) {
      throw std::runtime_error(e);
    }
    auto base = config::parse_toml_file(src / "config/policy/base.toml", "base.toml");
    if (!base.ok) throw std::runtime_error(base.error.message);
    HostEnvironment env;
    env.state_dir = dir_;
    env.output_dir = dir_ / "output";
    env.databases["ops"] = db;
    json policy_config{
        {"env", "bench"},
        {"vars",
         {{"state_dir", dir_.string()},
          {"output_dir", env.output_dir.string()},
          {"config_dir", (src / "config").string()},
          {"repo_root", src.string()}}},
        {"layers", {{{"name", "base"}, {"source", "base.toml"}, {"document", base.document}}}}};
    sink_.gate = std::make_unique<PolicyGate>(registry_, nullptr, policy_config);
    sink_.services_ = std::make_unique<HostServices>(*sink_.gate, env);
    RunnerOptions o;
    o.workers = 1;
    o.default_retry.maximum_attempts = 1;
    runner_ = std::make_unique<Runner>(registry_, nullptr, nullptr, o);
  }

  fs::path dir_;
  ServicesSink sink_;
  ModuleRegistry registry_{sink_};
  std::unique_ptr<Runner> runner_;
  std::string error_;
};

void BM_ReportOpsMonthly100k(benchmark::State& state) {
  ReportEnv& env = ReportEnv::instance();
  if (!env.error().empty()) {
    fail(state, env.error());
    return;
  }
  TaskSpec spec;
  spec.module = "report_orchestrator";
  spec.action = "run";
  spec.input_json = R"({"report":"ops_monthly","target_month":"202602","publish":false})";
  for (auto _ : state) {
    RunResult r = env.runner().run(spec);
    if (!r.ok()) {
      fail(state, r.message);
      return;
    }
    benchmark::DoNotOptimize(r.output_json.data());
  }
  state.counters["rows"] = 100'000;
  state.counters["rows_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * 100'000, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ReportOpsMonthly100k)->Unit(benchmark::kMillisecond)->UseRealTime();

/// The same report on the same database by the legacy V1 script (python3, as the V1 wrapper runs
/// it), so that V2 and V1 are measured in one run. Wall time: the work is in the child.
void BM_ReportOpsMonthly100kLegacyV1(benchmark::State& state) {
  ReportEnv& env = ReportEnv::instance();
  if (!env.error().empty()) {
    fail(state, env.error());
    return;
  }
  const fs::path src = AGENTSYS_TEST_SOURCE_DIR;
  SubprocessSpec spec;
  spec.argv = {"python3",        (src / "examples/legacy/scripts/report_orchestrator.py").string(),
               "--report",       "ops_monthly",
               "--target-month", "202602",
               "--db",           (env.dir() / "ops.db").string(),
               "--out-dir",      (env.dir() / "v1").string(),
               "--config-dir",   (src / "config").string()};
  spec.env = {{"PATH", "/usr/local/bin:/usr/bin:/bin"},
              {"LANG", "C.UTF-8"},
              {"PYTHONDONTWRITEBYTECODE", "1"}};
  for (auto _ : state) {
    SubprocessResult r = run_subprocess(spec);
    if (r.exit_code != 0) {
      fail(state,
           "report_orchestrator.py exited " + std::to_string(r.exit_code) + ": " + r.stderr_data);
      return;
    }
  }
  state.counters["rows"] = 100'000;
  state.counters["rows_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * 100'000, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ReportOpsMonthly100kLegacyV1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace agentsys::bench
