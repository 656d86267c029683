// report_scheduler_v1: the V1 wrapper of module report_scheduler. It runs the legacy
// report_scheduler.py (every report due for the month, one after the other, recorded in the V1
// ledger under out_dir) through the host's run_command and returns its jobs.
//
// Action "run": {"target_month": "YYYYMM", "force": false}
//   -> {"impl": "v1", "target_month", "jobs": [{"report", "status", "error"}], "ledger",
//       "status"}; a failed job fails the run (AS_ERR_INTERNAL) with the jobs in the message.
#include <agentsys/plugin.hpp>

#include "checks/reports_config.hpp"

#include <nlohmann/json.hpp>

#include "legacy_command.hpp"

namespace agentsys::reports::v1 {
namespace {

using json = nlohmann::json;

class ReportSchedulerV1 {
 public:
  /// Preflight's checks of config/reports/ and config/runbook/ (shared by the domain's plugins).
  static std::string validate_config(agentsys::Host /*host*/, std::string_view request) {
    return agentsys::reports::checks::validate(request);
  }

  ReportSchedulerV1(Host host, std::string_view config)
      : host_(host), config_(LegacyConfig::parse(config)) {}

  std::string invoke(const Call& call) {
    json in = run_input(call, "report_scheduler");
    if (!in.value("target_month", json()).is_string()) {
      throw Error(AS_ERR_INVALID_INPUT,
                  "input: 'target_month' (YYYYMM) is required: the V1 scheduler only backfills");
    }
    std::vector<std::string> args{"--target-month", in["target_month"].get<std::string>(),
                                  "--db",           config_.database,
                                  "--out-dir",      config_.out_dir,
                                  "--config-dir",   config_.config_dir};
    if (in.value("force", json(false)) == true || in.value("force", json("")) == "true") {
      args.emplace_back("--force");
    }
    LegacyOutcome run = run_script(host_, call, config_, "report_scheduler.py", args);
    if (run.dry_run) return json{{"dry_run", true}, {"v1", run.summary}}.dump();
    if (run.exit_code == 2 || run.summary.empty()) fail_with(run, "report_scheduler.py");
    json result = run.summary;
    result["impl"] = "v1";
    json key_rows = json::array();
    for (const json& job : result.value("jobs", json::array())) {
      key_rows.push_back({{"report", job.value("report", "")},
                          {"target_month", result.value("target_month", "")}});
    }
    // What the reconciliation compares with V2: which jobs were due.
    result["key_fields"] = {
        {"key", {"report", "target_month"}}, {"fields", json::array()}, {"rows", key_rows}};
    if (run.exit_code != 0) {
      throw Error(AS_ERR_INTERNAL, "report_scheduler.py: some jobs failed: " +
                                       result.value("jobs", json::array()).dump());
    }
    return result.dump();
  }

 private:
  Host host_;
  LegacyConfig config_;
};

}  // namespace
}  // namespace agentsys::reports::v1

AS_PLUGIN_ENTRY(agentsys::reports::v1::ReportSchedulerV1, .name = "report_scheduler_v1",
                .version = "1.0.0",
                .description = "V1 wrapper: the legacy report_scheduler.py, under policy",
                .kind = AS_PLUGIN_KIND_DOMAIN, .impl = AS_IMPL_V1, .modules = {"report_scheduler"},
                .thread_safe = true,
                .config_folders = {agentsys::reports::checks::reports_folder()})
