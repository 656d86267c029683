#pragma once
// What the report plugin tests share (report_plugins_test, report_remediation_test): the shipped
// report definitions and runbook, a tiny operations database whose figures are computed by hand,
// and host services decided by the shipped policy layers.
#include <doctest/doctest.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "config/toml_to_json.hpp"
#include "host/host_api.hpp"
#include "host/host_services.hpp"
#include "plugin/plugin_library.hpp"
#include "policy/policy_gate.hpp"
#include "registry/module_registry.hpp"
#include "runner/runner.hpp"
#include "store/sqlite.hpp"
#include "test_support.hpp"

namespace agentsys::test {

inline nlohmann::json shipped_reports() {
  nlohmann::json reports = nlohmann::json::object();
  for (const char* name : {"ops_monthly", "skill_usage", "tenant_cost"}) {
    auto parsed = config::parse_toml_file(
        kSourceDir / "config/reports" / (std::string(name) + ".toml"), name);
    REQUIRE_MESSAGE(parsed.ok, parsed.error.message);
    reports[name] = parsed.document;
  }
  return reports;
}

inline std::string slurp(const std::filesystem::path& file) {
  std::ifstream in(file);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// A month of runs (202602) with neighbours on both sides, small enough to compute by hand.
inline void write_ops_db(const std::filesystem::path& db) {
  sqlite::Database ops(db, true);
  ops.exec(R"(
    CREATE TABLE tenants (tenant_id TEXT PRIMARY KEY, name TEXT NOT NULL, tier TEXT NOT NULL);
    CREATE TABLE task_runs (run_id TEXT PRIMARY KEY, started_at TEXT NOT NULL,
      tenant_id TEXT NOT NULL, module TEXT NOT NULL, status TEXT NOT NULL,
      latency_ms INTEGER NOT NULL, cost_usd REAL NOT NULL, error_code TEXT);
    CREATE TABLE skill_runs (run_id TEXT PRIMARY KEY, skill TEXT NOT NULL, tokens_in INTEGER,
      tokens_out INTEGER);
    INSERT INTO tenants VALUES ('t1','Acme','enterprise'), ('t2','Beta, Inc.','business'),
                               ('t3','Gamma','starter');
    INSERT INTO task_runs VALUES
      ('r00','2026-01-31T23:59:59.999Z','t1','skill_router','succeeded',999,1.0,NULL),
      ('r0j','2026-01-10T10:00:00.000Z','t3','skill_router','failed',5,0.5,'llm_rate_limited'),
      ('r01','2026-02-01T00:00:00.000Z','t1','mcp_connector','succeeded',300,0.5,NULL),
      ('r02','2026-02-03T10:00:00.000Z','t1','mcp_connector','failed',100,0.25,'tool_error'),
      ('r03','2026-02-10T10:00:00.000Z','t2','mcp_connector','succeeded',200,0.25,NULL),
      ('r04','2026-02-15T10:00:00.000Z','t2','mcp_connector','succeeded',400,1.0,NULL),
      ('r05','2026-02-28T23:59:59.999Z','t1','mcp_connector','timed_out',500,0.0,'timeout'),
      ('r06','2026-02-05T08:00:00.000Z','t1','skill_router','succeeded',10,0.125,NULL),
      ('r07','2026-02-06T08:00:00.000Z','t1','skill_router','succeeded',20,0.125,NULL),
      ('r08','2026-03-01T00:00:00.000Z','t1','mcp_connector','succeeded',7777,9.0,NULL);
    INSERT INTO skill_runs VALUES ('r00','summarize',10,5), ('r0j','summarize',10,NULL),
      ('r06','summarize',10,100), ('r07','translate',10,NULL);
  )");
}

/// Host services decided by the shipped base policy plus an environment layer
/// (config/policy/ENV.toml), as a configured kernel's are.
class LayeredSink final : public HostSink {
 public:
  void log(std::string_view, const CallFrame*, as_log_level, std::string_view) override {}
  void metric(std::string_view, const CallFrame*, std::string_view, double,
              std::string_view) override {}
  HostServices* services() override { return services_.get(); }

  void enable(ModuleRegistry& registry, const std::filesystem::path& state_dir, RunStore* log,
              HostEnvironment env, const std::string& layer) {
    LoadResult policy = PluginLibrary::load(bundled("policy"));
    REQUIRE_MESSAGE(policy, policy.error);
    REQUIRE(registry.install(policy.library, ModuleRegistry::Install::add).empty());
    nlohmann::json layers = nlohmann::json::array();
    for (const std::string& name : {std::string("base"), layer}) {
      auto doc = config::parse_toml_file(kSourceDir / "config/policy" / (name + ".toml"), name);
      REQUIRE_MESSAGE(doc.ok, doc.error.message);
      layers.push_back({{"name", name}, {"source", name + ".toml"}, {"document", doc.document}});
    }
    env.state_dir = std::filesystem::canonical(state_dir);
    env.output_dir = env.state_dir / "output";
    nlohmann::json config{{"env", layer},
                          {"vars",
                           {{"state_dir", env.state_dir.string()},
                            {"output_dir", env.output_dir.string()},
                            {"config_dir", (kSourceDir / "config").string()},
                            {"repo_root", kSourceDir.string()}}},
                          {"layers", layers}};
    gate_ = std::make_unique<PolicyGate>(registry, log, config);
    services_ = std::make_unique<HostServices>(*gate_, std::move(env));
  }

 private:
  std::unique_ptr<PolicyGate> gate_;
  std::unique_ptr<HostServices> services_;
};

/// A file of config/ converted to JSON (a runbook, a report definition).
inline nlohmann::json repo_toml(const std::string& relative, const std::string& name) {
  auto parsed = config::parse_toml_file(kSourceDir / "config" / relative, name);
  REQUIRE_MESSAGE(parsed.ok, parsed.error.message);
  return parsed.document;
}

}  // namespace agentsys::test
