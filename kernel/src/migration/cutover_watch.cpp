#include "migration/cutover_watch.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "kernel.hpp"
#include "migration/comparator.hpp"
#include "migration/golden.hpp"
#include "migration/rollback.hpp"
#include "migration/shadow_reconciliation.hpp"
#include "util/time.hpp"

namespace agentsys::migration {
using json = nlohmann::json;

namespace {

/// V1's key fields for the same input: the golden record, else the latest V1 run's.
std::optional<std::pair<json, std::string>> reference(Kernel& kernel, const std::string& module,
                                                      const json& input) {
  const std::string month = input.value("target_month", "");
  if (std::optional<GoldenCase> golden =
          find_golden(kernel.options().host.state_dir, module, month, input)) {
    return std::pair{golden->key_fields, "golden " + golden->file.string()};
  }
  RunFilter filter;
  filter.module = module;
  filter.status = "succeeded";
  filter.limit = 500;
  for (const RunRow& row : kernel.runs().list_runs(filter)) {
    if (row.impl != "v1" || row.key_fields.empty()) continue;
    if (json::parse(row.input, nullptr, false) != input) continue;
    json kf = json::parse(row.key_fields, nullptr, false);
    if (!kf.is_discarded()) return std::pair{kf, "V1 run " + row.run_id};
  }
  return std::nullopt;
}

/// Codes that refuse the caller's request rather than show V2 computing wrongly.
bool refuses_the_request(ErrorCode code) {
  return code == ErrorCode::invalid_input || code == ErrorCode::policy_denied ||
         code == ErrorCode::needs_approval || code == ErrorCode::module_paused ||
         code == ErrorCode::idempotency_conflict;
}

/// Whether a failed V2 run is V2's regression, and why: it is when V1 succeeded on the same
/// input, or when it failed in a way V1 never did. A refusal of the caller's request (bad
/// input, a policy denial) is not, unless V1 served the same input.
std::pair<bool, std::string> judge_failure(Kernel& kernel, const RunResult& r,
                                           const std::string& input_digest) {
  const std::string code(to_string(r.error_code));
  RunFilter filter;
  filter.module = r.module;
  filter.limit = 500;
  bool v1_had_code = false;
  for (const RunRow& row : kernel.runs().list_runs(filter)) {  // newest first
    if (row.impl != "v1") continue;
    if (!input_digest.empty() && row.input_digest == input_digest &&
        (row.status == "succeeded" || row.status == "failed" || row.status == "timed_out")) {
      if (row.status == "succeeded") {
        return {true, fmt::format("the run {} ({}) where V1 succeeded on the same input (run {})",
                                  to_string(r.status), code, row.run_id)};
      }
      if (row.error_code == code) {
        return {false, fmt::format("the run {} ({}), as V1 did on the same input (run {}): not "
                                   "a V2 regression",
                                   to_string(r.status), code, row.run_id)};
      }
    }
    if (row.error_code == code) v1_had_code = true;
  }
  if (refuses_the_request(r.error_code)) {
    return {false, fmt::format("the caller's request was refused ({}) and V1 never served this "
                               "input: not a V2 regression",
                               code)};
  }
  if (v1_had_code) {
    return {false, fmt::format("the run {} ({}), a failure V1 also has: not a V2 regression",
                               to_string(r.status), code)};
  }
  return {true, fmt::format("the run {} ({}), a failure V1 never had", to_string(r.status), code)};
}

}  // namespace

CutoverWatch::CutoverWatch(Kernel& kernel, const ShadowReconciliation& rules,
                           RedLineSettings red_lines)
    : kernel_(kernel), rules_(rules), red_lines_(std::move(red_lines)) {}

void CutoverWatch::finished(const RunResult& r) {
  if (r.impl != AS_IMPL_V2) return;
  std::optional<ModuleBinding> b = kernel_.registry().binding(r.module);
  if (!b || (b->mode() != ModuleMode::cutover && b->mode() != ModuleMode::v2) || !b->v1) return;
  if (r.status != TaskStatus::succeeded && r.status != TaskStatus::failed &&
      r.status != TaskStatus::timed_out) {
    return;  // skipped, cancelled: says nothing about V2's output
  }
  std::lock_guard lock(mutex_);
  std::optional<RunRow> row = kernel_.runs().find_run(r.run_id);
  const json input = row ? json::parse(row->input, nullptr, false) : json();
  const std::string month = input.is_object() ? input.value("target_month", "") : "";

  bool ok = true;
  bool counted = true;  // a failure that is not V2's regression is recorded, never counted
  std::string reason;
  if (!r.ok()) {
    auto [regression, why] = judge_failure(kernel_, r, row ? row->input_digest : "");
    ok = false;
    counted = regression;
    reason = std::move(why);
  } else if (auto ref = reference(kernel_, r.module, input)) {
    json mine = json::parse(r.key_fields_json.empty() ? "{}" : r.key_fields_json, nullptr, false);
    Comparison c = compare(ref->first, mine, rules_.rules(r.module));
    const auto blocks = c.by_grade[0];
    ok = blocks == 0;
    reason = ok ? fmt::format("key fields agree with {}", ref->second)
                : fmt::format("{} block difference(s) against {}", blocks, ref->second);
  } else {
    reason = "no V1 reference for this input (no golden record, no V1 run): not judged";
  }
  kernel_.runs().append_event(
      {0, iso8601_now(), "key_output_checked", r.trace_id, r.run_id, r.module, "v2", r.attempts,
       json{{"ok", ok}, {"counted", counted}, {"reason", reason}, {"target_month", month}}.dump()});
  kernel_.runs().sync();
  if (ok || !counted) return;

  RedLineReport report = evaluate_red_lines(kernel_, r.module, month, red_lines_);
  const bool key_line = report.armed && !report.lines.empty() && report.lines[0].triggered;
  if (!key_line) {
    spdlog::warn("{} run {}: V2 key output failed ({}); red line not reached", r.module, r.run_id,
                 reason);
    return;
  }
  RollbackRequest req;
  req.modules = {r.module};
  req.target_month = month;
  req.reason = rollback_reason("key_output_failures");
  req.automatic = true;
  req.evidence = report.evidence_markdown();
  req.config_dir = kernel_.options().config_dir;
  try {
    roll_back(kernel_, req);
  } catch (const std::exception& e) {
    spdlog::error("{}: the red line {} triggered but the rollback failed: {}", r.module,
                  "key_output_failures", e.what());
  }
}

}  // namespace agentsys::migration
