// The V1/V2 comparison engine (kernel/src/migration/) on two outputs of 1,000,000 rows, on one
// thread. Rows like ops_monthly's key fields: a string key, an integer, two floats V1 writes at
// full precision and V2 rounds to 4 decimals, two latency percentiles (V1 interpolates, V2 takes
// the nearest rank: 10% of the p95 values differ, within the documented 1%), V1's extra
// generated_at column; V2's rows in another order. The shipped report_orchestrator rules.
//   BM_CompareKeyFields1M          the comparison of two loaded tables (items/s = rows/s)
//                                  target: >= 2,000,000 rows/s on one core
//   BM_LoadKeyFields1M/text        load cost: one output's JSON text -> table (simdjson)
//   BM_LoadKeyFields1M/json        load cost: an nlohmann::json already parsed -> table
//   BM_ParseNlohmann1M             for scale: nlohmann::json::parse of the same text
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "config/config_loader.hpp"
#include "migration/comparator.hpp"
#include "migration/compare_checks.hpp"
#include "test_paths.h"

namespace agentsys::bench {

void fail(benchmark::State& state, const std::string& message);  // main.cpp

namespace {

using nlohmann::json;
using namespace agentsys::migration;

constexpr size_t kRows = 1'000'000;

struct Outputs {
  std::string v1_text;
  std::string v2_text;
  std::shared_ptr<const KeyTable> v1;
  std::shared_ptr<const KeyTable> v2;
  CompareRules rules;
  std::string error;
};

double round4(double x) { return std::round(x * 10000.0) / 10000.0; }

const Outputs& outputs() {
  static const Outputs o = [] {
    Outputs out;
    std::mt19937_64 rng(42);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const json fields = {"runs", "success_rate", "p50_latency_ms", "p95_latency_ms",
                         "total_cost_usd"};
    json v1_rows = json::array();
    json v2_rows = json::array();
    for (size_t i = 0; i < kRows; ++i) {
      const std::string key = "module_" + std::to_string(i);
      const int64_t runs = 1000 + static_cast<int64_t>(unit(rng) * 100000);
      const double rate = unit(rng);
      const int64_t p50 = 100 + static_cast<int64_t>(unit(rng) * 5000);
      const int64_t p95 = p50 * 3;
      const double cost = unit(rng) * 10000;
      const bool interpolated = i % 10 == 0;
      v1_rows.push_back({{"module", key},
                         {"runs", runs},
                         {"success_rate", rate},
                         {"p50_latency_ms", static_cast<double>(p50)},
                         {"p95_latency_ms", interpolated ? p95 - 0.2 : static_cast<double>(p95)},
                         {"total_cost_usd", cost},
                         {"generated_at", "2026-03-01T06:00:03+00:00"}});
      v2_rows.push_back({{"module", key},
                         {"runs", runs},
                         {"success_rate", round4(rate)},
                         {"p50_latency_ms", p50},
                         {"p95_latency_ms", p95},
                         {"total_cost_usd", round4(cost)}});
    }
    std::shuffle(v2_rows.begin(), v2_rows.end(), rng);
    json v1 = {
        {"key_fields", {{"key", {"module"}}, {"fields", fields}, {"rows", std::move(v1_rows)}}}};
    json v2 = {
        {"key_fields", {{"key", {"module"}}, {"fields", fields}, {"rows", std::move(v2_rows)}}}};
    out.v1_text = v1.dump();
    out.v2_text = v2.dump();
    out.v1 = load_table_text(out.v1_text);
    out.v2 = load_table_text(out.v2_text);
    try {
      config::EffectiveConfig cfg = config::load_config(
          {"dev", std::string(AGENTSYS_TEST_SOURCE_DIR) + "/config", {}, std::nullopt});
      std::vector<config::Problem> problems;
      out.rules = migration::compare_rules_of(cfg, problems).at("report_orchestrator");
    } catch (const std::exception& e) {
      out.error = e.what();
    }
    return out;
  }();
  return o;
}

void BM_CompareKeyFields1M(benchmark::State& state) {
  const Outputs& o = outputs();
  if (!o.error.empty()) return fail(state, o.error);
  uint64_t documented = 0;
  for (auto _ : state) {
    Comparison c = compare(o.v1, o.v2, o.rules);
    if (c.rows_compared != kRows || c.by_grade[0] != 0) {
      return fail(state, "unexpected comparison: " + c.summary_json().dump());
    }
    documented = c.documented;
    benchmark::DoNotOptimize(c.consistency);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kRows));
  state.counters["fields_per_row"] = 5;
  state.counters["documented"] = static_cast<double>(documented);
}
BENCHMARK(BM_CompareKeyFields1M)->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();

void BM_LoadKeyFields1M(benchmark::State& state, bool text) {
  const Outputs& o = outputs();
  json parsed;
  if (!text) parsed = json::parse(o.v1_text);
  for (auto _ : state) {
    auto t = text ? load_table_text(o.v1_text) : load_table(parsed);
    if (t->rows() != kRows) return fail(state, "wrong row count");
    benchmark::DoNotOptimize(t);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kRows));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * o.v1_text.size()));
  state.SetLabel(text ? "text (simdjson)" : "nlohmann::json (parsed beforehand)");
}
BENCHMARK_CAPTURE(BM_LoadKeyFields1M, text, true)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_LoadKeyFields1M, json, false)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0)
    ->UseRealTime();

void BM_ParseNlohmann1M(benchmark::State& state) {
  const Outputs& o = outputs();
  for (auto _ : state) {
    json j = json::parse(o.v1_text);
    benchmark::DoNotOptimize(j);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kRows));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * o.v1_text.size()));
}
BENCHMARK(BM_ParseNlohmann1M)->Unit(benchmark::kMillisecond)->MinTime(1.0)->UseRealTime();

}  // namespace
}  // namespace agentsys::bench
