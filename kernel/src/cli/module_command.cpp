// agentsys module list | set
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/command.hpp"
#include "cli/table.hpp"

namespace agentsys::cli {
namespace po = boost::program_options;
using json = nlohmann::ordered_json;

namespace {

std::string label(const std::shared_ptr<PluginInstance>& p) {
  return p ? fmt::format("{}@{}", p->descriptor().name, p->descriptor().version) : "-";
}

json plugin_json(const std::shared_ptr<PluginInstance>& p) {
  if (!p) return nullptr;
  return json{{"plugin", p->descriptor().name}, {"version", p->descriptor().version}};
}

}  // namespace

int module_list(CommandContext& ctx) {
  bool as_json = false;
  po::options_description desc("Options");
  desc.add_options()("json", po::bool_switch(&as_json), "print JSON");
  if (!ctx.parse(desc)) return 0;

  std::unique_ptr<Kernel> kernel = ctx.make_kernel(true);
  auto bindings = kernel->registry().bindings();
  std::map<std::string, ModuleHealth> health;
  std::error_code ec;
  if (std::filesystem::exists(StateStore::database_path(kernel->options().state_dir), ec)) {
    health = kernel->runs().health();
  }
  if (as_json) {
    json doc = json::array();
    for (const ModuleBinding& b : bindings) {
      doc.push_back(
          {{"module", b.module},
           {"mode", to_string(b.mode())},
           {"percent", b.mode() == ModuleMode::cutover ? json(b.routing().percent) : json(nullptr)},
           {"mode_source", b.explicit_routing ? "set" : "default"},
           {"paused", health[b.module].paused},
           {"paused_reason",
            health[b.module].paused ? json(health[b.module].paused_reason) : json(nullptr)},
           {"consecutive_failures", health[b.module].consecutive_failures},
           {"v1", plugin_json(b.v1)},
           {"v2", plugin_json(b.v2)}});
    }
    ctx.out << doc.dump(2) << "\n";
    return 0;
  }
  Table table({"MODULE", "MODE", "V1", "V2", "STATE"});
  for (const ModuleBinding& b : bindings) {
    const ModuleHealth& h = health[b.module];
    table.add({b.module,
               fmt::format("{}{}", b.routing().label(), b.explicit_routing ? "" : " (default)"),
               label(b.v1), label(b.v2),
               h.paused ? "paused: " + h.paused_reason
                        : fmt::format("active ({} consecutive failures)", h.consecutive_failures)});
  }
  table.print(ctx.out);
  return 0;
}

int module_set(CommandContext& ctx) {
  std::string module;
  std::string mode_text;
  int percent = -1;
  std::string reason;
  po::options_description desc("Options");
  desc.add_options()("module", po::value<std::string>(&module), "the module id")(
      "mode", po::value<std::string>(&mode_text),
      "v1 (legacy wrapper), v2 (native plugin), shadow (V1 serves, V2 runs beside it and is "
      "compared) or cutover (--percent of tasks to V2)")(
      "percent", po::value<int>(&percent),
      "cutover: the share of tasks V2 serves, 0..100 (a stable hash of each task's idempotency "
      "key decides, so raising it only moves tasks to V2)")(
      "reason", po::value<std::string>(&reason), "recorded with the mode_changed event");
  po::positional_options_description pos;
  pos.add("module", 1);
  if (!ctx.parse(desc, pos)) return 0;
  if (module.empty()) throw UsageError("module set: missing MODULE (usage: " + ctx.usage + ")");
  if (mode_text.empty()) throw UsageError("module set: missing --mode v1|v2|shadow|cutover");
  std::optional<ModuleMode> mode = parse_module_mode(mode_text);
  if (!mode) {
    throw UsageError(fmt::format(
        "module set: unknown mode '{}': expected v1, v2, shadow or cutover", mode_text));
  }
  if (*mode == ModuleMode::cutover && percent < 0) {
    throw UsageError("module set: --mode cutover needs --percent N (0..100)");
  }
  if (*mode != ModuleMode::cutover && percent >= 0) {
    throw UsageError("module set: --percent only applies to --mode cutover");
  }
  if (percent > 100) {
    throw UsageError(fmt::format("module set: --percent must be 0..100, got {}", percent));
  }

  std::unique_ptr<Kernel> kernel = ctx.make_kernel(false);
  std::optional<ModuleBinding> before = kernel->registry().binding(module);
  Routing routing{*mode, *mode == ModuleMode::cutover ? static_cast<unsigned>(percent) : 0U, {}};
  std::string error = kernel->set_module_routing(module, routing, reason);
  if (!error.empty()) throw UsageError("module set: " + error);
  fmt::print(ctx.out, "module {}: mode {} -> {} (state: {})\n", module,
             before ? before->routing().label() : "-", routing.label(),
             StateStore::database_path(kernel->options().state_dir).string());
  return 0;
}

}  // namespace agentsys::cli

namespace agentsys::cli {

int module_resume(CommandContext& ctx) {
  std::string module;
  po::options_description desc("Options");
  desc.add_options()("module", po::value<std::string>(&module), "the module id");
  po::positional_options_description pos;
  pos.add("module", 1);
  if (!ctx.parse(desc, pos)) return 0;
  if (module.empty()) throw UsageError("module resume: missing MODULE (usage: " + ctx.usage + ")");
  std::unique_ptr<Kernel> kernel = ctx.make_kernel(false);
  if (!kernel->registry().binding(module)) {
    throw UsageError(
        fmt::format("module resume: unknown module '{}' (see 'agentsys module list')", module));
  }
  auto health = kernel->runs().health();
  bool was_paused = health[module].paused;
  kernel->runner().resume_module(module);
  fmt::print(ctx.out, "module {}: {}\n", module,
             was_paused ? "resumed (failure count reset)" : "was not paused; failure count reset");
  return 0;
}

}  // namespace agentsys::cli
