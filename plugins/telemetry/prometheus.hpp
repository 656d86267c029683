#pragma once
// Renders an Aggregate as Prometheus text exposition format 0.0.4.
#include <string>
#include <string_view>
#include <vector>

#include "aggregate.hpp"

namespace agentsys::telemetry {

/// The fixed `le` edges (ms) of the exported latency histograms; +Inf follows them.
const std::vector<double>& prometheus_le_edges();

/// Escapes a label value: backslash, double quote and newline.
std::string escape_label_value(std::string_view value);

/// Turns an arbitrary plugin label key into a valid Prometheus label name.
std::string sanitize_label_name(std::string_view name);

/// The whole exposition: HELP/TYPE lines, counters, histograms, quantile gauges.
std::string render_prometheus(const Aggregate& aggregate);

}  // namespace agentsys::telemetry
