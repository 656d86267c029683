#include "legacy_command.hpp"

namespace agentsys::reports::v1 {
using json = nlohmann::json;

namespace {

std::string required(const json& config, const char* key) {
  if (!config.value(key, json()).is_string() || config[key].get<std::string>().empty()) {
    throw Error(AS_ERR_INVALID_INPUT,
                std::string("configuration: '") + key + "' must be a non-empty string");
  }
  return config[key].get<std::string>();
}

std::string last_line(const std::string& text) {
  size_t end = text.find_last_not_of("\r\n");
  if (end == std::string::npos) return {};
  size_t start = text.rfind('\n', end);
  return text.substr(start == std::string::npos ? 0 : start + 1, end + 1 - (start + 1));
}

}  // namespace

LegacyConfig LegacyConfig::parse(std::string_view config_json) {
  json c = json::parse(config_json.empty() ? std::string_view("{}") : config_json, nullptr, false);
  if (!c.is_object()) throw Error(AS_ERR_INVALID_INPUT, "configuration: not a JSON object");
  LegacyConfig out;
  // Loaded unconfigured first (read-only commands never configure it): refuse calls, not loading.
  if (c.empty()) return out;
  out.configured = true;
  out.python = c.value("python", out.python);
  out.scripts_dir = required(c, "scripts_dir");
  out.out_dir = required(c, "out_dir");
  out.config_dir = required(c, "config_dir");
  out.database_name = required(c, "database");
  const json dbs = c.value("databases", json::object());
  if (!dbs.value(out.database_name, json()).is_string()) {
    throw Error(AS_ERR_INVALID_INPUT, "configuration: database '" + out.database_name +
                                          "' is not in [databases] (add config_sections = "
                                          "[\"databases\"] and the database)");
  }
  out.database = dbs[out.database_name].get<std::string>();
  out.publish_dir = c.value("publish_dir", "");
  out.reports = c.value("reports", json::object());
  return out;
}

std::string LegacyConfig::script(std::string_view name) const {
  return scripts_dir + "/" + std::string(name);
}

LegacyOutcome run_script(const Host& host, const Call& call, const LegacyConfig& config,
                         std::string_view script, const std::vector<std::string>& args) {
  if (!config.configured) {
    throw Error(AS_ERR_INVALID_INPUT,
                "not configured: the module's configuration (config/modules/reports.toml) names "
                "scripts_dir, out_dir, config_dir and database; run with a configuration");
  }
  json argv = json::array({config.python, config.script(script)});
  for (const std::string& a : args) argv.push_back(a);
  json response = json::parse(
      host.request(Service::run_command, call,
                   json{{"argv", argv}, {"env", {{"PYTHONDONTWRITEBYTECODE", "1"}}}}.dump()));
  LegacyOutcome out;
  if (response.value("dry_run", false)) {
    out.dry_run = true;
    out.summary = json{{"dry_run", true}, {"would_run", response.value("would_run", argv)}};
    return out;
  }
  out.exit_code = response.value("exit_code", -1);
  out.summary = json::parse(last_line(response.value("stdout", "")), nullptr, false);
  if (!out.summary.is_object()) out.summary = json::object();
  out.error = last_line(response.value("stderr", ""));
  return out;
}

json run_input(const Call& call, std::string_view module) {
  if (call.action() != "run") {
    throw Error(AS_ERR_UNSUPPORTED, "unknown action '" + std::string(call.action()) +
                                        "': " + std::string(module) + " serves 'run'");
  }
  json in = json::parse(call.input(), nullptr, false);
  if (!in.is_object()) throw Error(AS_ERR_INVALID_INPUT, "input: not a JSON object");
  return in;
}

void fail_with(const LegacyOutcome& outcome, std::string_view script) {
  std::string message = std::string(script) + " exited " + std::to_string(outcome.exit_code) +
                        (outcome.error.empty() ? std::string() : ": " + outcome.error);
  throw Error(outcome.exit_code == 2 ? AS_ERR_INVALID_INPUT : AS_ERR_INTERNAL, message);
}

}  // namespace agentsys::reports::v1
