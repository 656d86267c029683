#include "config/plugin_checks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <tuple>

#include "host/host_api.hpp"
#include "host/string_writer.hpp"
#include "plugin/plugin_instance.hpp"
#include "policy/policy_gate.hpp"
#include "task/error_code.hpp"

namespace agentsys::config {
using json = nlohmann::json;

namespace {

json validate_request(const EffectiveConfig& config,
                      const std::vector<std::shared_ptr<PluginInstance>>& plugins) {
  std::set<std::string> served;
  for (const auto& p : plugins) {
    for (const std::string& m : p->descriptor().modules) served.insert(m);
  }
  json codes = json::array();
  for (const ErrorCodeInfo& c : all_error_codes()) {
    if (c.code != ErrorCode::none) codes.push_back(c.name);
  }
  return {{"env", config.env()},
          {"config", config.values()},
          {"modules_served", served},
          {"error_codes", codes}};
}

/// One plugin's answer, or a problem saying why it could not check.
json ask(const PluginInstance& plugin, const std::string& request, std::vector<Problem>& problems) {
  const PluginDescriptor& d = plugin.descriptor();
  StringWriter out;
  StringWriter err;
  as_status status = d.vtable.on_validate_config(host_api(), {request.data(), request.size()},
                                                 out.get(), err.get());
  json answer = status == AS_OK ? json::parse(out.take(), nullptr, false) : json();
  if (!answer.is_object()) {
    problems.push_back({"", 0, 0, "", "plugin.validate",
                        fmt::format("plugin '{}' could not check the configuration: {}", d.name,
                                    status == AS_OK ? std::string("its answer is not a JSON object")
                                                    : err.take())});
    return json::object();
  }
  return answer;
}

void take_problems(const EffectiveConfig& config, const json& answer, const std::string& plugin,
                   std::set<std::tuple<std::string, std::string, std::string>>& seen,
                   std::vector<Problem>& problems) {
  const json list = answer.value("problems", json::array());
  if (!list.is_array()) return;
  for (const json& p : list) {
    if (!p.is_object()) continue;
    std::string path = p.value("path", "");
    std::string rule = p.value("rule", plugin + ".invalid");
    std::string message = p.value("message", "");
    if (!seen.emplace(path, rule, message).second) continue;  // V1 and V2 share their checks
    problems.push_back(config.problem_at(path, std::move(rule), std::move(message)));
  }
}

}  // namespace

PluginCheckResult check_plugin_config(const EffectiveConfig& config,
                                      const std::vector<std::shared_ptr<PluginInstance>>& plugins,
                                      std::vector<Problem>& problems) {
  PluginCheckResult result;
  const std::string request = validate_request(config, plugins).dump();
  std::set<std::tuple<std::string, std::string, std::string>> seen;
  std::set<std::string> questions;
  for (const auto& plugin : plugins) {
    const as_plugin_vtable& vt = plugin->descriptor().vtable;
    if (!AS_HAS_FIELD(&vt, as_plugin_vtable, on_validate_config) ||
        vt.on_validate_config == nullptr) {
      continue;
    }
    json answer = ask(*plugin, request, problems);
    take_problems(config, answer, plugin->descriptor().name, seen, problems);
    if (const json s = answer.value("summary", json::object()); s.is_object()) {
      for (const auto& [key, value] : s.items()) {
        if (!result.summary.contains(key)) result.summary[key] = value;
      }
    }
    const json asked = answer.value("policy_checks", json::array());  // outlives the loop
    for (const json& q : asked) {
      if (q.is_object() && q.contains("request") && questions.insert(q.dump()).second) {
        result.policy_checks.push_back(q);
      }
    }
  }
  return result;
}

void check_policy_questions(const EffectiveConfig& config, PolicyGate& policy,
                            const std::vector<json>& questions, std::vector<Problem>& problems) {
  for (const json& q : questions) {
    PolicyDecision d = policy.decide(q["request"]);
    if (d.allowed()) continue;
    problems.push_back(config.problem_at(
        q.value("path", ""), q.value("rule", "policy.denied"),
        fmt::format("the policy answers {} {} (rule {}): {}", d.decision,
                    q.value("what", "for what the configuration names here"), d.rule, d.reason)));
  }
}

}  // namespace agentsys::config
