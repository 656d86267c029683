#include "prometheus.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <iterator>
#include <set>
#include <utility>

namespace agentsys::telemetry {

namespace {

std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

std::string impl_label(const std::string& impl) { return impl.empty() ? "none" : impl; }

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

using Labels = std::vector<std::pair<std::string, std::string>>;

void sample(std::string& out, std::string_view name, const Labels& labels, std::string_view value) {
  out += name;
  if (!labels.empty()) {
    out += '{';
    bool first = true;
    for (const auto& [k, v] : labels) {
      if (!first) out += ',';
      first = false;
      out += k;
      out += "=\"";
      out += escape_label_value(v);
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  out += value;
  out += '\n';
}

// For each fine bucket, the first `le` edge its representative value falls under
// (edges.size() stands for +Inf).
const std::vector<std::size_t>& fine_to_le() {
  static const std::vector<std::size_t> map = [] {
    const auto& edges = prometheus_le_edges();
    std::vector<std::size_t> m(LatencyHistogram::bucket_count(), edges.size());
    for (std::size_t i = 0; i + 1 < m.size(); ++i) {  // the overflow bucket stays +Inf
      const double r = LatencyHistogram::representative(i);
      for (std::size_t e = 0; e < edges.size(); ++e) {
        if (r <= edges[e]) {
          m[i] = e;
          break;
        }
      }
    }
    return m;
  }();
  return map;
}

void counters(std::string& out, const Aggregate& a, const std::string& kind, std::string_view name,
              std::string_view help) {
  family(out, name, "counter", help);
  for (const auto& [key, s] : a.series()) {
    if (key.kind != kind) continue;
    for (const auto& [status, n] : s.by_status) {
      sample(out, name,
             {{"module", key.module}, {"impl", impl_label(key.impl)}, {"status", status}},
             fmt::format("{}", n));
    }
  }
}

void latency(std::string& out, const Aggregate& a, const std::string& kind, std::string_view what) {
  const std::string name = fmt::format("agentsys_{}_latency_ms", kind);
  const auto& edges = prometheus_le_edges();
  const auto& map = fine_to_le();
  family(out, name, "histogram",
         fmt::format("{} latency in milliseconds (bucket counts are derived from a log-scale "
                     "histogram with 2% resolution).",
                     what));
  for (const auto& [key, s] : a.series()) {
    if (key.kind != kind || s.latency.count() == 0) continue;
    std::vector<uint64_t> per_le(edges.size() + 1, 0);
    for (std::size_t i = 0; i < map.size(); ++i) per_le[map[i]] += s.latency.bucket(i);
    uint64_t cumulative = 0;
    const std::string impl = impl_label(key.impl);
    for (std::size_t e = 0; e <= edges.size(); ++e) {
      cumulative += per_le[e];
      sample(out, name + "_bucket",
             {{"module", key.module},
              {"impl", impl},
              {"le", e < edges.size() ? number(edges[e]) : "+Inf"}},
             fmt::format("{}", cumulative));
    }
    sample(out, name + "_sum", {{"module", key.module}, {"impl", impl}}, number(s.latency.sum()));
    sample(out, name + "_count", {{"module", key.module}, {"impl", impl}},
           fmt::format("{}", s.latency.count()));
  }
  family(out, name + "_quantile", "gauge",
         fmt::format("{} latency quantiles in milliseconds (nearest rank, within 2%).", what));
  static constexpr std::array<std::pair<double, const char*>, 3> kQuantiles{
      {{0.5, "0.5"}, {0.95, "0.95"}, {0.99, "0.99"}}};
  for (const auto& [key, s] : a.series()) {
    if (key.kind != kind || s.latency.count() == 0) continue;
    for (const auto& [q, label] : kQuantiles) {
      sample(out, name + "_quantile",
             {{"module", key.module}, {"impl", impl_label(key.impl)}, {"quantile", label}},
             number(*s.latency.quantile(q)));
    }
  }
}

}  // namespace

const std::vector<double>& prometheus_le_edges() {
  static const std::vector<double> edges = {0.5,   1,     2.5,    5,      10,     25,      50,
                                            100,   250,   500,    1000,   2500,   5000,    10000,
                                            30000, 60000, 120000, 300000, 600000, 1800000, 3600000};
  return edges;
}

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  return out;
}

std::string sanitize_label_name(std::string_view name) {
  std::string out;
  for (char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    out += ok ? c : '_';
  }
  if (out.empty() || (out[0] >= '0' && out[0] <= '9')) out.insert(0, "_");
  if (out.rfind("__", 0) == 0) out.insert(0, "label");  // "__" is reserved
  return out;
}

std::string render_prometheus(const Aggregate& a) {
  std::string out;
  counters(out, a, "run", "agentsys_runs_total",
           "Finished runs by module, implementation (v1, v2, none) and final status.");
  counters(out, a, "attempt", "agentsys_attempts_total",
           "Finished attempts by module, implementation (v1, v2, none) and status.");
  latency(out, a, "run", "Run");
  latency(out, a, "attempt", "Attempt");

  family(out, "agentsys_plugin_metric_total", "counter",
         "Sum of the values plugins emitted through emit_metric, by plugin, metric name and the "
         "plugin's labels.");
  for (const auto& [key, value] : a.plugin_metrics()) {
    Labels labels{{"plugin", key.plugin}, {"name", key.name}};
    std::set<std::string> used{"plugin", "name"};
    for (const auto& [k, v] : key.labels) {
      std::string label = sanitize_label_name(k);
      if (used.count(label) != 0) label = "label_" + label;
      const std::string base = label;
      for (int n = 2; used.count(label) != 0; ++n) label = fmt::format("{}_{}", base, n);
      used.insert(label);
      labels.emplace_back(std::move(label), v);
    }
    sample(out, "agentsys_plugin_metric_total", labels, number(value));
  }

  family(out, "agentsys_telemetry_dropped_total", "counter",
         "Telemetry samples not aggregated because a cardinality cap was reached.");
  sample(out, "agentsys_telemetry_dropped_total", {{"what", "run_attempt_records"}},
         fmt::format("{}", a.dropped_series()));
  sample(out, "agentsys_telemetry_dropped_total", {{"what", "plugin_metric_series"}},
         fmt::format("{}", a.dropped_plugin_metrics()));
  return out;
}

}  // namespace agentsys::telemetry
