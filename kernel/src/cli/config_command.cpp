// agentsys config show: the effective configuration of an environment and where each value
// came from.
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/cli.hpp"
#include "cli/command.hpp"
#include "cli/table.hpp"
#include "config/config_paths.hpp"
#include "config/kernel_settings.hpp"
#include "config/problem.hpp"
#include "plugin/plugin_paths.hpp"

namespace agentsys::cli {
namespace po = boost::program_options;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

/// "/routes/0/id" -> "routes[0].id", "/runner/max_concurrency" -> "runner.max_concurrency".
std::string dotted(const std::string& pointer, const json& values) {
  std::vector<std::string> tokens;
  for (auto p = json::json_pointer(pointer); !p.empty(); p.pop_back()) {
    tokens.insert(tokens.begin(), p.back());
  }
  std::string out;
  const json* node = &values;
  for (const std::string& token : tokens) {
    if (node != nullptr && node->is_array()) {
      out += "[" + token + "]";
      size_t i = std::stoul(token);
      node = i < node->size() ? &(*node)[i] : nullptr;
    } else {
      out += (out.empty() ? "" : ".") + token;
      bool has = node != nullptr && node->is_object() && node->contains(token);
      node = has ? &(*node)[token] : nullptr;
    }
  }
  return out;
}

}  // namespace

config::ConfigRequest config_request(const GlobalOptions& global) {
  config::ConfigDirChoice choice = config::find_config_dir(global.config_dir);
  if (choice.dir.empty()) {
    std::vector<std::string> tried;
    for (const auto& t : choice.tried) tried.push_back(t.string());
    throw UsageError(
        fmt::format("no configuration directory found (looked for an env/ folder in {}): pass "
                    "--config-dir DIR or set AGENTSYS_CONFIG_DIR",
                    fmt::join(tried, ", ")));
  }
  config::ConfigRequest request;
  request.env = global.env;
  request.config_dir = choice.dir;
  request.overrides = global.overrides;
  if (global.state_dir_set) request.state_dir = global.state_dir;
  return request;
}

std::vector<config::DomainFolder> domain_folders(const PluginSet& plugins) {
  std::vector<config::DomainFolder> out;
  for (const DeclaredFolder& d : plugins.config_folders()) {
    out.push_back({d.folder.name, d.folder.schema_json, d.declared_by});
  }
  return out;
}

config::EffectiveConfig load_with_plugins(config::ConfigRequest request, PluginSet& plugins,
                                          std::vector<config::Problem>* problems) {
  auto load = [&] {
    request.domain_folders = domain_folders(plugins);
    return problems != nullptr ? config::load_config(request, *problems)
                               : config::load_config(request);
  };
  std::vector<config::Problem> first_problems;
  if (problems != nullptr) first_problems = *problems;
  config::EffectiveConfig config = load();
  // [plugins] dirs may hold plugins that declare folders of their own: read those too.
  std::vector<fs::path> extra;
  const nlohmann::json dirs = config.value("/plugins/dirs");  // outlives the loop
  for (const auto& dir : dirs) {
    if (dir.is_string()) extra.push_back(config::absolute_path(dir));
  }
  const size_t known = request.domain_folders.size();
  plugins.load(extra);
  if (plugins.config_folders().size() == known) return config;
  if (problems != nullptr) *problems = std::move(first_problems);
  return load();
}

config::EffectiveConfig load_effective_config(const GlobalOptions& global, std::ostream& err,
                                              PluginSet* plugins_out) {
  try {
    PluginSet plugins;
    plugins.load(plugin_search_path(global.plugin_dirs, std::getenv("AGENTSYS_PLUGIN_PATH")));
    config::EffectiveConfig config = load_with_plugins(config_request(global), plugins, nullptr);
    if (plugins_out != nullptr) *plugins_out = std::move(plugins);
    return config;
  } catch (const config::ConfigError& e) {
    if (e.kind() == config::ConfigError::Kind::usage) throw UsageError(e.what());
    for (const config::Problem& p : e.problems()) {
      fmt::print(err, "{}\n", config::format_problem(p));
    }
    throw RuntimeError(e.what());
  }
}

int config_show(CommandContext& ctx) {
  bool as_json = false;
  po::options_description desc("Options");
  desc.add_options()("json", po::bool_switch(&as_json),
                     "print {env, config_dir, values, sources, policy_layers}");
  if (!ctx.parse(desc)) return 0;

  config::EffectiveConfig config = load_effective_config(ctx.global, ctx.err);
  if (as_json) {
    json files = json::array();
    for (const auto& f : config.files()) files.push_back(f.display);
    json doc = {{"env", config.env()},
                {"config_dir", config.config_dir().string()},
                {"files", files},
                {"values", config.values()},
                {"sources", config.sources()},
                {"policy_layers", config.policy_layers()}};
    ctx.out << doc.dump(2) << "\n";
    return 0;
  }
  fmt::print(ctx.out, "environment {} from {}\n\n", config.env(), config.config_dir().string());
  Table table({"KEY", "VALUE", "SOURCE"});
  for (const auto& [pointer, source] : config.sources()) {
    table.add({dotted(pointer, config.values()), config.value(pointer).dump(), source});
  }
  table.print(ctx.out);
  if (!config.policy_layers().empty()) {
    ctx.out << "\npolicy layers (merged by the policy plugin, deny overrides):\n";
    for (const json& layer : config.policy_layers()) {
      fmt::print(ctx.out, "  {:<20} {}\n", layer.value("name", ""), layer.value("source", ""));
    }
  }
  return 0;
}

}  // namespace agentsys::cli
