#include "checks/reports_config.hpp"

#include "checks/report_checks.hpp"
#include "checks/runbook_checks.hpp"
#include "checks/schemas.hpp"

namespace agentsys::reports::checks {
using json = nlohmann::json;

agentsys::ConfigFolder reports_folder() { return {"reports", kReportSchema}; }
agentsys::ConfigFolder runbook_folder() { return {"runbook", kRunbookSchema}; }

namespace {

std::set<std::string> string_set(const json& list) {
  std::set<std::string> out;
  if (!list.is_array()) return out;
  for (const json& s : list) {
    if (s.is_string()) out.insert(s.get<std::string>());
  }
  return out;
}

}  // namespace

std::string validate(std::string_view request) {
  const json r = json::parse(request, nullptr, false);
  if (!r.is_object() || !r.value("config", json()).is_object()) {
    throw agentsys::Error(AS_ERR_INVALID_INPUT, "validate: the request has no \"config\" object");
  }
  const json& config = r["config"];
  const json reports = config.value("reports", json::object());
  const json runbooks = config.value("runbook", json::object());
  KernelFacts facts{config.value("modules", json::object()),
                    string_set(r.value("modules_served", json::array())),
                    string_set(r.value("error_codes", json::array()))};
  Findings findings;
  check_reports(reports, findings);
  ask_report_sql(reports, findings);
  check_runbooks(runbooks, facts, findings);
  json answer = {
      {"problems", findings.problems},
      {"policy_checks", findings.policy_checks},
      {"summary",
       {{"reports", report_versions(reports)}, {"runbooks", runbook_summary(runbooks)}}}};
  return answer.dump();
}

}  // namespace agentsys::reports::checks
