#pragma once
// Validation of `metric` input (what plugins emitted through emit_metric).
#include <string_view>
#include <utility>
#include <vector>

#include "aggregate.hpp"

namespace agentsys::telemetry {

/// Parses one metric object or an array of them into (key, value) pairs. All or nothing:
/// throws agentsys::Error(AS_ERR_INVALID_INPUT) naming the first bad metric and field.
std::vector<std::pair<PluginMetricKey, double>> parse_plugin_metrics(std::string_view input_json);

}  // namespace agentsys::telemetry
