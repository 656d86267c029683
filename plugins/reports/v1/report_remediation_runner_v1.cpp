// report_remediation_runner_v1: the V1 wrapper of module report_remediation_runner. It runs
// the legacy report_remediation_runner.py, which re-runs the failed jobs of the V1 ledger.
//
// Action "run": {"report": NAME, "target_month": "YYYYMM", "max_attempts": "3"} (all optional)
//   -> {"impl": "v1", "remediated", "still_failed", "exhausted", "status"}
#include <agentsys/plugin.hpp>

#include <nlohmann/json.hpp>

#include "legacy_command.hpp"

namespace agentsys::reports::v1 {
namespace {

using json = nlohmann::json;

class ReportRemediationRunnerV1 {
 public:
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
                .modules = {"report_remediation_runner"}, .thread_safe = true)
