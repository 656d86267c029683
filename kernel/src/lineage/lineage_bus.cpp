#include "lineage/lineage_bus.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <stdexcept>

#include "host/status_names.hpp"
#include "lineage/openlineage.hpp"
#include "plugin/plugin_call.hpp"

namespace agentsys {
using json = nlohmann::json;

LineageBus::LineageBus(const ModuleRegistry& registry, std::set<std::string, std::less<>> modules)
    : registry_(registry), modules_(std::move(modules)) {}

void LineageBus::finished(const RunResult& result) {
  // Most runs have no lineage: decide without parsing their output.
  if (modules_.count(result.module) == 0 &&
      result.output_json.find("\"lineage\"") == std::string::npos) {
    return;
  }
  Producer producer{result.plugin, result.plugin_version, ""};
  std::vector<std::shared_ptr<PluginInstance>> sinks;
  for (const auto& plugin : registry_.plugins()) {
    const PluginDescriptor& d = plugin->descriptor();
    if (d.name == result.plugin) producer.build_id = d.build_id;
    if (d.kind == AS_PLUGIN_KIND_LINEAGE) sinks.push_back(plugin);
  }
  if (sinks.empty()) return;
  send(sinks, lineage_events(result, producer), result.run_id);
}

void LineageBus::record(std::vector<json> events, std::string_view what) {
  std::vector<std::shared_ptr<PluginInstance>> sinks;
  for (const auto& plugin : registry_.plugins()) {
    if (plugin->descriptor().kind == AS_PLUGIN_KIND_LINEAGE) sinks.push_back(plugin);
  }
  if (!sinks.empty()) send(sinks, std::move(events), what);
}

void LineageBus::send(const std::vector<std::shared_ptr<PluginInstance>>& sinks,
                      std::vector<json> events, std::string_view what) {
  const std::string input =
      json{{"events", std::move(events)}}.dump(-1, ' ', false, json::error_handler_t::replace);
  for (const auto& sink : sinks) {
    InvokeOutcome out = call_plugin(*sink, "record", input);
    if (out.status != AS_OK) {
      spdlog::error("lineage plugin {}: record failed for {} ({}): {}", sink->descriptor().name,
                    what, status_name(out.status), out.error);
    }
  }
}

json LineageBus::ask(std::string_view action, const json& input) const {
  for (const auto& plugin : registry_.plugins()) {
    if (plugin->descriptor().kind != AS_PLUGIN_KIND_LINEAGE) continue;
    InvokeOutcome out = call_plugin(*plugin, action, input.dump());
    if (out.status == AS_ERR_INVALID_INPUT || out.status == AS_ERR_NOT_FOUND) {
      throw std::invalid_argument(out.error);
    }
    if (out.status != AS_OK) {
      throw std::runtime_error(fmt::format("lineage plugin {}: {} failed ({}): {}",
                                           plugin->descriptor().name, action,
                                           status_name(out.status), out.error));
    }
    json answer = json::parse(out.output, nullptr, false);
    if (answer.is_discarded()) throw std::runtime_error("lineage plugin answered malformed JSON");
    return answer;
  }
  throw std::runtime_error(
      "no lineage plugin is loaded (kind lineage): check 'agentsys plugins list'");
}

}  // namespace agentsys
