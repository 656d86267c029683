// agentsys preflight: check the whole configuration of an environment before anything runs.
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/cli.hpp"
#include "cli/command.hpp"
#include "config/preflight.hpp"
#include "migration/compare_checks.hpp"
#include "plugin/plugin_paths.hpp"

namespace agentsys::cli {
namespace po = boost::program_options;
using json = nlohmann::json;

namespace {

/// "; plugin folders: NAME (N files), ..." or "".
std::string folders_line(const json& folders) {
  std::vector<std::string> parts;
  for (const auto& [name, f] : folders.items()) {
    size_t n = f.value("files", size_t{0});
    parts.push_back(fmt::format("{} ({} file{})", name, n, n == 1 ? "" : "s"));
  }
  return parts.empty() ? "" : fmt::format("; plugin folders: {}", fmt::join(parts, ", "));
}

}  // namespace

int preflight(CommandContext& ctx) {
  bool as_json = false;
  po::options_description desc("Options");
  desc.add_options()("json", po::bool_switch(&as_json), "print {ok, problems, checked}");
  if (!ctx.parse(desc)) return 0;

  config::PreflightRequest request;
  request.config = config_request(ctx.global);
  request.checks.emplace_back(migration::check_compare_rules);
  request.plugin_dirs =
      plugin_search_path(ctx.global.plugin_dirs, std::getenv("AGENTSYS_PLUGIN_PATH"));
  {
    // The folders the plugins declare (also those of [plugins] dirs) before anything is read.
    PluginSet plugins;
    plugins.load(request.plugin_dirs);
    std::vector<config::Problem> ignored;  // reported by run_preflight's own load
    try {
      static_cast<void>(load_with_plugins(request.config, plugins, &ignored));
    } catch (const config::ConfigError& e) {
      throw UsageError(e.what());
    }
    request.config.domain_folders = domain_folders(plugins);
  }
  config::PreflightReport report;
  try {
    report = config::run_preflight(request);
  } catch (const config::ConfigError& e) {
    throw UsageError(e.what());
  }
  if (as_json) {
    json problems = json::array();
    for (const config::Problem& p : report.problems) problems.push_back(config::to_json(p));
    json doc = {{"ok", report.ok()}, {"problems", problems}, {"checked", report.checked}};
    ctx.out << doc.dump(2) << "\n";
    return report.ok() ? kExitOk : kExitRuntimeError;
  }
  const json& c = report.checked;
  if (report.ok()) {
    fmt::print(ctx.out,
               "preflight ok: environment {}: {} configuration files, {} schemas, {} plugins "
               "loaded, {} modules, {} routes, {} policy layers, {} directories writable{}\n",
               c["env"].get<std::string>(), c["files"].get<int>(), c["schemas"].size(),
               c["plugins"].get<int>(), c["modules"].size(), c["routes"].get<int>(),
               c["policy_layers"].get<int>(), c["directories"].size(), folders_line(c["folders"]));
    return kExitOk;
  }
  for (const config::Problem& p : report.problems) {
    fmt::print(ctx.out, "{}\n", config::format_problem(p));
  }
  fmt::print(ctx.err, "agentsys: error: preflight found {} problem{} in environment {} ({})\n",
             report.problems.size(), report.problems.size() == 1 ? "" : "s",
             c["env"].get<std::string>(), c["config_dir"].get<std::string>());
  return kExitRuntimeError;
}

}  // namespace agentsys::cli
