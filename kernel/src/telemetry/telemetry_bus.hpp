#pragma once
// Carries run/attempt records and plugin metrics to the telemetry plugins, off the hot path:
// callers enqueue, one thread batches them into `record` calls.
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "registry/module_registry.hpp"
#include "runner/runner.hpp"

namespace agentsys {

struct CallFrame;

class TelemetryBus final : public RunObserver {
 public:
  /// Delivers to every telemetry-kind plugin in `registry`. At most `max_queued` records wait;
  /// beyond that the oldest are dropped (and counted) rather than blocking a task.
  explicit TelemetryBus(const ModuleRegistry& registry, size_t max_queued = 100000);
  ~TelemetryBus() override;  ///< Delivers what is queued, then asks the plugins to flush.
  TelemetryBus(const TelemetryBus&) = delete;
  TelemetryBus& operator=(const TelemetryBus&) = delete;

  void record(TelemetryRecord record) override;
  /// A plugin's log line (host.log), as a record of kind "event" (event "plugin_log") with
  /// the call's trace, run, module and attempt when it was made inside a call.
  void plugin_log(std::string_view plugin, const CallFrame* call, std::string_view level,
                  std::string_view message);
  /// A plugin's emit_metric sample.
  void metric(std::string_view plugin, std::string_view name, double value,
              std::string_view labels_json);

  /// Delivers everything queued so far; returns when the plugins have it.
  void drain();
  /// Asks each telemetry plugin for its metrics (`format`: "prometheus" or "json").
  /// Returns the plugin's response JSON, or "" when no telemetry plugin is loaded.
  std::string query_metrics(std::string_view format);

  [[nodiscard]] size_t dropped() const;

 private:
  void loop();
  /// Queues one serialised record (dropping the oldest when full).
  void enqueue(std::string line);
  void deliver(std::deque<std::string>& records, std::vector<std::string>& metrics);
  void invoke_all(std::string_view action, const std::string& input);

  const ModuleRegistry& registry_;
  size_t max_queued_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::condition_variable drained_cv_;
  std::deque<std::string> records_;  // serialised JSON objects
  std::vector<std::string> metrics_;
  uint64_t enqueued_ = 0;
  uint64_t delivered_ = 0;
  size_t dropped_ = 0;
  bool flush_now_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace agentsys
