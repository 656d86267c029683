// Hot swap latency under load. Four background threads invoke module "demo" continuously
// while each benchmark iteration performs one hot swap:
//
//   BM_SwapLatency/mode_switch     set_mode(demo, v1 <-> v2)
//   BM_SwapLatency/plugin_reload   install(PluginLibrary::load(demo_v2.so), Install::replace),
//                                  alternating the bundled build (2.0.0) and the rebuilt fixture
//                                  (2.0.1-rebuilt); includes the private file copy and dlopen
//
// The iteration time (manual) runs from the swap request until a call issued after the request
// is served by the new binding, recognised by the result JSON ("impl" for a mode switch,
// "version" for a reload). "Time" is the mean of those; the counters say more:
//
//   p50_us p99_us max_us     that latency's distribution; over_5ms swaps missed the target
//   swap_p50_us swap_p99_us  the swap call alone (set_mode, or load + install)
//   load_p50_us              PluginLibrary::load alone (file copy + dlopen + validation)
//   bg_seen_p50/p99_us       request -> the first background caller served by the new binding
//   bg_unobserved            swaps no background caller saw within 100 ms
//   bg_calls                 background calls made; bg_stalls_1ms of them took over 1 ms and
//                            the slowest took bg_max_call_us (scheduling, with 5 busy threads)
//   stale_reads              calls issued after the swap returned but served by the old
//                            binding (must be 0: the swap is atomic)
//   failed_calls             calls whose status was not AS_OK (must be 0: fails the benchmark)
//   v2_copies_mapped         private copies of demo_v2 still mapped after the run: 1 is the
//                            current build; more means replaced builds stayed mapped (the
//                            first copy of a C++ plugin with STB_GNU_UNIQUE symbols is pinned
//                            by glibc, so 2 is expected for demo_v2)
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "host/call_frame.hpp"
#include "host/host_api.hpp"
#include "plugin/plugin_library.hpp"
#include "registry/module_registry.hpp"
#include "test_paths.h"

namespace agentsys::bench {

void fail(benchmark::State& state, const std::string& message);  // main.cpp

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kPayload = R"({"id":42,"name":"bench"})";
constexpr int kBackgroundThreads = 4;
constexpr auto kObserveTimeout = std::chrono::milliseconds(100);

enum class SwapKind { mode_switch, plugin_reload };

/// Drops everything plugins report, so logging does not distort the figures.
class SilentSink final : public HostSink {
 public:
  void log(std::string_view, const CallFrame*, as_log_level, std::string_view) override {}
  void metric(std::string_view, const CallFrame*, std::string_view, double,
              std::string_view) override {}
};

fs::path bundled_plugin(std::string_view name) {
  return fs::path(AGENTSYS_TEST_PLUGIN_DIR) / (std::string(name) + ".so");
}
fs::path rebuilt_demo_v2() { return fs::path(AGENTSYS_TEST_FIXTURE_DIR) / "rebuilt/demo_v2.so"; }

double micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

/// The p-th percentile (0 < p <= 1, nearest rank) of `values`; 0 when empty.
double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  auto rank = static_cast<size_t>(std::ceil(p * static_cast<double>(values.size())));
  return values[std::clamp<size_t>(rank, 1, values.size()) - 1];
}

/// Private copies of demo_v2 still mapped into this process (one per live library).
double mapped_demo_v2_copies() {
  std::ifstream maps("/proc/self/maps");
  std::set<std::string> files;
  for (std::string line; std::getline(maps, line);) {
    if (line.find("agentsys-plugins") != std::string::npos &&
        line.find("/demo_v2.") != std::string::npos) {
      files.insert(line.substr(line.find('/')));
    }
  }
  return static_cast<double>(files.size());
}

/// Background callers of module "demo". Counts failed calls and records when the first of
/// them observes the binding that the current swap (its epoch) installs.
class LoadGenerator {
 public:
  /// markers[e % 2] is the text in the result JSON that identifies the target of swap `e`.
  LoadGenerator(const ModuleRegistry& registry, std::array<std::string_view, 2> markers)
      : registry_(registry), markers_(markers) {
    for (int i = 0; i < kBackgroundThreads; ++i) threads_.emplace_back([this] { run(); });
  }
  ~LoadGenerator() { stop(); }
  LoadGenerator(const LoadGenerator&) = delete;
  LoadGenerator& operator=(const LoadGenerator&) = delete;

  void stop() {
    stop_.store(true);
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

  /// Announces swap `epoch`; call right before the swap request.
  void arm(uint64_t epoch) { epoch_.store(epoch, std::memory_order_release); }

  /// Waits until a background caller observed the target of `epoch`; the time it did, if so.
  std::optional<Clock::time_point> wait_observed(uint64_t epoch) {
    const Clock::time_point give_up = Clock::now() + kObserveTimeout;
    while (seen_epoch_.load(std::memory_order_acquire) != epoch) {
      if (Clock::now() > give_up) return std::nullopt;
      std::this_thread::yield();
    }
    std::lock_guard lock(mutex_);
    return seen_at_;
  }

  [[nodiscard]] int64_t calls() const { return calls_.load(); }
  [[nodiscard]] int64_t failed() const { return failed_.load(); }
  /// Calls slower than 1 ms, and the slowest call (after stop()).
  [[nodiscard]] int64_t stalls() const { return stalls_.load(); }
  Clock::duration max_call() {
    std::lock_guard lock(mutex_);
    return max_call_;
  }
  std::string first_error() {
    std::lock_guard lock(mutex_);
    return first_error_;
  }

 private:
  void run() {
    CallSpec spec;
    spec.module = "demo";
    spec.input_json = kPayload;
    int64_t calls = 0;
    int64_t failed = 0;
    int64_t stalls = 0;
    Clock::duration max_call{};
    while (!stop_.load(std::memory_order_relaxed)) {
      // Read the epoch before the call: the table the call then sees is at least as new as the
      // previous swap's, so a result carrying this epoch's marker comes from this epoch's swap.
      const uint64_t epoch = epoch_.load(std::memory_order_acquire);
      CallFrame frame(spec);
      const Clock::time_point start = Clock::now();
      Invocation result = registry_.invoke(frame);
      const Clock::duration took = Clock::now() - start;
      if (took > std::chrono::milliseconds(1)) ++stalls;
      max_call = std::max(max_call, took);
      ++calls;
      if (result.outcome.status != AS_OK) {
        ++failed;
        std::lock_guard lock(mutex_);
        if (first_error_.empty()) {
          first_error_ =
              "status " + std::to_string(result.outcome.status) + ": " + result.outcome.error;
        }
        continue;
      }
      if (epoch != 0 && seen_epoch_.load(std::memory_order_relaxed) != epoch &&
          result.outcome.output.find(markers_[epoch % 2]) != std::string::npos) {
        const Clock::time_point now = Clock::now();
        std::lock_guard lock(mutex_);
        if (seen_epoch_.load(std::memory_order_relaxed) != epoch) {
          seen_at_ = now;
          seen_epoch_.store(epoch, std::memory_order_release);
        }
      }
    }
    calls_.fetch_add(calls);
    stalls_.fetch_add(stalls);
    {
      std::lock_guard lock(mutex_);
      max_call_ = std::max(max_call_, max_call);
    }
    failed_.fetch_add(failed);
  }

  const ModuleRegistry& registry_;
  const std::array<std::string_view, 2> markers_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> epoch_{0};
  std::atomic<uint64_t> seen_epoch_{0};
  std::mutex mutex_;
  Clock::time_point seen_at_;  // guarded by mutex_
  std::string first_error_;    // guarded by mutex_
  std::atomic<int64_t> calls_{0};
  std::atomic<int64_t> failed_{0};
  std::atomic<int64_t> stalls_{0};
  Clock::duration max_call_{};  // guarded by mutex_
};

void BM_SwapLatency(benchmark::State& state, SwapKind kind) {
  SilentSink sink;
  ModuleRegistry registry(sink);
  for (const fs::path& file : {bundled_plugin("demo_v1"), bundled_plugin("demo_v2")}) {
    LoadResult loaded = PluginLibrary::load(file);
    std::string error =
        loaded ? registry.install(loaded.library, ModuleRegistry::Install::add) : loaded.error;
    if (!error.empty()) {
      fail(state, file.string() + ": " + error);
      return;
    }
  }
  const fs::path v2_files[2] = {bundled_plugin("demo_v2"), rebuilt_demo_v2()};
  // Swap e (counted from 1) installs target e % 2: mode v1/v2, or the bundled/rebuilt build.
  // The starting point is therefore target 0: mode v1, or mode v2 on the bundled build.
  std::array<std::string_view, 2> markers;
  if (kind == SwapKind::mode_switch) {
    markers = {R"("impl":"v1")", R"("impl":"v2")"};
    if (std::string error = registry.set_mode("demo", ModuleMode::v1); !error.empty()) {
      fail(state, error);
      return;
    }
  } else {
    markers = {R"("version":"2.0.0")", R"("version":"2.0.1-rebuilt")"};
    if (std::string error = registry.set_mode("demo", ModuleMode::v2); !error.empty()) {
      fail(state, error);
      return;
    }
  }

  LoadGenerator load(registry, markers);
  CallSpec spec;
  spec.module = "demo";
  spec.input_json = kPayload;
  std::vector<double> total_us;
  std::vector<double> swap_us;
  std::vector<double> load_us;
  std::vector<double> background_us;
  int64_t own_failed = 0;
  int64_t stale_reads = 0;  // calls after the swap returned that still saw the old binding
  int64_t unobserved = 0;   // swaps no background caller saw within kObserveTimeout
  std::string error;
  std::string own_error;  // the first failed call of this thread
  uint64_t epoch = 0;

  // Let the background callers get going before the first swap.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  for (auto _ : state) {
    ++epoch;
    const int target = static_cast<int>(epoch % 2);
    load.arm(epoch);
    const Clock::time_point t0 = Clock::now();
    if (kind == SwapKind::mode_switch) {
      error = registry.set_mode("demo", target == 0 ? ModuleMode::v1 : ModuleMode::v2);
    } else {
      LoadResult loaded = PluginLibrary::load(v2_files[target]);
      load_us.push_back(micros(Clock::now() - t0));
      error = loaded ? registry.install(std::move(loaded.library), ModuleRegistry::Install::replace)
                     : v2_files[target].string() + ": " + loaded.error;
    }
    const Clock::time_point swapped = Clock::now();
    if (!error.empty()) {
      fail(state, "swap " + std::to_string(epoch) + " failed: " + error);
      break;  // allowed after SkipWithError
    }
    // A new call, issued after the request: it must be served by the new binding.
    bool served = false;
    while (!served && Clock::now() - swapped < kObserveTimeout) {
      CallFrame frame(spec);
      Invocation result = registry.invoke(frame);
      if (result.outcome.status != AS_OK) {
        ++own_failed;
        if (own_error.empty()) {
          own_error =
              "status " + std::to_string(result.outcome.status) + ": " + result.outcome.error;
        }
      } else if (result.outcome.output.find(markers[target]) != std::string::npos) {
        served = true;
      } else {
        ++stale_reads;
      }
    }
    const Clock::time_point done = Clock::now();
    if (!served) {
      fail(state, "swap " + std::to_string(epoch) +
                      ": the new binding served no call within 100 ms" +
                      (own_error.empty() ? std::string{} : ", last failure: " + own_error));
      break;
    }
    state.SetIterationTime(std::chrono::duration<double>(done - t0).count());
    total_us.push_back(micros(done - t0));
    swap_us.push_back(micros(swapped - t0));

    if (std::optional<Clock::time_point> seen = load.wait_observed(epoch)) {
      background_us.push_back(micros(*seen - t0));
    } else {
      ++unobserved;
    }
  }
  load.stop();

  const int64_t failed = own_failed + load.failed();
  state.counters["p50_us"] = percentile(total_us, 0.50);
  state.counters["p99_us"] = percentile(total_us, 0.99);
  state.counters["max_us"] = percentile(total_us, 1.0);
  state.counters["over_5ms"] = static_cast<double>(
      std::count_if(total_us.begin(), total_us.end(), [](double us) { return us > 5000; }));
  state.counters["swap_p50_us"] = percentile(swap_us, 0.50);
  state.counters["swap_p99_us"] = percentile(swap_us, 0.99);
  state.counters["bg_stalls_1ms"] = static_cast<double>(load.stalls());
  state.counters["bg_max_call_us"] = micros(load.max_call());
  if (kind == SwapKind::plugin_reload) {
    state.counters["load_p50_us"] = percentile(load_us, 0.50);
    state.counters["v2_copies_mapped"] = mapped_demo_v2_copies();
  }
  state.counters["bg_seen_p50_us"] = percentile(background_us, 0.50);
  state.counters["bg_seen_p99_us"] = percentile(background_us, 0.99);
  state.counters["bg_unobserved"] = static_cast<double>(unobserved);
  state.counters["bg_calls"] = static_cast<double>(load.calls());
  state.counters["stale_reads"] = static_cast<double>(stale_reads);
  state.counters["failed_calls"] = static_cast<double>(failed);

  if (state.error_occurred()) return;
  if (failed > 0) {
    std::string first = own_error.empty() ? load.first_error() : own_error;
    fail(state, std::to_string(failed) + " calls failed during hot swaps" +
                    (first.empty() ? std::string{} : ", first: " + first));
  } else if (stale_reads > 0) {
    fail(state, std::to_string(stale_reads) +
                    " calls issued after a swap returned were served by the old binding");
  }
}

BENCHMARK_CAPTURE(BM_SwapLatency, mode_switch, SwapKind::mode_switch)
    ->Iterations(2000)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_SwapLatency, plugin_reload, SwapKind::plugin_reload)
    ->Iterations(300)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace agentsys::bench
