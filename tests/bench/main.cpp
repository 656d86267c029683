// Entry point of agentsys_bench: Google Benchmark's main, plus a non-zero exit status when a
// benchmark reported an error (so CI notices a failed call during a hot swap) or when the
// filter matched no benchmark.
#include <benchmark/benchmark.h>

#include <atomic>
#include <string>

namespace agentsys::bench {

namespace {
std::atomic<bool> g_failed{false};
}  // namespace

/// Declared in each benchmark file: marks the run as failed and skips the benchmark.
void fail(benchmark::State& state, const std::string& message) {
  g_failed.store(true);
  state.SkipWithError(message.c_str());
}

}  // namespace agentsys::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  const size_t ran = benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return ran == 0 || agentsys::bench::g_failed.load() ? 1 : 0;
}
