#include "plugin_metric.hpp"

#include <agentsys/plugin.hpp>

#include <fmt/format.h>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

namespace agentsys::telemetry {

namespace {

using json = nlohmann::json;

[[noreturn]] void invalid(const std::string& where, const std::string& message) {
  throw Error(AS_ERR_INVALID_INPUT, where + ": " + message);
}

std::string required_string(const json& m, const char* field, const std::string& where) {
  auto it = m.find(field);
  if (it == m.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    invalid(where, fmt::format("'{}' must be a non-empty string, got {}", field,
                               it == m.end() ? "nothing" : it->dump()));
  }
  return it->get<std::string>();
}

std::pair<PluginMetricKey, double> parse_one(const json& m, const std::string& where) {
  if (!m.is_object()) invalid(where, fmt::format("must be a JSON object, got {}", m.type_name()));
  PluginMetricKey key;
  key.plugin = required_string(m, "plugin", where);
  key.name = required_string(m, "name", where);
  auto value = m.find("value");
  if (value == m.end() || !value->is_number() || !std::isfinite(value->get<double>())) {
    invalid(where, fmt::format("'value' must be a finite number, got {}",
                               value == m.end() ? "nothing" : value->dump()));
  }
  if (auto labels = m.find("labels"); labels != m.end() && !labels->is_null()) {
    if (!labels->is_object()) {
      invalid(where, "'labels' must be a flat object of string values, got " + labels->dump());
    }
    for (const auto& [k, v] : labels->items()) {
      if (v.is_string()) {
        key.labels[k] = v.get<std::string>();
      } else if (v.is_number() || v.is_boolean()) {
        key.labels[k] = v.dump();  // tolerated: emit_metric never fails
      } else {
        invalid(where, fmt::format("label '{}' must be a string, got {}", k, v.dump()));
      }
    }
  }
  return {std::move(key), value->get<double>()};
}

}  // namespace

std::vector<std::pair<PluginMetricKey, double>> parse_plugin_metrics(std::string_view input_json) {
  json input;
  try {
    input = json::parse(input_json);
  } catch (const json::parse_error& e) {
    throw Error(AS_ERR_INVALID_INPUT, std::string("metric: input is not valid JSON: ") + e.what());
  }
  std::vector<std::pair<PluginMetricKey, double>> out;
  if (input.is_array()) {
    out.reserve(input.size());
    for (std::size_t i = 0; i < input.size(); ++i) {
      out.push_back(parse_one(input[i], fmt::format("metric[{}]", i)));
    }
  } else if (input.is_object()) {
    out.push_back(parse_one(input, "metric"));
  } else {
    invalid("metric", fmt::format("input must be a metric object or an array of them, got {}",
                                  input.type_name()));
  }
  return out;
}

}  // namespace agentsys::telemetry
