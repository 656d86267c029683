// lineage: the cross-cutting lineage plugin (kind lineage, impl none, no modules, thread-safe).
// It keeps the OpenLineage RunEvents the kernel builds for each finished run and answers
// where an output came from. docs/lineage.md describes the events and their facets.
//
// CONTRACT
// on_create config: {"dir": "/abs/state/lineage", "read_only": false} (both optional; without
//   "dir" the plugin keeps nothing and every query finds nothing).
// Actions (call.action):
//   record  {"events": [RunEvent, ...]}      -> {"recorded": N}   appended durably
//   show    {"path": P} | {"run_id": R}      -> the lineage (see lineage_query.hpp) or
//                                               AS_ERR_NOT_FOUND naming what was looked for
//   export  {}                               -> {"events": [...every event, oldest first]}
// Unknown action -> AS_ERR_UNSUPPORTED; malformed input -> AS_ERR_INVALID_INPUT.
#include <agentsys/plugin.hpp>

#include <memory>
#include <nlohmann/json.hpp>

#include "event_log.hpp"
#include "lineage_query.hpp"

namespace agentsys::lineage {
namespace {

using json = nlohmann::json;

json parse_object(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) throw Error(AS_ERR_INVALID_INPUT, "the input must be a JSON object");
  return j;
}

class LineagePlugin {
 public:
  LineagePlugin(Host /*host*/, std::string_view config_json) {
    json config = parse_object(config_json.empty() ? "{}" : config_json);
    for (const auto& [key, value] : config.items()) {
      if (key != "dir" && key != "read_only") {
        throw Error(AS_ERR_INVALID_INPUT, "unknown configuration key '" + key + "'");
      }
    }
    if (config.contains("dir")) {
      if (!config["dir"].is_string()) throw Error(AS_ERR_INVALID_INPUT, "'dir' must be a string");
      log_ = std::make_unique<EventLog>(config["dir"].get<std::string>());
    }
    read_only_ = config.value("read_only", false);
  }

  std::string invoke(const Call& call) {
    const std::string_view action = call.action();
    json in = parse_object(call.input());
    if (action == "record") return record(in);
    if (action == "show") return show_one(in);
    if (action == "export") {
      return json{{"events", log_ ? log_->read_all() : std::vector<json>{}}}.dump(
          -1, ' ', false, json::error_handler_t::replace);
    }
    throw Error(AS_ERR_UNSUPPORTED,
                "unknown action '" + std::string(action) + "': expected record, show or export");
  }

 private:
  std::string record(const json& in) {
    if (!in.contains("events") || !in["events"].is_array()) {
      throw Error(AS_ERR_INVALID_INPUT, "'events' must be an array of RunEvents");
    }
    std::vector<json> events;
    for (const json& e : in["events"]) {
      if (!e.is_object() || !e.value("eventType", json()).is_string() || !e.contains("run") ||
          !e.contains("job")) {
        throw Error(AS_ERR_INVALID_INPUT, "every event needs eventType, run and job");
      }
      events.push_back(e);
    }
    if (read_only_) throw Error(AS_ERR_UNSUPPORTED, "this lineage store was opened read-only");
    if (log_) log_->append(events);
    return json{{"recorded", log_ ? events.size() : 0}}.dump();
  }

  std::string show_one(const json& in) {
    std::string path = in.value("path", "");
    std::string run_id = in.value("run_id", "");
    if (path.empty() == run_id.empty()) {
      throw Error(AS_ERR_INVALID_INPUT, "give exactly one of 'path' and 'run_id'");
    }
    json found = log_ ? show(log_->read_all(), path, run_id) : json();
    if (found.is_null()) {
      throw Error(AS_ERR_NOT_FOUND,
                  path.empty() ? "no lineage recorded for run " + run_id
                               : "no recorded run wrote " + path +
                                     " (is it a report output? see agentsys lineage export)");
    }
    return found.dump(-1, ' ', false, json::error_handler_t::replace);
  }

  std::unique_ptr<EventLog> log_;
  bool read_only_ = false;
};

}  // namespace
}  // namespace agentsys::lineage

AS_PLUGIN_ENTRY(agentsys::lineage::LineagePlugin, .name = "lineage", .version = "1.0.0",
                .description =
                    "OpenLineage RunEvents per run (JSON lines); report -> inputs, "
                    "rule version, code version",
                .kind = AS_PLUGIN_KIND_LINEAGE, .impl = AS_IMPL_NONE, .modules = {},
                .thread_safe = true)
