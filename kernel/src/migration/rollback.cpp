#include "migration/rollback.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "kernel.hpp"
#include "migration/snapshot.hpp"
#include "migration/todo.hpp"
#include "task/ids.hpp"
#include "util/time.hpp"

namespace agentsys::migration {
namespace fs = std::filesystem;
using json = nlohmann::json;

std::string reason_problem(const std::string& reason) {
  static const std::regex kReason("[a-z][a-z0-9_]{0,63}(: .+)?");
  if (std::regex_match(reason, kReason)) return {};
  return fmt::format(
      "unknown reason format '{}': expected a reason code such as output_mismatch, "
      "key_output_failure, reconciliation_failure, security_gate_failed or latency_regression "
      "([a-z][a-z0-9_]*), optionally followed by ': details'",
      reason);
}

namespace {

/// The first `cutover` event of the module's current cutover (the oldest one after its latest
/// `rollback`): its snapshot is the state before V2 served any of the module's tasks, whatever
/// steps (20% -> 50% -> 100%) followed. None when the module has not been cut over since.
std::optional<EventRow> cutover_start(Kernel& kernel, const std::string& module) {
  int64_t after = 0;
  for (const EventRow& e : kernel.runs().module_events(module, "rollback", 1)) after = e.id;
  std::optional<EventRow> first;
  for (const EventRow& e : kernel.runs().module_events(module, "cutover", 10000)) {
    if (e.id <= after) break;  // newest first
    first = e;
  }
  return first;
}

}  // namespace

std::optional<std::string> cutover_snapshot(Kernel& kernel,
                                            const std::vector<std::string>& modules) {
  std::optional<std::pair<int64_t, std::string>> oldest;
  for (const std::string& module : modules) {
    std::optional<EventRow> e = cutover_start(kernel, module);
    if (!e) continue;
    json data = json::parse(e->data, nullptr, false);
    if (!data.is_object() || !data.contains("snapshot_id")) continue;
    if (!oldest || e->id < oldest->first) oldest = {e->id, data["snapshot_id"].get<std::string>()};
  }
  if (!oldest) return std::nullopt;
  return oldest->second;
}

namespace {

/// V2 runs of the modules since their current cutover began.
std::vector<std::string> affected_runs(Kernel& kernel, const std::vector<std::string>& modules) {
  std::vector<std::string> runs;
  for (const std::string& module : modules) {
    std::optional<EventRow> start = cutover_start(kernel, module);
    if (!start) continue;
    const std::string since = start->ts;
    RunFilter filter;
    filter.module = module;
    filter.limit = 1000;
    for (const RunRow& r : kernel.runs().list_runs(filter)) {
      if (r.impl == "v2" && r.created_at >= since) runs.push_back(r.run_id);
    }
  }
  return runs;
}

std::string write_report(const fs::path& file, const RollbackRequest& req,
                         const RollbackResult& res, const std::string& when) {
  std::string md = fmt::format("# Rollback {}\n\n", res.id);
  md += fmt::format("- **When**: {}\n", when);
  md += fmt::format("- **Trigger**: {} ({})\n", req.reason,
                    req.automatic ? "automatic: a red line" : "an operator");
  md += fmt::format("- **Target month**: {}\n", req.target_month.empty() ? "-" : req.target_month);
  md += fmt::format("- **Modules routed back to V1**: {}\n", fmt::join(res.modules, ", "));
  md += fmt::format("- **Snapshot restored**: {}\n",
                    res.snapshot_id
                        ? fmt::format("{} ({} file changes)", *res.snapshot_id, res.restored_files)
                        : "none — " + res.note);
  md += fmt::format("\n## Affected runs ({} V2 runs since the cutover)\n\n",
                    res.affected_runs.size());
  if (res.affected_runs.empty()) md += "None.\n";
  size_t shown = 0;
  for (const std::string& run : res.affected_runs) {
    if (++shown > 50) {
      md +=
          fmt::format("- ... and {} more (`agentsys runs list`)\n", res.affected_runs.size() - 50);
      break;
    }
    md += fmt::format("- `{}`\n", run);
  }
  md += "\n## Evidence\n\n";
  md += req.evidence.empty() ? "(none recorded: an operator's decision)\n" : req.evidence + "\n";
  md += fmt::format(
      "\n## What to do next\n\n"
      "1. Read the differences: `agentsys reconcile show --target-month {}`.\n"
      "2. Find the cause in V2 (its runs above: `agentsys runs show RUN_ID`), fix it, and run "
      "the shadow run again: `bash scripts/migration/v2_shadow_run.sh --target-month {}`.\n"
      "3. Cut over again only when the reconciliation is consistent and `agentsys gate "
      "--target-month {}` says GO.\n"
      "4. Close the to-do item: `agentsys todo done {}`.\n",
      req.target_month, req.target_month, req.target_month, res.todo_id);
  fs::create_directories(file.parent_path());
  const fs::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << md;
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
  }
  fs::rename(tmp, file);
  return md;
}

}  // namespace

RollbackResult roll_back(Kernel& kernel, const RollbackRequest& req) {
  RollbackResult res;
  res.id = new_time_ordered_id("rb");
  const fs::path state_dir = kernel.options().host.state_dir;
  const std::string when = iso8601_now();

  res.snapshot_id = cutover_snapshot(kernel, req.modules);
  if (res.snapshot_id) {
    SnapshotStore snapshots(state_dir);
    SnapshotSources targets;
    targets.state_dir = state_dir;
    targets.config_dir = req.config_dir;
    targets.output_dir = kernel.options().host.output_dir;
    // Verifies first and throws, changing nothing, when the snapshot is corrupted.
    RestoreResult restored = snapshots.restore(*res.snapshot_id, targets);
    res.restored_files = restored.changes.size();
  } else {
    res.note = "no cutover snapshot was recorded for these modules";
  }
  res.affected_runs = affected_runs(kernel, req.modules);
  for (const std::string& module : req.modules) {
    std::string error = kernel.set_module_routing(module, Routing{ModuleMode::v1, 0, {}},
                                                  "rollback: " + req.reason);
    if (!error.empty()) {
      spdlog::error("rollback {}: cannot route {} to V1: {}", res.id, module, error);
      continue;
    }
    res.modules.push_back(module);
  }
  res.report = state_dir / "rollbacks" / res.id / "rollback_report.md";

  NewTodo todo;
  todo.title = fmt::format("Rollback {} of {}: find and fix the cause ({})", res.id,
                           fmt::format("{}", fmt::join(req.modules, ", ")), req.reason);
  todo.detail = fmt::format("Read {} and follow 'What to do next'.", res.report.string());
  todo.source = "rollback";
  todo.module = req.modules.size() == 1 ? req.modules.front() : "";
  todo.link = res.report.string();
  res.todo_id = TodoList(state_dir).add(todo).id;
  write_report(res.report, req, res, when);

  for (const std::string& module : res.modules) {
    json data{{"rollback_id", res.id},
              {"reason", req.reason},
              {"automatic", req.automatic},
              {"target_month", req.target_month},
              {"snapshot_id", res.snapshot_id ? json(*res.snapshot_id) : json(nullptr)},
              {"report", res.report.string()},
              {"todo_id", res.todo_id},
              {"affected_runs", res.affected_runs.size()}};
    kernel.runs().append_event({0, when, "rollback", "", "", module, "", 0, data.dump()});
  }
  kernel.runs().sync();
  spdlog::warn("rollback {}: {} routed back to V1 ({}); report {}", res.id,
               fmt::format("{}", fmt::join(res.modules, ", ")), req.reason, res.report.string());
  return res;
}

}  // namespace agentsys::migration
