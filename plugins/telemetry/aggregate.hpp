#pragma once
// The metrics aggregate: run/attempt series (counts by status + latency histogram) and the
// plugin metric sums. Used for the in-memory delta, for the persisted total and for reports.
// Not synchronised: the owner locks.
#include <compare>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "histogram.hpp"

namespace agentsys::telemetry {

/// One run/attempt series. `impl` is "v1", "v2" or "" (the record had impl null).
struct SeriesKey {
  std::string kind;  ///< "run" or "attempt"
  std::string module;
  std::string impl;
  auto operator<=>(const SeriesKey&) const = default;
};

struct Series {
  std::map<std::string, uint64_t> by_status;
  LatencyHistogram latency;  ///< Only records that carried a latency_ms.
  [[nodiscard]] uint64_t count() const;
  void merge(const Series& other);
};

/// One plugin metric: the sum of every value emitted with the same plugin, name and labels.
struct PluginMetricKey {
  std::string plugin;
  std::string name;
  std::map<std::string, std::string> labels;
  auto operator<=>(const PluginMetricKey&) const = default;
};

class Aggregate {
 public:
  /// Cardinality caps: beyond them new series are dropped (and counted), so memory stays
  /// bounded whatever label values callers invent.
  static constexpr std::size_t kMaxSeries = 4096;
  static constexpr std::size_t kMaxPluginMetrics = 16384;

  void add_record(const SeriesKey& key, const std::string& status, std::optional<double> latency);
  void add_metric(const PluginMetricKey& key, double value);
  void merge(const Aggregate& other);
  [[nodiscard]] bool empty() const;

  [[nodiscard]] const std::map<SeriesKey, Series>& series() const { return series_; }
  [[nodiscard]] const std::map<PluginMetricKey, double>& plugin_metrics() const {
    return plugin_metrics_;
  }
  [[nodiscard]] uint64_t dropped_series() const { return dropped_series_; }
  [[nodiscard]] uint64_t dropped_plugin_metrics() const { return dropped_plugin_metrics_; }

  /// The versioned persisted document (metrics.json).
  [[nodiscard]] nlohmann::json to_persisted_json() const;
  /// Inverse of to_persisted_json. Throws agentsys::Error(AS_ERR_UNSUPPORTED) for a format or
  /// version this build does not know, std::exception for a damaged document.
  static Aggregate from_persisted_json(const nlohmann::json& doc);

  /// The `metrics` action's {"format":"json"} answer.
  [[nodiscard]] nlohmann::json to_report_json() const;

 private:
  std::map<SeriesKey, Series> series_;
  std::map<PluginMetricKey, double> plugin_metrics_;
  uint64_t dropped_series_ = 0;
  uint64_t dropped_plugin_metrics_ = 0;
};

}  // namespace agentsys::telemetry
