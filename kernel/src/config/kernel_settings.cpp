#include "config/kernel_settings.hpp"

#include <cmath>

namespace agentsys::config {
namespace fs = std::filesystem;
using json = nlohmann::json;

fs::path absolute_path(const json& value) {
  std::error_code ec;
  fs::path p = value.is_string() ? fs::path(value.get<std::string>()) : fs::path();
  return (p.is_absolute() ? p : fs::current_path(ec) / p).lexically_normal();
}

namespace {

std::chrono::milliseconds seconds_to_ms(double seconds) {
  return std::chrono::milliseconds(std::max<int64_t>(1, std::llround(seconds * 1000)));
}

/// Replaces ${NAME} in every string of `value` with the policy's placeholder values
/// (state_dir, output_dir, config_dir, repo_root, home); unknown names stay as they are.
void expand_vars(json& value, const json& vars) {
  if (value.is_string()) {
    std::string text = value.get<std::string>();
    for (const auto& [name, v] : vars.items()) {
      if (!v.is_string()) continue;
      const std::string token = "${" + name + "}";
      for (size_t at = text.find(token); at != std::string::npos;
           at = text.find(token, at + v.get_ref<const std::string&>().size())) {
        text.replace(at, token.size(), v.get<std::string>());
      }
    }
    value = text;
  } else if (value.is_structured()) {
    for (auto& item : value) expand_vars(item, vars);
  }
}

/// A module's plugin configuration: its `config` table with placeholders expanded, plus the
/// configuration sections it names in `config_sections` (`databases` with absolute paths).
json plugin_config(const EffectiveConfig& config, const json& module) {
  json out = module.value("config", json::object());
  expand_vars(out, config.policy_vars());
  const json sections = module.value("config_sections", json::array());
  for (const json& section : sections) {
    const std::string name = section.get<std::string>();
    json value = config.values().value(name, json());
    if (name == "databases" && value.is_object()) {
      for (auto& [db, path] : value.items()) path = absolute_path(path).string();
    }
    out[name] = std::move(value);
  }
  return out;
}

IsolationSpec isolation_spec(const json& limits) {
  IsolationSpec spec;
  spec.limits.max_memory_mb = limits.value("max_memory_mb", spec.limits.max_memory_mb);
  spec.limits.max_cpu_seconds = limits.value("max_cpu_seconds", spec.limits.max_cpu_seconds);
  spec.limits.max_open_files = limits.value("max_open_files", spec.limits.max_open_files);
  spec.cancel_grace =
      std::chrono::milliseconds(limits.value("cancel_grace_ms", spec.cancel_grace.count()));
  return spec;
}

}  // namespace

void apply_config(const EffectiveConfig& config, KernelOptions& options) {
  const json& v = config.values();
  options.state_dir = absolute_path(v["kernel"]["state_dir"]);
  options.durability =
      v["kernel"].value("durability", "full") == "normal" ? Durability::normal : Durability::full;

  RunnerOptions& runner = options.runner;
  const json& r = v["runner"];
  runner.workers = r.value("max_concurrency", 0U);
  runner.pause_after_failures = r.value("pause_after_failures", runner.pause_after_failures);
  runner.default_timeout = seconds_to_ms(r.value("default_timeout_s", 300.0));
  runner.max_input_bytes = r.value("max_input_bytes", runner.max_input_bytes);
  runner.quarantine_after_crashes =
      r.value("quarantine_after_crashes", runner.quarantine_after_crashes);
  runner.default_retry = RetryPolicy::from_json(v["retry"], runner.default_retry);
  const unsigned per_module = r.value("per_module_concurrency", 0U);

  for (const auto& [name, module] : v["modules"].items()) {
    if (unsigned limit = module.value("max_concurrency", per_module); limit > 0) {
      runner.module_limits[name] = limit;
    }
    ModuleDefaults defaults;
    if (module.contains("timeout_s"))
      defaults.timeout = seconds_to_ms(module["timeout_s"].get<double>());
    if (module.contains("retry")) {
      defaults.retry = RetryPolicy::from_json(module["retry"], runner.default_retry);
    }
    if (module.contains("max_input_bytes")) {
      defaults.max_input_bytes = module["max_input_bytes"].get<size_t>();
    }
    if (module.contains("shadow_timeout_s"))
      defaults.shadow_budget = seconds_to_ms(module["shadow_timeout_s"].get<double>());
    runner.module_defaults[name] = defaults;
    if (module.value("isolation", "in_process") == "process") {
      options.module_isolation[name] =
          isolation_spec(module.value("isolation_limits", json::object()));
    }
    if (module.value("lineage", false)) options.lineage_modules.insert(name);
    if (auto mode = parse_module_mode(module.value("mode", ""))) {
      options.default_modes[name] = *mode;
    }
    if (module.contains("config") || module.contains("config_sections")) {
      const std::string text = plugin_config(config, module).dump();
      for (const char* key : {"v1_plugin", "v2_plugin"}) {
        if (module.contains(key)) options.plugin_configs[module[key].get<std::string>()] = text;
      }
    }
  }

  options.config_dir = config.config_dir();

  const json plugin_dirs = v["plugins"].value("dirs", json::array());
  for (const json& dir : plugin_dirs) {
    options.plugin_dirs.push_back(absolute_path(dir));
  }
  options.host.state_dir = options.state_dir;
  options.host.output_dir = absolute_path(v["output"]["dir"]);
  const json databases = v.value("databases", json::object());
  for (const auto& [name, path] : databases.items()) {
    options.host.databases[name] = absolute_path(path);
  }
  options.policy_config = config.policy_config();
}

}  // namespace agentsys::config
