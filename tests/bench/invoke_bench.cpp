// Invoke overhead of the no-op plugin through the full ABI path: ModuleRegistry::invoke (table
// snapshot, routing) -> PluginInstance::invoke -> the plugin's C on_invoke -> host writers.
// The fixture noop_v2 answers "{}" without reading its input, so what is measured is the kernel.
// BM_InvokeNoopIsolated makes the same call to noop_v2 running in a plugin host process
// (isolation = "process"): the socket round trip to the other process is what it adds.
#include <benchmark/benchmark.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "host/call_frame.hpp"
#include "host/host_api.hpp"
#include "isolation/isolated_hooks.hpp"
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

/// One registry with noop_v2 installed, shared by every thread of every invoke benchmark (one
/// in this process, one in a plugin host process).
class NoopEnv {
 public:
  static NoopEnv& instance(bool isolated = false) {
    // Thread-safe initialisation: the threaded benchmarks share them.
    static NoopEnv in_process(false);
    if (!isolated) return in_process;
    static NoopEnv in_host(true);
    return in_host;
  }
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] const ModuleRegistry& registry() const { return registry_; }

 private:
  explicit NoopEnv(bool isolated) {
    const std::filesystem::path file =
        std::filesystem::path(AGENTSYS_TEST_FIXTURE_DIR) / "good" / "noop_v2.so";
    LoadResult loaded = PluginLibrary::load(file);
    if (!loaded) {
      error_ = file.string() + ": " + loaded.error;
      return;
    }
    error_ = registry_.install(loaded.library, ModuleRegistry::Install::add, "{}",
                               isolated ? isolated_hooks(IsolationSpec{}) : HooksFactory{});
  }

  SilentSink sink_;
  ModuleRegistry registry_{sink_};
  std::string error_;
};

void invoke_noop(benchmark::State& state, bool isolated) {
  NoopEnv& env = NoopEnv::instance(isolated);
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

void BM_InvokeNoop(benchmark::State& state) { invoke_noop(state, false); }

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

// One call at a time through the process boundary (target: <= 20 us median).
void BM_InvokeNoopIsolated(benchmark::State& state) { invoke_noop(state, true); }
BENCHMARK(BM_InvokeNoopIsolated)->Repetitions(10)->ReportAggregatesOnly(true);

// The floor under BM_InvokeNoopIsolated on this machine: one 16-byte message to a forked
// process over a socketpair and its echo back, nothing else (two wake-ups across processes).
void BM_RawSocketRoundTrip(benchmark::State& state) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
    fail(state, "socketpair failed");
    return;
  }
  pid_t child = ::fork();
  if (child == 0) {  // only async-signal-safe calls from here
    ::close(sv[0]);  // so that the parent's close is the end of the stream
    char buf[16];
    while (::read(sv[1], buf, sizeof buf) == static_cast<ssize_t>(sizeof buf)) {
      if (::write(sv[1], buf, sizeof buf) != static_cast<ssize_t>(sizeof buf)) break;
    }
    ::_exit(0);
  }
  ::close(sv[1]);
  char buf[16] = {};
  for (auto _ : state) {
    if (::write(sv[0], buf, sizeof buf) != static_cast<ssize_t>(sizeof buf) ||
        ::read(sv[0], buf, sizeof buf) != static_cast<ssize_t>(sizeof buf)) {
      fail(state, "the echo process went away");
      break;
    }
  }
  ::close(sv[0]);
  ::waitpid(child, nullptr, 0);
}
BENCHMARK(BM_RawSocketRoundTrip)->Repetitions(10)->ReportAggregatesOnly(true);

}  // namespace
}  // namespace agentsys::bench
