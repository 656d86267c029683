// report_remediation_runner_v1: the V1 wrapper of module report_remediation_runner. It runs
// the legacy report_remediation_runner.py, which re-runs the failed jobs of the V1 ledger.
//
// Action "run": {"report": NAME, "target_month": "YYYYMM", "max_attempts": "3"} (all optional)
//   -> {"impl": "v1", "remediated", "still_failed", "exhausted", "status", "key_fields"}
// key_fields has one row per failed job the script handled, {report, target_month, outcome}
// with outcome remediated | failed | exhausted, as the V2 plugin reports its own: what a shadow
// run compares.
#include <agentsys/plugin.hpp>

#include "checks/reports_config.hpp"

#include <nlohmann/json.hpp>

#include "legacy_command.hpp"

namespace agentsys::reports::v1 {
namespace {

using json = nlohmann::json;

/// The ledger's job ids are "REPORT/YYYYMM".
json key_row(const json& job_id, const char* outcome) {
  const std::string id = job_id.is_string() ? job_id.get<std::string>() : "";
  const size_t slash = id.rfind('/');
  return {{"report", slash == std::string::npos ? id : id.substr(0, slash)},
          {"target_month", slash == std::string::npos ? "" : id.substr(slash + 1)},
          {"outcome", outcome}};
}

json key_fields(const json& summary) {
  json rows = json::array();
  for (const json& id : summary.value("remediated", json::array())) {
    rows.push_back(key_row(id, "remediated"));
  }
  for (const json& failed : summary.value("still_failed", json::array())) {
    rows.push_back(key_row(failed.value("job_id", json()), "failed"));
  }
  for (const json& id : summary.value("exhausted", json::array())) {
    rows.push_back(key_row(id, "exhausted"));
  }
  return {{"key", {"report", "target_month"}}, {"fields", {"outcome"}}, {"rows", rows}};
}

class ReportRemediationRunnerV1 {
 public:
  /// Preflight's checks of config/reports/ and config/runbook/ (shared by the domain's plugins).
  static std::string validate_config(agentsys::Host /*host*/, std::string_view request) {
    return agentsys::reports::checks::validate(request);
  }

  ReportRemediationRunnerV1(Host host, std::string_view config)
      : host_(host), config_(LegacyConfig::parse(config)) {}

  std::string invoke(const Call& call) {
    json in = run_input(call, "report_remediation_runner");
    std::vector<std::string> args{"--out-dir",      config_.out_dir, "--db",
                                  config_.database, "--config-dir",  config_.config_dir};
    for (const auto& [key, option] :
         {std::pair{"report", "--report"}, std::pair{"target_month", "--target-month"},
          std::pair{"max_attempts", "--max-attempts"}}) {
      if (!in.contains(key)) continue;
      const json& v = in[key];
      args.emplace_back(option);
      args.push_back(v.is_string() ? v.get<std::string>() : v.dump());
    }
    LegacyOutcome run = run_script(host_, call, config_, "report_remediation_runner.py", args);
    if (run.dry_run) return json{{"dry_run", true}, {"v1", run.summary}}.dump();
    if (run.exit_code == 2 || run.summary.empty()) {
      fail_with(run, "report_remediation_runner.py");
    }
    json result = run.summary;
    result["impl"] = "v1";
    result["key_fields"] = key_fields(result);
    return result.dump();
  }

 private:
  Host host_;
  LegacyConfig config_;
};

}  // namespace
}  // namespace agentsys::reports::v1

AS_PLUGIN_ENTRY(agentsys::reports::v1::ReportRemediationRunnerV1,
                .name = "report_remediation_runner_v1", .version = "1.0.0",
                .description = "V1 wrapper: the legacy report_remediation_runner.py, under policy",
                .kind = AS_PLUGIN_KIND_DOMAIN, .impl = AS_IMPL_V1,
                .modules = {"report_remediation_runner"}, .thread_safe = true,
                .config_folders = {agentsys::reports::checks::reports_folder(),
                                   agentsys::reports::checks::runbook_folder()})
