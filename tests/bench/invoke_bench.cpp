// Invoke overhead of the no-op plugin through the full ABI path: ModuleRegistry::invoke (table
// snapshot, routing) -> PluginInstance::invoke -> the plugin's C on_invoke -> host writers.
// The fixture noop_v2 answers "{}" without reading its input, so what is measured is the kernel.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "host/call_frame.hpp"
#include "host/host_api.hpp"
#include "plugin/plugin_library.hpp"
#include "registry/module_registry.hpp"
#include "test_paths.h"

namespace agentsys::bench {

void fail(benchmark::State& state, const std::string& message);  // main.cpp

namespace {

constexpr std::string_view kPayload = R"({"id":42,"name":"bench"})";

/// Drops everything plugins report, so logging does not distort the figures.
class SilentSink final : public HostSink {
 public:
  void log(std::string_view, const CallFrame*, as_log_level, std::string_view) override {}
  void metric(std::string_view, const CallFrame*, std::string_view, double,
              std::string_view) override {}
};

/// One registry with noop_v2 installed, shared by every thread of every invoke benchmark.
class NoopEnv {
 public:
  static NoopEnv& instance() {
    static NoopEnv env;  // thread-safe initialisation: the threaded benchmarks share it
    return env;
  }
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] const ModuleRegistry& registry() const { return registry_; }

 private:
  NoopEnv() {
    const std::filesystem::path file =
        std::filesystem::path(AGENTSYS_TEST_FIXTURE_DIR) / "good" / "noop_v2.so";
    LoadResult loaded = PluginLibrary::load(file);
    if (!loaded) {
      error_ = file.string() + ": " + loaded.error;
      return;
    }
    error_ = registry_.install(loaded.library, ModuleRegistry::Install::add);
  }

  SilentSink sink_;
  ModuleRegistry registry_{sink_};
  std::string error_;
};

void BM_InvokeNoop(benchmark::State& state) {
  NoopEnv& env = NoopEnv::instance();
  if (!env.error().empty()) {
    fail(state, "cannot install noop_v2: " + env.error());
    return;
  }
  CallSpec spec;
  spec.module = "noop";
  spec.input_json = kPayload;
  int64_t failed = 0;
  std::string last_error;
  for (auto _ : state) {
    CallFrame frame(spec);
    Invocation result = env.registry().invoke(frame);
    if (result.outcome.status != AS_OK) {
      ++failed;
      last_error = result.outcome.error;
    }
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["failed_calls"] = static_cast<double>(failed);
  if (failed > 0) fail(state, std::to_string(failed) + " calls failed, last: " + last_error);
}

// Median per-call time over 10 repetitions. No MinTime here, so --benchmark_min_time (the
// smoke test's 0.01 s) applies; the default is 0.5 s per repetition.
BENCHMARK(BM_InvokeNoop)->Repetitions(10)->ReportAggregatesOnly(true);

// Same call from 2 and 4 threads on one shared registry and instance. With UseRealTime the
// "Time" column is wall time / total calls (inverse throughput); "CPU" is the per-call CPU time
// of one thread.
void BM_InvokeNoopThreads(benchmark::State& state) { BM_InvokeNoop(state); }
BENCHMARK(BM_InvokeNoopThreads)
    ->Threads(2)
    ->Threads(4)
    ->UseRealTime()
    ->Repetitions(10)
    ->ReportAggregatesOnly(true);

}  // namespace
}  // namespace agentsys::bench
