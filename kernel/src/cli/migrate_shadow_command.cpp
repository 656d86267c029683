// agentsys migrate shadow: run a domain's modules in shadow mode for a target month and print
// the reconciliation (scripts/migration/v2_shadow_run.sh wraps it).
#include <fmt/format.h>
#include <fmt/ostream.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/command.hpp"
#include "cli/migrate_support.hpp"
#include "cli/table.hpp"
#include "migration/migration_cases.hpp"

namespace agentsys::cli {
namespace po = boost::program_options;
using json = nlohmann::ordered_json;

int migrate_shadow(CommandContext& ctx) {
  MigrateArgs args;
  po::options_description desc("Options");
  add_migrate_options(desc, args);
  if (!ctx.parse(desc)) return 0;
  check_migrate_args("migrate shadow", args);

  config::EffectiveConfig config = load_effective_config(ctx.global, ctx.err);
  std::vector<std::string> modules = select_modules("migrate shadow", config, args);
  std::unique_ptr<Kernel> kernel = ctx.make_kernel(false, true);
  Progress progress(ctx, args.json);

  json skipped = json::array();
  std::vector<TaskSpec> tasks;
  std::vector<std::pair<std::string, std::string>> labels;  // module, case
  for (const std::string& module : modules) {
    std::optional<ModuleBinding> b = kernel->registry().binding(module);
    std::string why;
    if (!b) {
      why = "no plugin serves it";
    } else if (!b->v1 || !b->v2) {
      why = fmt::format("it has no {} plugin: a shadow run needs both", b->v1 ? "V2" : "V1");
    } else if (b->mode() == ModuleMode::cutover || b->mode() == ModuleMode::v2) {
      why = fmt::format(
          "it is in {}: a shadow run compares V1 with V2 before cutover (roll back first: "
          "bash scripts/migration/v2_rollback.sh)",
          b->routing().label());
    }
    if (!why.empty()) {
      skipped.push_back({{"module", module}, {"reason", why}});
      progress.line(fmt::format("{}: skipped, {}", module, why));
      continue;
    }
    if (b->mode() != ModuleMode::shadow) {
      std::string error = kernel->set_module_routing(module, Routing{ModuleMode::shadow, 0, {}},
                                                     "shadow run " + args.target_month);
      if (!error.empty()) throw RuntimeError("migrate shadow: " + error);
    }
    for (const migration::MigrationCase& c : cases_or_throw(config, module, args.target_month)) {
      TaskSpec t;
      t.module = module;
      t.input_json = c.input.dump();
      tasks.push_back(std::move(t));
      labels.emplace_back(module, c.id);
    }
  }
  progress.line(fmt::format("shadow run {}: {} task(s) on {} module(s)", args.target_month,
                            tasks.size(), modules.size() - skipped.size()));

  std::vector<Submission> subs = kernel->runner().submit_batch(std::move(tasks));
  std::vector<RunResult> results;
  for (size_t i = 0; i < subs.size(); ++i) {
    results.push_back(subs[i].result.get());
    const RunResult& r = results.back();
    progress.line(fmt::format("  {} {}: V1 {} in {:.0f} ms", labels[i].first, labels[i].second,
                              to_string(r.status), r.latency_ms));
  }
  progress.line("waiting for V2 and the comparisons...");
  kernel->runner().wait_idle();  // every shadow pair compared

  ShadowReport report = collect_shadow_report(*kernel, results, labels);
  json doc{{"target_month", args.target_month},
           {"modules", report.modules},
           {"runs", report.runs},
           {"skipped", skipped},
           {"reconcile_dir", reconcile_month_dir(*kernel, args.target_month).string()},
           {"verdict", report.verdict}};
  if (args.json) {
    ctx.out << doc.dump(2) << "\n";
  } else {
    print_shadow_report(ctx.out, report, args.target_month);
    for (const auto& s : skipped) {
      fmt::print(ctx.out, "skipped {}: {}\n", s["module"].get<std::string>(),
                 s["reason"].get<std::string>());
    }
    const std::string dir = reconcile_month_dir(*kernel, args.target_month).string();
    if (report.verdict == "block") {
      fmt::print(ctx.out,
                 "records: {}\nnext: a block difference refuses cutover: read the differences "
                 "(agentsys reconcile show --target-month {}), fix V2 or the comparison rules, "
                 "then run the shadow again\n",
                 dir, args.target_month);
    } else {
      fmt::print(
          ctx.out,
          "records: {}\nnext: agentsys reconcile show --target-month {}; when it is "
          "consistent, bash scripts/migration/v2_cutover.sh --target-month {} --percent 20\n",
          dir, args.target_month, args.target_month);
    }
  }
  const bool ok = report.verdict != "block" && skipped.empty();
  return finish(ctx, *kernel, ok ? 0 : 1);
}

}  // namespace agentsys::cli
