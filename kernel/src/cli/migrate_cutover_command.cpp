// agentsys migrate cutover: snapshot, check the red lines, then route N% of a domain's tasks to
// V2 (scripts/migration/v2_cutover.sh wraps it).
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/command.hpp"
#include "cli/migrate_support.hpp"
#include "migration/migration_extension.hpp"
#include "migration/red_lines.hpp"
#include "migration/snapshot.hpp"
#include "util/time.hpp"

namespace agentsys::cli {
namespace po = boost::program_options;
using json = nlohmann::ordered_json;

int migrate_cutover(CommandContext& ctx) {
  MigrateArgs args;
  int percent = -1;
  po::options_description desc("Options");
  add_migrate_options(desc, args);
  desc.add_options()("percent", po::value<int>(&percent),
                     "the share of tasks V2 serves, 0..100 (required)");
  if (!ctx.parse(desc)) return 0;
  check_migrate_args("migrate cutover", args);
  if (percent == -1) throw UsageError("migrate cutover: missing --percent N (0..100)");
  if (percent < 0 || percent > 100) {
    throw UsageError(fmt::format("migrate cutover: --percent must be 0..100, got {}", percent));
  }

  config::EffectiveConfig config = load_effective_config(ctx.global, ctx.err);
  std::vector<std::string> modules = select_modules("migrate cutover", config, args);
  std::unique_ptr<Kernel> kernel = ctx.make_kernel(false, true);
  Progress progress(ctx, args.json);

  // 1. The red lines, evaluated without acting: a module that would be rolled back at once is
  //    not cut over.
  json refused = json::array();
  std::vector<std::string> ready;
  for (const std::string& module : modules) {
    std::optional<ModuleBinding> b = kernel->registry().binding(module);
    if (!b || !b->v1 || !b->v2) {
      refused.push_back({{"module", module}, {"reason", "it needs both a V1 and a V2 plugin"}});
      continue;
    }
    migration::RedLineReport report = migration::evaluate_red_lines(
        *kernel, module, args.target_month, migration::migration_of(*kernel).settings().red_lines);
    std::vector<std::string> why;
    for (const migration::RedLine& l : report.lines) {
      if (l.triggered) why.push_back(l.name + ": " + l.evidence);
      if (l.name == "reconciliation_failure" && !l.triggered &&
          l.evidence.rfind("no shadow run", 0) == 0) {
        why.push_back("no shadow run: run bash scripts/migration/v2_shadow_run.sh --target-month " +
                      args.target_month + " first");
      }
    }
    progress.line(fmt::format("{}: {}", module, why.empty() ? "red lines clear" : why.front()));
    if (!why.empty()) {
      refused.push_back({{"module", module}, {"reason", fmt::format("{}", fmt::join(why, "; "))}});
    } else {
      ready.push_back(module);
    }
  }
  if (!refused.empty()) {
    if (args.json) {
      ctx.out << json{{"target_month", args.target_month},
                      {"percent", percent},
                      {"cut_over", json::array()},
                      {"refused", refused}}
                     .dump(2)
              << "\n";
    }
    std::string lines;
    for (const auto& r : refused) {
      lines +=
          fmt::format("\n  {}: {}", r["module"].get<std::string>(), r["reason"].get<std::string>());
    }
    throw RuntimeError("migrate cutover: refused, nothing changed:" + lines);
  }

  // 2. The snapshot (required): configuration, outputs and scheduler state.
  migration::SnapshotSources sources;
  sources.state_dir = kernel->options().host.state_dir;
  sources.config_dir = config.config_dir();
  sources.scheduler_modules = migration::migratable_modules(config.values());
  sources.output_dir = kernel->options().host.output_dir;
  migration::SnapshotInfo snap;
  try {
    snap = migration::SnapshotStore(sources.state_dir)
               .create(sources, fmt::format("cutover {} to {}% ({})", args.target_month, percent,
                                            fmt::join(ready, ", ")));
  } catch (const std::exception& e) {
    throw RuntimeError(fmt::format(
        "migrate cutover: refused, nothing changed: the snapshot could not be taken: {}",
        e.what()));
  }
  progress.line(fmt::format("snapshot {}: {} files", snap.id, snap.files));

  // 3. Route.
  json done = json::array();
  for (const std::string& module : ready) {
    std::optional<ModuleBinding> before = kernel->registry().binding(module);
    std::string error = kernel->set_module_routing(
        module, Routing{ModuleMode::cutover, static_cast<unsigned>(percent), {}},
        fmt::format("cutover {} (snapshot {})", args.target_month, snap.id));
    if (!error.empty()) throw RuntimeError("migrate cutover: " + error);
    nlohmann::json data{{"snapshot_id", snap.id},
                        {"percent", percent},
                        {"target_month", args.target_month},
                        {"from", before->routing().label()}};
    kernel->runs().append_event({0, iso8601_now(), "cutover", "", "", module, "", 0, data.dump()});
    done.push_back({{"module", module},
                    {"from", before->routing().label()},
                    {"to", fmt::format("cutover {}%", percent)}});
  }
  kernel->runs().sync();

  if (args.json) {
    ctx.out << json{{"target_month", args.target_month},
                    {"percent", percent},
                    {"snapshot",
                     {{"id", snap.id}, {"dir", snap.dir.string()}, {"files", snap.files}}},
                    {"cut_over", done},
                    {"refused", refused}}
                   .dump(2)
            << "\n";
  } else {
    fmt::print(ctx.out, "cutover {}: {}% of tasks to V2\n", args.target_month, percent);
    for (const auto& d : done) {
      fmt::print(ctx.out, "  {}: {} -> {}\n", d["module"].get<std::string>(),
                 d["from"].get<std::string>(), d["to"].get<std::string>());
    }
    fmt::print(ctx.out,
               "snapshot {} ({} files): {}\nrecords: mode_changed and cutover events "
               "(agentsys events)\nrollback: bash scripts/migration/v2_rollback.sh "
               "--target-month {} --reason \"output_mismatch\"\n",
               snap.id, snap.files, snap.dir.string(), args.target_month);
  }
  return finish(ctx, *kernel, 0);
}

}  // namespace agentsys::cli
