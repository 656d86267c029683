// report_remediation_runner_v2: the native (V2) side of the report_remediation_runner module.
//
// Action "run", input {"report"?: NAME, "target_month"?: "YYYYMM", "now"?: ISO-8601 UTC}:
//   1. the failed report jobs: the runbook module's runs (report_orchestrator) through host
//      query_runs, grouped by job (idempotency key report:NAME:YYYYMM, or ...#rN for a retry
//      this plugin submitted); a job whose newest run succeeded, is still in flight or was
//      cancelled is skipped;
//   2. for the error code of each failed job's newest run, the runbook entry
//      (config/runbook/NAME.toml): no entry -> left for an operator (no_runbook_entry);
//   3. the entry's steps in order: a low-risk step is done (retry: host submit_task of the same
//      module, action and input under the key report:NAME:YYYYMM#rN; notify: a warning), a
//      high-risk one is asked about (host policy_check of action remediate.ACTION) and left
//      pending an approval, never done;
//   4. what it did: the result {"remediated", "pending_approval", "skipped", "exhausted",
//      "notified", "status", "key_fields", ...} (key_fields: one row {report, target_month,
//      outcome} per failed job remediated, pending_approval or exhausted) and one JSON line per
//      decision in remediation.jsonl, in the run's directory (host write_file).
// The plugin keeps no state: the kernel's run records are the state, so passes can repeat and
// two passes that decide the same retry submit it once (same idempotency key).
// Contract and configuration: docs/runbook.md.
#include <agentsys/plugin.hpp>

#include "checks/reports_config.hpp"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "report_job.hpp"
#include "report_month.hpp"
#include "runbook.hpp"

namespace {

using agentsys::Error;
using agentsys::Service;
using json = nlohmann::json;
namespace rp = agentsys::reports;

constexpr const char* kLogFile = "remediation.jsonl";

struct Config {
  std::optional<rp::Runbook> runbook;
  std::string problem;      // why there is no runbook
  std::string publish_dir;  // names the rollback point; empty when unknown
  int64_t max_runs = 1000;  // query_runs' limit
};

Config read_config(std::string_view config_json) {
  json c = json::parse(config_json.empty() ? std::string_view("{}") : config_json, nullptr, false);
  if (c.is_discarded() || !c.is_object()) {
    throw Error(AS_ERR_INVALID_INPUT,
                "report_remediation_runner_v2: the configuration is not a JSON object");
  }
  Config out;
  // Loaded unconfigured first (read-only commands never configure it): refuse calls, not loading.
  if (c.empty()) {
    out.problem =
        "not configured: the module's configuration (config/modules/reports.toml) names the "
        "runbook (runbook_name, config_sections = [\"runbook\"]); run with a configuration";
    return out;
  }
  const json name = c.value("runbook_name", json("reports"));
  const json runbooks = c.value("runbook", json::object());
  if (!name.is_string() || !runbooks.is_object()) {
    throw Error(AS_ERR_INVALID_INPUT,
                "report_remediation_runner_v2: 'runbook_name' must be a string and 'runbook' a "
                "table of runbooks");
  }
  const std::string runbook = name.get<std::string>();
  if (!runbooks.contains(runbook)) {
    out.problem = "no runbook '" + runbook + "': add config/runbook/" + runbook +
                  ".toml and config_sections = [\"runbook\"] to the module";
  } else {
    try {
      out.runbook = rp::parse_runbook(runbook, runbooks[runbook]);
    } catch (const std::invalid_argument& e) {
      out.problem = e.what();  // reported when the module runs, like a bad report definition
    }
  }
  if (c.contains("publish_dir") && c["publish_dir"].is_string()) {
    out.publish_dir = c["publish_dir"].get<std::string>();
  }
  if (c.contains("max_runs")) {
    const json& m = c["max_runs"];
    if (!m.is_number_integer() || m.get<int64_t>() < 1 || m.get<int64_t>() > 1000) {
      throw Error(
          AS_ERR_INVALID_INPUT,
          "report_remediation_runner_v2: 'max_runs' must be an integer 1..1000, got " + m.dump());
    }
    out.max_runs = m.get<int64_t>();
  }
  return out;
}

int64_t wall_clock_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Input {
  std::string report;  // empty: every report
  std::string month;   // empty: every month
  int64_t now = 0;     // seconds since the epoch
};

Input read_input(const agentsys::Call& call) {
  json in = json::parse(call.input(), nullptr, false);
  if (in.is_discarded() || !in.is_object()) {
    throw Error(AS_ERR_INVALID_INPUT,
                "input must be a JSON object: {} (every failed report job), or with \"report\": "
                "NAME, \"target_month\": \"YYYYMM\", \"now\": \"2026-03-01T07:00:00Z\"");
  }
  Input out;
  if (in.contains("report")) {
    const json& r = in["report"];
    if (!r.is_string() || !rp::parse_job_key("report:" + r.get<std::string>() + ":197001")) {
      throw Error(AS_ERR_INVALID_INPUT,
                  "report " + r.dump() + " is not a report name ([a-z][a-z0-9_]*)");
    }
    out.report = r.get<std::string>();
  }
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
    out.month = month->text();
  }
  if (in.contains("now")) {
    std::optional<int64_t> now;
    if (in["now"].is_string()) now = rp::parse_utc_seconds(in["now"].get<std::string>());
    if (!now) {
      throw Error(AS_ERR_INVALID_INPUT, "now " + in["now"].dump() +
                                            " is not an ISO-8601 UTC time like "
                                            "\"2026-03-01T07:00:00Z\"");
    }
    out.now = *now;
  } else {
    out.now = wall_clock_seconds();
  }
  return out;
}

bool is_failure(const std::string& status) {
  return status == "failed" || status == "timed_out" || status == "skipped";
}

/// One pass: what was decided for each job, collected as the result and the remediation log.
class Pass {
 public:
  Pass(const agentsys::Host& host, const agentsys::Call& call, const Config& config,
       const Input& input)
      : host_(host), call_(call), config_(config), runbook_(*config.runbook), input_(input) {}

  void job(const rp::Job& job) {
    const json& latest = job.runs.front();
    const bool failed_before = std::any_of(job.runs.begin(), job.runs.end(), [](const json& r) {
      return is_failure(r.value("status", ""));
    });
    if (!failed_before) return;  // never failed (or its first run is still going)
    ++jobs_;
    const std::string status = latest.value("status", "");
    json record{{"job", job.key.text()},
                {"report", job.key.report},
                {"target_month", job.key.month.text()},
                {"run_id", latest.value("run_id", "")},
                {"status", status},
                {"runs", job.runs.size()}};
    if (status == "succeeded") return skip(record, "succeeded_later");
    if (status == "cancelled") return skip(record, "cancelled");
    if (!is_failure(status)) return skip(record, "in_flight");
    const json code = latest.value("error_code", json());
    record["error_code"] = code.is_string() ? code : json("unknown");
    record["message"] = latest.value("message", json());
    const rp::RunbookEntry* entry = runbook_.find(record["error_code"].get<std::string>());
    if (entry == nullptr) return skip(record, "no_runbook_entry");
    remediate(job, latest, *entry, std::move(record));
  }

  json result(const std::string& log_path, const std::string& log_error) const {
    const bool operator_needed = !exhausted_.empty() || needs_operator_;
    json out{{"runbook", runbook_.name},
             {"module", runbook_.module},
             {"now", rp::format_utc_seconds(input_.now)},
             {"jobs", jobs_},
             {"remediated", remediated_},
             {"pending_approval", pending_},
             {"skipped", skipped_},
             {"exhausted", exhausted_},
             {"notified", notified_},
             {"status", operator_needed     ? "failed"
                        : !pending_.empty() ? "pending_approval"
                                            : "ok"},
             {"dry_run", call_.dry_run()},
             {"log", log_path}};
    if (!input_.report.empty()) out["report"] = input_.report;
    if (!input_.month.empty()) out["target_month"] = input_.month;
    // What a shadow run compares with V1: one row per failed job and what became of it.
    json rows = json::array();
    for (const auto& [records, outcome] :
         {std::pair{&remediated_, "remediated"}, std::pair{&pending_, "pending_approval"},
          std::pair{&exhausted_, "exhausted"}}) {
      for (const json& r : *records) {
        rows.push_back({{"report", r.value("report", "")},
                        {"target_month", r.value("target_month", "")},
                        {"outcome", outcome}});
      }
    }
    out["key_fields"] = {
        {"key", {"report", "target_month"}}, {"fields", {"outcome"}}, {"rows", std::move(rows)}};
    if (!log_error.empty()) out["log_error"] = log_error;
    return out;
  }

  [[nodiscard]] std::string log_lines() const {
    std::string text;
    for (const json& line : log_) text += line.dump() + "\n";
    return text;
  }

  [[nodiscard]] size_t retried() const { return remediated_.size(); }
  [[nodiscard]] size_t pending() const { return pending_.size(); }
  [[nodiscard]] size_t exhausted() const { return exhausted_.size(); }

 private:
  void skip(json record, const std::string& reason) {
    record["reason"] = reason;
    if (reason == "no_runbook_entry" || reason == "policy_denied") needs_operator_ = true;
    log(record, "skipped");
    skipped_.push_back(std::move(record));
  }

  void log(const json& record, const std::string& outcome) {
    json line = record;
    line["ts"] = rp::format_utc_seconds(wall_clock_seconds());
    line["outcome"] = outcome;
    line.erase("message");
    log_.push_back(std::move(line));
  }

  /// The policy's answer about performing `action` of the runbook on its module.
  json ask_policy(const rp::RunbookStep& step) const {
    const json ask{{"kind", "action"},
                   {"action", "remediate." + std::string(rp::to_string(step.action))},
                   {"module", runbook_.module}};
    json d = json::parse(host_.request(Service::policy_check, call_, ask.dump()));
    json out{{"decision", d.value("decision", "deny")}, {"rule", d.value("rule", json())}};
    if (d.contains("reason")) out["reason"] = d["reason"];
    return out;
  }

  void remediate(const rp::Job& job, const json& latest, const rp::RunbookEntry& entry,
                 json record) {
    const size_t runs = job.runs.size();
    record["entry"] = entry.error_code;
    record["max_attempts"] = entry.max_attempts;
    record["rollback_point"] = entry.rollback_point;
    if (entry.rollback_point == "last_published_output" && !config_.publish_dir.empty()) {
      record["rollback_files"] =
          config_.publish_dir + "/" + job.key.month.text() + "/" + job.key.report + ".*";
    }
    bool exhausted_retry = false;
    for (size_t i = 0; i < entry.steps.size(); ++i) {
      if (host_.cancelled(call_)) throw Error(AS_ERR_CANCELLED, "remediation run cancelled");
      const rp::RunbookStep& step = entry.steps[i];
      json s = record;
      s["step"] = i;
      s["action"] = rp::to_string(step.action);
      s["risk"] = rp::to_string(step.risk);
      if (!step.description.empty()) s["step_description"] = step.description;
      if (rp::is_retry(step.action)) {
        if (static_cast<int64_t>(runs) >= entry.max_attempts) {
          exhausted_retry = true;
          log(s, "retry_exhausted");
          continue;
        }
        if (step.action == rp::StepAction::retry_with_backoff) {
          // backoff_s after the first failure, doubled after each further one.
          const int64_t wait = step.backoff_s << std::min<size_t>(runs - 1, 20);
          std::optional<int64_t> failed_at =
              rp::parse_utc_seconds(latest.value("updated_at", std::string()));
          if (failed_at && input_.now < *failed_at + wait) {
            s["retry_after"] = rp::format_utc_seconds(*failed_at + wait);
            return skip(std::move(s), "backoff");
          }
        }
      }
      json task;
      if (rp::is_retry(step.action)) {
        task = {{"module", runbook_.module},
                {"action", latest.value("action", "run")},
                {"input", latest.value("input", json::object())},
                {"idempotency_key", rp::retry_key(job.key, runs + 1)}};
      }
      if (rp::is_retry(step.action) || step.risk == rp::Risk::high) {
        json policy = ask_policy(step);
        s["policy"] = policy;
        if (policy["decision"] == "deny") return skip(std::move(s), "policy_denied");
        if (step.risk == rp::Risk::high || policy["decision"] == "needs_approval") {
          if (!task.is_null()) s["task"] = task;
          log(s, "pending_approval");
          pending_.push_back(std::move(s));
          return;  // nothing after a step that waits
        }
      }
      if (step.action == rp::StepAction::notify) {
        host_.warn("report job " + job.key.text() + " failed with " +
                       record["error_code"].get<std::string>() + " (run " +
                       record["run_id"].get<std::string>() + "): " + entry.description +
                       (step.description.empty() ? "" : " — " + step.description),
                   &call_);
        log(s, "notified");
        notified_.push_back(std::move(s));
        continue;
      }
      return retry(std::move(s), std::move(task));
    }
    record["reason"] = exhausted_retry ? "max_attempts" : "no_retry_step";
    log(record, "exhausted");
    exhausted_.push_back(std::move(record));
  }

  void retry(json s, json task) {
    if (call_.dry_run()) {
      // A dry-run submission would hold the retry's key for a dry run: record it only.
      s["would_submit"] = task;
      log(s, "would_retry");
      remediated_.push_back(std::move(s));
      return;
    }
    json response;
    try {
      response = json::parse(host_.request(Service::submit_task, call_, task.dump()));
    } catch (const Error& e) {
      if (e.status() == AS_ERR_NEEDS_APPROVAL || e.status() == AS_ERR_POLICY_DENIED) {
        const bool approval = e.status() == AS_ERR_NEEDS_APPROVAL;
        s["policy"] = {{"decision", approval ? "needs_approval" : "deny"}, {"reason", e.what()}};
        if (!approval) return skip(std::move(s), "policy_denied");
        s["task"] = task;
        log(s, "pending_approval");
        pending_.push_back(std::move(s));
        return;
      }
      throw;
    }
    json submitted{{"run_id", response.value("run_id", "")},
                   {"idempotency_key", task["idempotency_key"]},
                   {"done", response.value("done", false)},
                   {"replayed", response.value("replayed", false)}};
    if (response.contains("status")) submitted["status"] = response["status"];
    s["submitted"] = std::move(submitted);
    log(s, "retried");
    remediated_.push_back(std::move(s));
  }

  const agentsys::Host& host_;
  const agentsys::Call& call_;
  const Config& config_;
  const rp::Runbook& runbook_;
  const Input& input_;
  int64_t jobs_ = 0;
  bool needs_operator_ = false;
  json remediated_ = json::array();
  json pending_ = json::array();
  json skipped_ = json::array();
  json exhausted_ = json::array();
  json notified_ = json::array();
  std::vector<json> log_;
};

class ReportRemediationRunner {
 public:
  /// Preflight's checks of config/reports/ and config/runbook/ (shared by the domain's plugins).
  static std::string validate_config(agentsys::Host /*host*/, std::string_view request) {
    return agentsys::reports::checks::validate(request);
  }

  ReportRemediationRunner(agentsys::Host host, std::string_view config_json)
      : host_(host), config_(read_config(config_json)) {}

  // Thread-safe: the configuration is read-only after construction; a pass is per call.
  std::string invoke(const agentsys::Call& call) {
    if (call.action() != "run") {
      throw Error(AS_ERR_UNSUPPORTED, "report_remediation_runner_v2: unknown action '" +
                                          std::string(call.action()) + "' (supported: run)");
    }
    const Input input = read_input(call);
    if (!config_.runbook) throw Error(AS_ERR_INVALID_INPUT, config_.problem);

    std::string prefix = "report:";
    if (!input.report.empty()) prefix += input.report + ":" + input.month;
    const json ask{{"module", config_.runbook->module},
                   {"idempotency_key_prefix", prefix},
                   {"limit", config_.max_runs}};
    const json found = json::parse(host_.request(Service::query_runs, call, ask.dump()));
    Pass pass(host_, call, config_, input);
    for (const rp::Job& job : rp::group_jobs(found.value("runs", json::array()))) {
      if (!input.month.empty() && job.key.month.text() != input.month) continue;
      pass.job(job);
    }

    std::string log_path;
    std::string log_error;
    try {
      const json written = json::parse(
          host_.request(Service::write_file, call,
                        json{{"path", kLogFile}, {"content", pass.log_lines()}}.dump()));
      log_path = written.value("path", written.value("would_write", ""));
    } catch (const Error& e) {
      // What was done stays done (and is in the result the kernel keeps): say why there is no log.
      log_error = e.what();
      host_.warn(std::string("remediation log not written: ") + e.what(), &call);
    }
    json result = pass.result(log_path, log_error);
    if (found.value("truncated", false)) {
      result["truncated"] = true;  // older runs than max_runs were not looked at
      host_.warn("more runs than max_runs: only the newest were looked at", &call);
    }
    host_.metric("report_remediation_retried", static_cast<double>(pass.retried()), {}, &call);
    host_.metric("report_remediation_pending", static_cast<double>(pass.pending()), {}, &call);
    host_.metric("report_remediation_exhausted", static_cast<double>(pass.exhausted()), {}, &call);
    return result.dump();
  }

 private:
  agentsys::Host host_;
  Config config_;
};

}  // namespace

AS_PLUGIN_ENTRY(ReportRemediationRunner, .name = "report_remediation_runner_v2", .version = "2.0.0",
                .description =
                    "Report remediation, native side: failed report jobs -> the runbook's "
                    "low-risk steps done, high-risk ones left pending approval",
                .kind = AS_PLUGIN_KIND_DOMAIN, .impl = AS_IMPL_V2,
                .modules = {"report_remediation_runner"}, .thread_safe = true, .min_abi_minor = 2,
                .config_folders = {agentsys::reports::checks::reports_folder(),
                                   agentsys::reports::checks::runbook_folder()})
