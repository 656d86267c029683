#include "policy/policy_gate.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "host/call_frame.hpp"
#include "host/status_names.hpp"
#include "plugin/plugin_call.hpp"
#include "registry/module_registry.hpp"
#include "store/run_store.hpp"
#include "util/sha256.hpp"
#include "util/time.hpp"

namespace agentsys {
using json = nlohmann::json;

namespace {

std::shared_ptr<PluginInstance> find_policy_plugin(const ModuleRegistry& registry,
                                                   std::string_view name = {}) {
  for (const auto& plugin : registry.plugins()) {
    if (plugin->descriptor().kind != AS_PLUGIN_KIND_POLICY) continue;
    if (name.empty() || plugin->descriptor().name == name) return plugin;
  }
  return nullptr;
}

std::string_view view(as_str s) { return s.ptr == nullptr ? "" : std::string_view(s.ptr, s.len); }

}  // namespace

PolicyGate::PolicyGate(ModuleRegistry& registry, RunStore* log, const json& config)
    : registry_(registry), log_(log) {
  std::shared_ptr<PluginInstance> plugin = find_policy_plugin(registry_);
  if (!plugin) {
    throw std::runtime_error(
        "no policy plugin is loaded (kind policy): every side effect would be denied; check "
        "'agentsys plugins list' and the plugin directories");
  }
  plugin_name_ = plugin->descriptor().name;
  // Plugins are loaded unconfigured; the policy plugin gets its layers here.
  std::string error =
      registry_.install(plugin->library_ptr(), ModuleRegistry::Install::replace,
                        config.dump(-1, ' ', false, json::error_handler_t::replace));
  if (!error.empty()) throw std::runtime_error("policy plugin refused its configuration: " + error);
}

PolicyDecision PolicyGate::decide(const json& request, const CallFrame* call,
                                  std::string_view plugin) {
  std::shared_ptr<PluginInstance> policy = find_policy_plugin(registry_, plugin_name_);
  if (!policy) throw std::runtime_error("the policy plugin is no longer loaded");
  const std::string input = request.dump(-1, ' ', false, json::error_handler_t::replace);
  InvokeOutcome out = call_plugin(*policy, "decide", input, call);
  if (out.status == AS_ERR_INVALID_INPUT) throw std::invalid_argument(out.error);
  if (out.status != AS_OK) {
    throw std::runtime_error(
        fmt::format("policy plugin failed ({}): {}", status_name(out.status), out.error));
  }
  json answer = json::parse(out.output, nullptr, false);
  if (!answer.is_object() || !answer.value("decision", json()).is_string()) {
    throw std::runtime_error("policy plugin answered without a decision: " + out.output);
  }
  PolicyDecision d{answer["decision"].get<std::string>(), answer.value("rule", ""),
                   answer.value("reason", ""), answer};
  append(input, request, d, call, plugin);
  return d;
}

void PolicyGate::record(const json& request, const PolicyDecision& d, const CallFrame* call,
                        std::string_view plugin) {
  append(request.dump(-1, ' ', false, json::error_handler_t::replace), request, d, call, plugin);
}

void PolicyGate::append(const std::string& input, const json& request, const PolicyDecision& d,
                        const CallFrame* call, std::string_view plugin) {
  if (log_ != nullptr) {
    DecisionRow row;
    row.ts = iso8601_now();
    if (call != nullptr) {
      row.trace_id = std::string(view(call->raw.trace_id));
      row.run_id = std::string(view(call->raw.run_id));
    }
    row.plugin = std::string(plugin);
    row.kind = request.value("kind", "");
    row.input_digest = sha256_hex(input);
    // The log keeps what was asked, bounded: a huge SQL text is identified by its digest.
    row.input = input.size() <= 4096 ? input : input.substr(0, 4096) + "...";
    row.decision = d.decision;
    row.rule = d.rule;
    row.reason = d.reason;
    log_->append_decision(row);
  }
}

}  // namespace agentsys
