#include "config/preflight.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <regex>
#include <set>

#include "config/config_layout.hpp"
#include "config/config_paths.hpp"
#include "config/dir_probe.hpp"
#include "config/plugin_checks.hpp"
#include "config/schema_validator.hpp"
#include "config/toml_to_json.hpp"
#include "host/call_frame.hpp"
#include "kernel.hpp"
#include "policy/policy_gate.hpp"

namespace agentsys::config {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

/// Every TOML file below the configuration directory that the loader did not read (other
/// environments, folders of later issues): it must parse and hold its folder's schema.
int check_other_files(const EffectiveConfig& config, std::vector<Problem>& problems) {
  const fs::path& dir = config.config_dir();
  std::set<fs::path> read;
  for (const ConfigFile& f : config.files()) read.insert(f.path);
  std::vector<Problem> ignored;  // schema problems were reported by the loader
  SchemaSet schemas = SchemaSet::load(dir / kSchemaFolder, ignored);
  add_folder_schemas(config.domain_folders(), schemas, ignored);
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".toml" && it->is_regular_file(ec)) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  std::set<std::string> missing_schema;
  for (const fs::path& file : files) {
    const ConfigFolder* folder = folder_of(file.lexically_relative(dir));
    if (folder != nullptr && !schemas.contains(folder->schema)) {
      // Reported once per folder, at its first file.
      if (missing_schema.insert(std::string(folder->schema)).second) {
        problems.push_back(
            {display_path(file), 0, 0, "", "schema.missing",
             fmt::format("no usable {} to check the files of {}/ against",
                         display_path(schema_file(dir, folder->schema)), folder->folder)});
      }
    }
    if (read.count(file) != 0) continue;
    std::string display = display_path(file);
    ParsedToml parsed = parse_toml_file(file, display);
    if (!parsed.ok) {
      problems.push_back(parsed.error);
      continue;
    }
    std::string schema = schema_of(file.lexically_relative(dir), schemas, config.domain_folders());
    if (!schema.empty()) {
      auto found =
          to_problems(schemas.validate(schema, parsed.document), display, &parsed.positions);
      problems.insert(problems.end(), found.begin(), found.end());
    }
  }
  return static_cast<int>(files.size());
}

std::vector<fs::path> plugin_dirs_of(const PreflightRequest& request,
                                     const EffectiveConfig& config) {
  std::vector<fs::path> dirs = request.plugin_dirs;
  json extra = config.value("/plugins/dirs");
  if (extra.is_array()) {
    for (const json& d : extra) {
      if (d.is_string()) dirs.emplace_back(d.get<std::string>());
    }
  }
  return dirs;
}

std::shared_ptr<PluginInstance> find_plugin(const Kernel& kernel, const std::string& name) {
  for (const auto& p : kernel.registry().plugins()) {
    if (p->descriptor().name == name) return p;
  }
  return nullptr;
}

void check_module_plugins(const EffectiveConfig& config, const Kernel& kernel,
                          std::vector<Problem>& problems) {
  json modules = config.value("/modules");
  if (!modules.is_object()) return;
  for (const auto& [module, settings] : modules.items()) {
    if (!settings.is_object()) continue;
    std::string base = pointer_append("/modules", module);
    for (as_impl impl : {AS_IMPL_V1, AS_IMPL_V2}) {
      std::string key = fmt::format("{}_plugin", to_string(impl));
      std::string at = pointer_append(base, key);
      if (!settings.contains(key) || !settings[key].is_string()) continue;
      std::string name = settings[key];
      std::shared_ptr<PluginInstance> plugin = find_plugin(kernel, name);
      if (!plugin) {
        auto refused =
            std::find_if(kernel.refusals().begin(), kernel.refusals().end(),
                         [&](const PluginRefusal& r) { return r.file.stem().string() == name; });
        std::string why =
            refused != kernel.refusals().end()
                ? fmt::format("plugin '{}' does not load: {} ({})", name, refused->reason,
                              refused->file.string())
                : fmt::format(
                      "no plugin '{}' in the plugin search path (build it, or add its "
                      "directory with --plugin-dir or [plugins] dirs)",
                      name);
        problems.push_back(config.problem_at(at, "module.plugin_loads", why));
        continue;
      }
      const PluginDescriptor& d = plugin->descriptor();
      std::string wrong;
      if (d.kind != AS_PLUGIN_KIND_DOMAIN) {
        wrong =
            fmt::format("plugin '{}' is a {} plugin, not a domain plugin", name, to_string(d.kind));
      } else if (d.impl != impl) {
        wrong = fmt::format("plugin '{}' implements {}, not {}: name it as {}_plugin", name,
                            to_string(d.impl), to_string(impl), to_string(d.impl));
      } else if (std::find(d.modules.begin(), d.modules.end(), module) == d.modules.end()) {
        wrong = fmt::format("plugin '{}' serves {}, not module '{}'", name,
                            d.modules.empty() ? std::string("no module")
                                              : fmt::format("{}", fmt::join(d.modules, ", ")),
                            module);
      }
      if (!wrong.empty()) problems.push_back(config.problem_at(at, "module.plugin_serves", wrong));
    }
    if (settings.contains("mode") && settings["mode"].is_string()) {
      std::string mode = settings["mode"];
      for (std::string needed : {"v1", "v2"}) {
        if ((mode == needed || mode == "shadow") && !settings.contains(needed + "_plugin")) {
          problems.push_back(
              config.problem_at(pointer_append(base, "mode"), "module.mode",
                                fmt::format("mode is {} but no {}_plugin is named for module '{}'",
                                            mode, needed, module)));
        }
      }
    }
  }
}

void check_routes(const EffectiveConfig& config, const Kernel& kernel,
                  std::vector<Problem>& problems) {
  json routes = config.value("/routes");
  if (!routes.is_array()) return;
  json modules = config.value("/modules");
  std::map<std::string, std::string> ids;  // id -> where first defined
  for (size_t i = 0; i < routes.size(); ++i) {
    const json& r = routes[i];
    if (!r.is_object()) continue;
    std::string at = pointer_append("/routes", std::to_string(i));
    if (r.contains("id") && r["id"].is_string()) {
      std::string id = r["id"];
      std::string here = config.source_of(pointer_append(at, "id"));
      if (auto [it, fresh] = ids.emplace(id, here); !fresh) {
        problems.push_back(
            config.problem_at(pointer_append(at, "id"), "route.id_unique",
                              fmt::format("route id '{}' is already used at {}", id, it->second)));
      }
    }
    if (r.contains("match") && r["match"].is_string()) {
      try {
        std::regex compiled(r["match"].get<std::string>());
        static_cast<void>(compiled);
      } catch (const std::regex_error& e) {
        problems.push_back(config.problem_at(
            pointer_append(at, "match"), "route.pattern",
            fmt::format("not a valid ECMAScript regular expression: {}", e.what())));
      }
    }
    if (r.contains("module") && r["module"].is_string()) {
      std::string module = r["module"];
      bool configured = modules.is_object() && modules.contains(module);
      if (!configured && !kernel.registry().binding(module)) {
        problems.push_back(config.problem_at(
            pointer_append(at, "module"), "route.module_exists",
            fmt::format("no module '{}': not in config/modules and served by no loaded plugin",
                        module)));
      }
    }
  }
}

/// Where a problem the policy plugin found is: its layer's file, and for a module file's
/// layer the pointer below that file's [policy] table.
Problem locate_policy_problem(const EffectiveConfig& config, const json& p) {
  Problem out;
  out.file = p.value("source", "");
  out.path = p.value("path", "");
  std::string rule = p.value("rule", "invalid");
  out.rule = rule.rfind("policy", 0) == 0 ? rule : "policy." + rule;
  out.message = p.value("message", "");
  if (const ConfigFile* f = config.file(out.file)) {
    std::string in_file = out.path;
    for (const json& layer : config.policy_layers()) {
      if (layer.value("source", "") == out.file &&
          layer.value("name", "").rfind("module:", 0) == 0) {
        in_file = "/policy" + out.path;
      }
    }
    SourcePos pos = f->positions.locate(in_file);
    out.line = pos.line;
    out.column = pos.column;
  }
  return out;
}

void check_policy(const EffectiveConfig& config, const Kernel& kernel,
                  std::vector<Problem>& problems) {
  if (config.policy_layers().empty()) return;
  std::shared_ptr<PluginInstance> policy;
  for (const auto& p : kernel.registry().plugins()) {
    if (p->descriptor().kind == AS_PLUGIN_KIND_POLICY) policy = p;
  }
  std::string first = config.policy_layers()[0].value("source", "");
  if (!policy) {
    problems.push_back({first, 0, 0, "", "policy.plugin_missing",
                        "no policy plugin is loaded, so the policy files cannot be checked (and "
                        "nothing could be allowed): build plugins/policy or add its directory "
                        "with --plugin-dir"});
    return;
  }
  std::string input = config.policy_config().dump();
  CallSpec spec;
  spec.module = "";
  spec.action = "validate";
  spec.input_json = input;
  CallFrame frame(spec);
  InvokeOutcome out = policy->invoke(frame);
  json result = out.status == AS_OK ? json::parse(out.output, nullptr, false) : json();
  if (!result.is_object() || !result.contains("ok")) {
    problems.push_back(
        {first, 0, 0, "", "policy.validate",
         fmt::format("the policy plugin '{}' could not check the policy: {}",
                     policy->descriptor().name,
                     out.status == AS_OK ? "its answer is not {\"ok\": ...}" : out.error)});
    return;
  }
  if (result.contains("problems") && result["problems"].is_array()) {
    for (const json& p : result["problems"]) {
      if (p.is_object()) problems.push_back(locate_policy_problem(config, p));
    }
  }
}

/// What the plugins' configuration names (SQL, commands, ...) against the policy, when the
/// policy itself is usable (loaded, valid).
void check_named_policy(const EffectiveConfig& config, Kernel& kernel, size_t problems_before,
                        const std::vector<json>& questions, std::vector<Problem>& problems) {
  bool policy_broken =
      std::any_of(problems.begin() + static_cast<std::ptrdiff_t>(problems_before), problems.end(),
                  [](const Problem& p) { return p.rule.rfind("policy.", 0) == 0; });
  if (policy_broken || config.policy_layers().empty() || questions.empty()) return;
  try {
    PolicyGate gate(kernel.registry(), nullptr, config.policy_config());
    check_policy_questions(config, gate, questions, problems);
  } catch (const std::exception& e) {
    problems.push_back({"", 0, 0, "", "policy.check",
                        fmt::format("what the configuration names could not be checked against "
                                    "the policy: {}",
                                    e.what())});
  }
}

/// {FOLDER: {"files": N, "declared_by": [plugins]}} of the plugins' folders.
json folder_summary(const EffectiveConfig& config) {
  json out = json::object();
  for (const DomainFolder& f : config.domain_folders()) {
    size_t files = std::count_if(config.files().begin(), config.files().end(),
                                 [&](const ConfigFile& c) { return c.layer == f.name; });
    out[f.name] = {{"files", files}, {"declared_by", f.declared_by}};
  }
  return out;
}

json check_directories(const EffectiveConfig& config, std::vector<Problem>& problems) {
  json checked = json::array();
  for (const char* pointer : {"/kernel/state_dir", "/output/dir"}) {
    json dir = config.value(pointer);
    if (!dir.is_string() || dir.get<std::string>().empty()) continue;
    checked.push_back(dir);
    if (std::string why = probe_writable(dir.get<std::string>()); !why.empty()) {
      problems.push_back(config.problem_at(pointer, "dir.writable", why));
    }
  }
  return checked;
}

}  // namespace

PreflightReport run_preflight(const PreflightRequest& request) {
  PreflightReport report;
  EffectiveConfig config = load_config(request.config, report.problems);
  int files = check_other_files(config, report.problems);

  KernelOptions options;
  options.read_only = true;
  options.plugin_dirs = plugin_dirs_of(request, config);
  json state_dir = config.value("/kernel/state_dir");
  if (state_dir.is_string()) options.state_dir = state_dir.get<std::string>();
  Kernel kernel(std::move(options));

  check_module_plugins(config, kernel, report.problems);
  check_routes(config, kernel, report.problems);
  PluginCheckResult contributed =
      check_plugin_config(config, kernel.registry().plugins(), report.problems);
  for (const ConfigCheck& check : request.checks) check(config, report.problems);
  size_t before_policy = report.problems.size();
  check_policy(config, kernel, report.problems);
  check_named_policy(config, kernel, before_policy, contributed.policy_checks, report.problems);
  json directories = check_directories(config, report.problems);
  sort_problems(report.problems);

  std::vector<Problem> ignored;
  json modules = json::array();
  // value() returns a copy: keep it alive for the whole loop.
  if (const json configured = config.value("/modules"); configured.is_object()) {
    for (const auto& [name, v] : configured.items()) modules.push_back(name);
  }
  json refused = json::array();
  for (const PluginRefusal& r : kernel.refusals()) {
    refused.push_back({{"file", r.file.string()}, {"reason", r.reason}});
  }
  json dirs = json::array();
  for (const fs::path& d : kernel.options().plugin_dirs) dirs.push_back(d.string());
  report.checked = {
      {"env", config.env()},
      {"config_dir", config.config_dir().string()},
      {"files", files},
      {"schemas", SchemaSet::load(config.config_dir() / kSchemaFolder, ignored).names()},
      {"plugins", kernel.registry().plugins().size()},
      {"plugin_dirs", dirs},
      {"refused_plugins", refused},
      {"modules", modules},
      {"routes", config.value("/routes").is_array() ? config.value("/routes").size() : 0},
      {"policy_layers", config.policy_layers().size()},
      {"folders", folder_summary(config)},
      {"directories", directories},
  };
  for (const auto& [key, value] : contributed.summary.items()) {
    if (!report.checked.contains(key)) report.checked[key] = value;
  }
  return report;
}

}  // namespace agentsys::config
