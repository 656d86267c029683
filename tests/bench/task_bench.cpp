// Task throughput through the whole path: policy pre-check hook, runner (queue, workers,
// deadline timer), durable store (group commit, fsync per commit), telemetry (JSON-lines log
// and metrics through the real telemetry plugin). And the same without the durable store, and
// memory over 1,000,000 tasks.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "kernel.hpp"
#include "test_paths.h"

namespace agentsys::bench {
void fail(benchmark::State& state, const std::string& message);
}  // namespace agentsys::bench

namespace {

namespace fs = std::filesystem;
using agentsys::Durability;
using agentsys::Kernel;
using agentsys::KernelOptions;
using agentsys::TaskSpec;

constexpr size_t kBatch = 2000;

long rss_kb() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

struct BenchKernel {
  fs::path dir;
  std::unique_ptr<Kernel> kernel;

  explicit BenchKernel(bool durable) {
    std::string tmpl = (fs::temp_directory_path() / "agentsys-bench-XXXXXX").string();
    dir = ::mkdtemp(tmpl.data());
    KernelOptions o;
    o.plugin_dirs = {AGENTSYS_TEST_PLUGIN_DIR, fs::path(AGENTSYS_TEST_FIXTURE_DIR) / "good"};
    o.state_dir = dir / "var";
    o.durability = Durability::full;
    o.runner.workers = 2;
    // The policy hook every task passes through (the policy plugin plugs in here).
    o.runner.precheck =
        [](const TaskSpec& t) -> std::optional<std::pair<agentsys::ErrorCode, std::string>> {
      if (t.module.empty()) return std::make_pair(agentsys::ErrorCode::policy_denied, "no module");
      return std::nullopt;
    };
    o.durable_runs = durable;
    kernel = std::make_unique<Kernel>(o);
  }
  ~BenchKernel() {
    kernel.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  /// Runs `n` no-op tasks in batches; returns false (after failing the state) on any failure.
  bool run(benchmark::State& state, size_t n) {
    agentsys::Runner& runner = kernel->runner();
    for (size_t done = 0; done < n; done += kBatch) {
      std::vector<TaskSpec> specs(std::min(kBatch, n - done));
      for (TaskSpec& t : specs) {
        t.module = "noop";
        t.input_json = R"({"id":42})";
      }
      auto subs = runner.submit_batch(std::move(specs));
      for (auto& s : subs) {
        const agentsys::RunResult& r = s.result.get();
        if (!r.ok()) {
          agentsys::bench::fail(state, "task failed: " + r.message);
          return false;
        }
      }
    }
    return true;
  }
};

void BM_TasksDurable(benchmark::State& state) {
  BenchKernel k(true);
  for (auto _ : state) {
    if (!k.run(state, kBatch * 5)) return;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBatch * 5));
}
BENCHMARK(BM_TasksDurable)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

void BM_TasksWithoutStore(benchmark::State& state) {
  BenchKernel k(false);
  for (auto _ : state) {
    if (!k.run(state, kBatch * 10)) return;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBatch * 10));
}
BENCHMARK(BM_TasksWithoutStore)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

/// 1,000,000 tasks: resident memory after the first 100,000 and at the end must not grow.
void BM_TasksMemoryFlat(benchmark::State& state) {
  const size_t total = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    BenchKernel k(false);
    if (!k.run(state, total / 10)) return;
    long warm = rss_kb();
    if (!k.run(state, total - total / 10)) return;
    long end = rss_kb();
    state.counters["rss_warm_kb"] = static_cast<double>(warm);
    state.counters["rss_end_kb"] = static_cast<double>(end);
    state.counters["rss_growth_kb"] = static_cast<double>(end - warm);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_TasksMemoryFlat)
    ->Arg(1000000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
