// agentsys migrate rollback (scripts/migration/v2_rollback.sh) and agentsys migrate redlines:
// route modules back to V1 restoring the cutover's snapshot, by an operator's decision or
// because a red line triggered.
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/command.hpp"
#include "cli/migrate_support.hpp"
#include "migration/migration_extension.hpp"
#include "migration/red_lines.hpp"
#include "migration/rollback.hpp"

namespace agentsys::cli {
namespace po = boost::program_options;
using json = nlohmann::ordered_json;

namespace {

json red_lines_json(const migration::RedLineReport& r) {
  json lines = json::array();
  for (const migration::RedLine& l : r.lines) {
    lines.push_back({{"red_line", l.name},
                     {"triggered", l.triggered},
                     {"evidence", l.evidence},
                     {"runs", l.runs}});
  }
  return {{"module", r.module},
          {"armed", r.armed},
          {"armed_why", r.armed_why},
          {"triggered", r.triggered()},
          {"red_lines", lines}};
}

void print_red_lines(std::ostream& out, const migration::RedLineReport& r) {
  fmt::print(out, "{}: {} ({})\n", r.module, r.triggered() ? "RED LINE" : "clear",
             r.armed ? "armed: " + r.armed_why : "not armed: " + r.armed_why);
  for (const migration::RedLine& l : r.lines) {
    fmt::print(out, "  {} {:<24} {}\n", l.triggered ? "x" : "-", l.name, l.evidence);
  }
}

json rollback_json(const migration::RollbackResult& r) {
  return {{"rollback_id", r.id},
          {"modules", r.modules},
          {"snapshot_id", r.snapshot_id ? json(*r.snapshot_id) : json(nullptr)},
          {"restored_files", r.restored_files},
          {"affected_runs", r.affected_runs.size()},
          {"report", r.report.string()},
          {"todo_id", r.todo_id},
          {"note", r.note}};
}

void print_rollback(std::ostream& out, const migration::RollbackResult& r) {
  fmt::print(out, "rolled back {} to V1 (rollback {})\n", fmt::join(r.modules, ", "), r.id);
  fmt::print(out, "  snapshot: {}\n",
             r.snapshot_id
                 ? fmt::format("{} restored ({} file changes)", *r.snapshot_id, r.restored_files)
                 : "none restored: " + r.note);
  fmt::print(out, "  affected V2 runs: {}\n  report: {}\n  to-do: #{} (agentsys todo list)\n",
             r.affected_runs.size(), r.report.string(), r.todo_id);
}

/// The selected modules that V2 serves at least partly (cutover, v2) or shadows.
std::vector<std::string> off_v1(Kernel& kernel, const std::vector<std::string>& modules) {
  std::vector<std::string> out;
  for (const std::string& m : modules) {
    std::optional<ModuleBinding> b = kernel.registry().binding(m);
    if (b && b->v1 && b->mode() != ModuleMode::v1) out.push_back(m);
  }
  return out;
}

}  // namespace

int migrate_rollback(CommandContext& ctx) {
  MigrateArgs args;
  std::string reason;
  bool dry_run = false;
  po::options_description desc("Options");
  add_migrate_options(desc, args);
  desc.add_options()("reason", po::value<std::string>(&reason),
                     "why, as a reason code (output_mismatch, key_output_failure, ...), "
                     "optionally followed by ': details' (required)")(
      "dry-run", po::bool_switch(&dry_run),
      "print what would be rolled back and the red lines' evidence; change nothing");
  if (!ctx.parse(desc)) return 0;
  check_migrate_args("migrate rollback", args);
  if (reason.empty()) throw UsageError("migrate rollback: missing --reason CODE");
  if (std::string problem = migration::reason_problem(reason); !problem.empty()) {
    throw UsageError("migrate rollback: --reason: " + problem);
  }
  config::EffectiveConfig config = load_effective_config(ctx.global, ctx.err);
  std::vector<std::string> modules = select_modules("migrate rollback", config, args);
  std::unique_ptr<Kernel> kernel = ctx.make_kernel(false, true);
  std::vector<std::string> targets = off_v1(*kernel, modules);

  json evidence = json::array();
  std::string evidence_md;
  for (const std::string& m : targets) {
    migration::RedLineReport r = migration::evaluate_red_lines(
        *kernel, m, args.target_month, migration::migration_of(*kernel).settings().red_lines);
    evidence.push_back(red_lines_json(r));
    evidence_md += r.evidence_markdown();
    if (dry_run && !args.json) print_red_lines(ctx.out, r);
  }
  if (targets.empty()) {
    if (args.json) {
      ctx.out << json{{"rolled_back", nullptr}, {"note", "every module is on V1"}}.dump(2) << "\n";
    } else {
      fmt::print(ctx.out, "nothing to roll back: {} on V1\n", fmt::join(modules, ", "));
    }
    return finish(ctx, *kernel, 0);
  }
  std::optional<std::string> snapshot = migration::cutover_snapshot(*kernel, targets);
  if (dry_run) {
    if (args.json) {
      ctx.out << json{{"dry_run", true},
                      {"would_roll_back", targets},
                      {"reason", reason},
                      {"snapshot_id", snapshot ? json(*snapshot) : json(nullptr)},
                      {"evidence", evidence}}
                     .dump(2)
              << "\n";
    } else {
      fmt::print(ctx.out, "would roll back {} to V1 ({}), restoring snapshot {}\n",
                 fmt::join(targets, ", "), reason, snapshot ? *snapshot : "(none recorded)");
    }
    return finish(ctx, *kernel, 0);
  }
  migration::RollbackRequest req;
  req.modules = targets;
  req.target_month = args.target_month;
  req.reason = reason;
  req.evidence = evidence_md;
  req.config_dir = config.config_dir();
  migration::RollbackResult result;
  try {
    result = migration::roll_back(*kernel, req);
  } catch (const std::exception& e) {
    throw RuntimeError(fmt::format("migrate rollback: {}", e.what()));
  }
  if (args.json) {
    ctx.out << rollback_json(result).dump(2) << "\n";
  } else {
    print_rollback(ctx.out, result);
  }
  return finish(ctx, *kernel, 0);
}

int migrate_redlines(CommandContext& ctx) {
  MigrateArgs args;
  bool dry_run = false;
  po::options_description desc("Options");
  add_migrate_options(desc, args);
  desc.add_options()("dry-run", po::bool_switch(&dry_run),
                     "evaluate and print \"would roll back\" with the evidence; change nothing");
  if (!ctx.parse(desc)) return 0;
  check_migrate_args("migrate redlines", args);
  config::EffectiveConfig config = load_effective_config(ctx.global, ctx.err);
  std::vector<std::string> modules = select_modules("migrate redlines", config, args);
  std::unique_ptr<Kernel> kernel = ctx.make_kernel(false, true);

  json red_line_reports = json::array();
  json rollbacks = json::array();
  for (const std::string& m : modules) {
    migration::RedLineReport r = migration::evaluate_red_lines(
        *kernel, m, args.target_month, migration::migration_of(*kernel).settings().red_lines);
    red_line_reports.push_back(red_lines_json(r));
    if (!args.json) print_red_lines(ctx.out, r);
    if (!r.triggered()) continue;
    std::string reason;
    for (const migration::RedLine& l : r.lines) {
      if (l.triggered && reason.empty()) reason = migration::rollback_reason(l.name);
    }
    if (dry_run) {
      if (!args.json) fmt::print(ctx.out, "would roll back {} ({})\n", m, reason);
      continue;
    }
    migration::RollbackRequest req;
    req.modules = {m};
    req.target_month = args.target_month;
    req.reason = reason;
    req.automatic = true;
    req.evidence = r.evidence_markdown();
    req.config_dir = config.config_dir();
    migration::RollbackResult result = migration::roll_back(*kernel, req);
    rollbacks.push_back(rollback_json(result));
    if (!args.json) print_rollback(ctx.out, result);
  }
  if (args.json) {
    ctx.out << json{{"dry_run", dry_run}, {"modules", red_line_reports}, {"rollbacks", rollbacks}}
                   .dump(2)
            << "\n";
  }
  return finish(ctx, *kernel, 0);
}

}  // namespace agentsys::cli
