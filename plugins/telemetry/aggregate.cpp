#include "aggregate.hpp"

#include <agentsys/plugin.hpp>

#include <string>

namespace agentsys::telemetry {

namespace {

constexpr const char* kFormatName = "agentsys-telemetry-metrics";
constexpr int kFormatVersion = 1;

nlohmann::json histogram_scheme() {
  return {{"min_ms", LatencyHistogram::kMinMs},
          {"max_ms", LatencyHistogram::kMaxMs},
          {"ratio", LatencyHistogram::kRatio},
          {"buckets", LatencyHistogram::bucket_count()}};
}

nlohmann::json optional_number(std::optional<double> v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace

uint64_t Series::count() const {
  uint64_t n = 0;
  for (const auto& [status, c] : by_status) n += c;
  return n;
}

void Series::merge(const Series& other) {
  for (const auto& [status, c] : other.by_status) by_status[status] += c;
  latency.merge(other.latency);
}

void Aggregate::add_record(const SeriesKey& key, const std::string& status,
                           std::optional<double> latency) {
  auto it = series_.find(key);
  if (it == series_.end()) {
    if (series_.size() >= kMaxSeries) {
      ++dropped_series_;
      return;
    }
    it = series_.emplace(key, Series{}).first;
  }
  ++it->second.by_status[status];
  if (latency) it->second.latency.add(*latency);
}

void Aggregate::add_metric(const PluginMetricKey& key, double value) {
  auto it = plugin_metrics_.find(key);
  if (it == plugin_metrics_.end()) {
    if (plugin_metrics_.size() >= kMaxPluginMetrics) {
      ++dropped_plugin_metrics_;
      return;
    }
    it = plugin_metrics_.emplace(key, 0.0).first;
  }
  it->second += value;
}

void Aggregate::merge(const Aggregate& other) {
  for (const auto& [key, s] : other.series_) {
    auto it = series_.find(key);
    if (it == series_.end()) {
      if (series_.size() >= kMaxSeries) {
        dropped_series_ += s.count();
        continue;
      }
      it = series_.emplace(key, Series{}).first;
    }
    it->second.merge(s);
  }
  for (const auto& [key, v] : other.plugin_metrics_) {
    auto it = plugin_metrics_.find(key);
    if (it == plugin_metrics_.end()) {
      if (plugin_metrics_.size() >= kMaxPluginMetrics) {
        ++dropped_plugin_metrics_;
        continue;
      }
      it = plugin_metrics_.emplace(key, 0.0).first;
    }
    it->second += v;
  }
  dropped_series_ += other.dropped_series_;
  dropped_plugin_metrics_ += other.dropped_plugin_metrics_;
}

bool Aggregate::empty() const {
  return series_.empty() && plugin_metrics_.empty() && dropped_series_ == 0 &&
         dropped_plugin_metrics_ == 0;
}

nlohmann::json Aggregate::to_persisted_json() const {
  nlohmann::json series = nlohmann::json::array();
  for (const auto& [key, s] : series_) {
    series.push_back({{"kind", key.kind},
                      {"module", key.module},
                      {"impl", key.impl},
                      {"by_status", s.by_status},
                      {"latency_ms", s.latency.to_json()}});
  }
  nlohmann::json metrics = nlohmann::json::array();
  for (const auto& [key, v] : plugin_metrics_) {
    metrics.push_back(
        {{"plugin", key.plugin}, {"name", key.name}, {"labels", key.labels}, {"value", v}});
  }
  return {{"format", kFormatName},
          {"version", kFormatVersion},
          {"histogram", histogram_scheme()},
          {"series", std::move(series)},
          {"plugin_metrics", std::move(metrics)},
          {"dropped_series", dropped_series_},
          {"dropped_plugin_metrics", dropped_plugin_metrics_}};
}

Aggregate Aggregate::from_persisted_json(const nlohmann::json& doc) {
  if (!doc.is_object() || doc.value("format", std::string()) != kFormatName) {
    throw std::runtime_error(std::string("not an ") + kFormatName + " document");
  }
  const int version = doc.at("version").get<int>();
  if (version != kFormatVersion) {
    throw Error(AS_ERR_UNSUPPORTED,
                "persisted metrics have format version " + std::to_string(version) +
                    ", this telemetry plugin reads version " + std::to_string(kFormatVersion) +
                    " (refusing to overwrite them)");
  }
  if (doc.at("histogram") != histogram_scheme()) {
    throw Error(AS_ERR_UNSUPPORTED, "persisted metrics use histogram buckets " +
                                        doc.at("histogram").dump() + ", this build uses " +
                                        histogram_scheme().dump() +
                                        " (refusing to overwrite them)");
  }
  Aggregate a;
  for (const auto& s : doc.at("series")) {
    SeriesKey key{s.at("kind").get<std::string>(), s.at("module").get<std::string>(),
                  s.at("impl").get<std::string>()};
    Series series;
    series.by_status = s.at("by_status").get<std::map<std::string, uint64_t>>();
    series.latency = LatencyHistogram::from_json(s.at("latency_ms"));
    a.series_[key].merge(series);
  }
  for (const auto& m : doc.at("plugin_metrics")) {
    PluginMetricKey key{m.at("plugin").get<std::string>(), m.at("name").get<std::string>(),
                        m.at("labels").get<std::map<std::string, std::string>>()};
    a.plugin_metrics_[key] += m.at("value").get<double>();
  }
  a.dropped_series_ = doc.value("dropped_series", uint64_t{0});
  a.dropped_plugin_metrics_ = doc.value("dropped_plugin_metrics", uint64_t{0});
  return a;
}

nlohmann::json Aggregate::to_report_json() const {
  nlohmann::json series = nlohmann::json::array();
  for (const auto& [key, s] : series_) {
    const LatencyHistogram& h = s.latency;
    nlohmann::json latency = {{"count", h.count()},
                              {"p50", optional_number(h.quantile(0.50))},
                              {"p95", optional_number(h.quantile(0.95))},
                              {"p99", optional_number(h.quantile(0.99))},
                              {"min", h.count() ? nlohmann::json(h.min()) : nullptr},
                              {"max", h.count() ? nlohmann::json(h.max()) : nullptr},
                              {"sum", h.sum()}};
    series.push_back(
        {{"kind", key.kind},
         {"module", key.module},
         {"impl", key.impl.empty() ? nlohmann::json(nullptr) : nlohmann::json(key.impl)},
         {"count", s.count()},
         {"by_status", s.by_status},
         {"latency_ms", std::move(latency)}});
  }
  nlohmann::json metrics = nlohmann::json::array();
  for (const auto& [key, v] : plugin_metrics_) {
    metrics.push_back(
        {{"plugin", key.plugin}, {"name", key.name}, {"labels", key.labels}, {"value", v}});
  }
  return {{"series", std::move(series)},
          {"plugin_metrics", std::move(metrics)},
          {"dropped_series", dropped_series_},
          {"dropped_plugin_metrics", dropped_plugin_metrics_}};
}

}  // namespace agentsys::telemetry
