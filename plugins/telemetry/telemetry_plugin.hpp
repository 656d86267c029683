#pragma once
// The telemetry plugin class (see telemetry_plugin.cpp for the contract).
#include <agentsys/plugin.hpp>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "aggregate.hpp"
#include "config.hpp"
#include "log_writer.hpp"
#include "metrics_store.hpp"

namespace agentsys::telemetry {

class TelemetryPlugin {
 public:
  TelemetryPlugin(Host host, std::string_view config_json);
  /// Flushes the log and persists the metrics delta; never throws.
  ~TelemetryPlugin();
  TelemetryPlugin(const TelemetryPlugin&) = delete;
  TelemetryPlugin& operator=(const TelemetryPlugin&) = delete;

  std::string invoke(const Call& call);
  /// Unbound: flush what we have (best effort).
  void quiesce();

 private:
  std::string record(std::string_view input);
  std::string metric(std::string_view input);
  std::string metrics(std::string_view input);
  std::string flush();
  /// Persists the delta (when metrics_dir is set); returns whether it did.
  bool persist();

  Host host_;
  Config config_;
  std::unique_ptr<LogWriter> log_;
  std::optional<MetricsStore> store_;
  std::mutex persist_mutex_;  // serialises persist() and reads of persisted + delta
  std::mutex delta_mutex_;    // guards delta_
  Aggregate delta_;           // since the last successful flush (everything without metrics_dir)
};

}  // namespace agentsys::telemetry
