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

}  // namespace

CutoverWatch::CutoverWatch(Kernel& kernel, const ShadowReconciliation& rules)
    : kernel_(kernel), rules_(rules) {}

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
  std::string reason;
  if (!r.ok()) {
    ok = false;
    reason = fmt::format("the run {} ({})", to_string(r.status), to_string(r.error_code));
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
       json{{"ok", ok}, {"reason", reason}, {"target_month", month}}.dump()});
  kernel_.runs().sync();
  if (ok) return;

  RedLineReport report = evaluate_red_lines(kernel_, r.module, month, kernel_.options().red_lines);
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
