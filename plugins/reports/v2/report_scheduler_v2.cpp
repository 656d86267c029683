// report_scheduler_v2: the native (V2) side of the report_scheduler module.
//
// Action "run":
//   {"target_month": "YYYYMM"}  backfill: every report due for that month (its schedule fires
//                               in the following month);
//   {} or {"now": ISO-8601 UTC} tick: every (report, month) of the last catch_up_months months
//                               whose fire time is <= now (catches up runs missed while the
//                               kernel was down).
// Each job goes to report_orchestrator through host submit_task with the idempotency key
// "report:NAME:YYYYMM", so a repeated tick never runs a job twice.
// Contract and configuration: docs/reports.md, "V2 plugins".
#include <agentsys/plugin.hpp>

#include "checks/reports_config.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "cron.hpp"
#include "report_month.hpp"

namespace {

using agentsys::Error;
using agentsys::Service;
using json = nlohmann::json;
namespace rp = agentsys::reports;

struct Job {
  std::string report;
  rp::YearMonth month;
};

class ReportScheduler {
 public:
  /// Preflight's checks of config/reports/ and config/runbook/ (shared by the domain's plugins).
  static std::string validate_config(agentsys::Host /*host*/, std::string_view request) {
    return agentsys::reports::checks::validate(request);
  }

  ReportScheduler(agentsys::Host host, std::string_view config_json) : host_(host) {
    json c =
        json::parse(config_json.empty() ? std::string_view("{}") : config_json, nullptr, false);
    if (c.is_discarded() || !c.is_object()) {
      throw Error(AS_ERR_INVALID_INPUT,
                  "report_scheduler_v2: the configuration is not a JSON object");
    }
    const json reports = c.value("reports", json::object());
    if (!reports.is_object()) {
      throw Error(AS_ERR_INVALID_INPUT,
                  "report_scheduler_v2: 'reports' must be a table of report definitions");
    }
    for (const auto& [name, definition] : reports.items()) {
      const json schedule = definition.is_object() ? definition.value("schedule", json()) : json();
      schedules_[name] = schedule.is_string() ? schedule.get<std::string>() : std::string();
    }
    const json months = c.value("catch_up_months", json(3));
    if (!months.is_number_integer() || months.get<int64_t>() < 1 || months.get<int64_t>() > 120) {
      throw Error(
          AS_ERR_INVALID_INPUT,
          "report_scheduler_v2: 'catch_up_months' must be an integer 1..120, got " + months.dump());
    }
    catch_up_months_ = months.get<int>();
  }

  // Thread-safe: nothing is mutated after construction.
  std::string invoke(const agentsys::Call& call) {
    if (call.action() != "run") {
      throw Error(AS_ERR_UNSUPPORTED, "report_scheduler_v2: unknown action '" +
                                          std::string(call.action()) + "' (supported: run)");
    }
    json in = json::parse(call.input(), nullptr, false);
    if (in.is_discarded() || !in.is_object()) {
      throw Error(AS_ERR_INVALID_INPUT,
                  "input must be a JSON object: {} (a tick), {\"now\": \"2026-03-01T07:00:00Z\"} "
                  "or {\"target_month\": \"202602\"} (a backfill)");
    }
    const std::map<std::string, rp::CronSchedule> schedules = parse_schedules();
    std::vector<Job> jobs;
    json result = json::object();
    if (in.contains("target_month")) {
      const json& m = in["target_month"];
      std::optional<rp::YearMonth> month;
      if (m.is_string()) month = rp::parse_month(m.get<std::string>());
      if (!month) {
        throw Error(AS_ERR_INVALID_INPUT,
                    "target_month " + m.dump() +
                        " is not a month: expected a string YYYYMM with year >= 1970 and month "
                        "01..12, e.g. \"202602\"");
      }
      result["target_month"] = month->text();
      const rp::YearMonth fire_month = month->shifted(1);
      for (const auto& [name, schedule] : schedules) {
        if (schedule.fires_in(fire_month.year, fire_month.month)) jobs.push_back({name, *month});
      }
    } else {
      rp::CronTime now = rp::utc_now();
      if (in.contains("now")) {
        std::optional<rp::CronTime> parsed;
        if (in["now"].is_string()) parsed = rp::parse_iso_utc(in["now"].get<std::string>());
        if (!parsed) {
          throw Error(AS_ERR_INVALID_INPUT,
                      "now " + in["now"].dump() +
                          " is not an ISO-8601 UTC time like \"2026-03-01T07:00:00Z\"");
        }
        now = *parsed;
      }
      result["now"] = now.text();
      result["catch_up_months"] = catch_up_months_;
      // Target month M fires in M+1: M+1 runs over the current month and the months before it.
      const rp::YearMonth current{now.year, now.month};
      for (int back = catch_up_months_; back >= 1; --back) {
        const rp::YearMonth month = current.shifted(-back);
        const rp::YearMonth fire_month = month.shifted(1);
        for (const auto& [name, schedule] : schedules) {
          std::optional<rp::CronTime> fire =
              schedule.first_in_month(fire_month.year, fire_month.month);
          if (fire && *fire <= now) jobs.push_back({name, month});
        }
      }
    }

    json out_jobs = json::array();
    int64_t submitted = 0;
    for (const Job& job : jobs) {
      if (host_.cancelled(call)) throw Error(AS_ERR_CANCELLED, "scheduler run cancelled");
      const std::string month = job.month.text();
      json request{{"module", "report_orchestrator"},
                   {"action", "run"},
                   {"input", {{"report", job.report}, {"target_month", month}}},
                   {"idempotency_key", "report:" + job.report + ":" + month}};
      json response = json::parse(host_.request(Service::submit_task, call, request.dump()));
      const bool replayed = response.value("replayed", false);
      if (!replayed) ++submitted;
      json entry{{"report", job.report},
                 {"target_month", month},
                 {"run_id", response.value("run_id", "")},
                 {"done", response.value("done", false)},
                 {"replayed", replayed}};
      if (response.contains("status")) entry["status"] = response["status"];
      out_jobs.push_back(std::move(entry));
    }
    json key_rows = json::array();
    for (const json& job : out_jobs) {
      key_rows.push_back({{"report", job["report"]}, {"target_month", job["target_month"]}});
    }
    result["jobs"] = std::move(out_jobs);
    result["submitted"] = submitted;
    // What the reconciliation compares with V1: which jobs are due, not how they ran.
    result["key_fields"] = {
        {"key", {"report", "target_month"}}, {"fields", json::array()}, {"rows", key_rows}};
    host_.metric("report_jobs_submitted", static_cast<double>(submitted), {}, &call);
    return result.dump();
  }

 private:
  std::map<std::string, rp::CronSchedule> parse_schedules() const {
    std::map<std::string, rp::CronSchedule> out;
    for (const auto& [name, expression] : schedules_) {
      if (expression.empty()) continue;  // a report without a schedule runs only on request
      try {
        out.emplace(name, rp::CronSchedule::parse(expression));
      } catch (const std::invalid_argument& e) {
        throw Error(AS_ERR_INVALID_INPUT, "report '" + name + "': " + e.what());
      }
    }
    return out;
  }

  agentsys::Host host_;
  std::map<std::string, std::string> schedules_;  // report -> cron expression ("" for none)
  int catch_up_months_ = 3;
};

}  // namespace

AS_PLUGIN_ENTRY(ReportScheduler, .name = "report_scheduler_v2", .version = "2.0.0",
                .description =
                    "Report scheduler, native side: cron schedules -> idempotent "
                    "report_orchestrator jobs, with catch-up",
                .kind = AS_PLUGIN_KIND_DOMAIN, .impl = AS_IMPL_V2, .modules = {"report_scheduler"},
                .thread_safe = true, .min_abi_minor = 1,
                .config_folders = {agentsys::reports::checks::reports_folder()})
