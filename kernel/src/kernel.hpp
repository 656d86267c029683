#pragma once
// The kernel: plugins discovered and loaded, modules bound, state opened, tasks run. What the
// CLI drives.
#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "host/host_api.hpp"
#include "registry/module_registry.hpp"
#include "runner/runner.hpp"
#include "store/run_store.hpp"
#include "store/state_store.hpp"
#include "telemetry/telemetry_bus.hpp"

namespace agentsys {

struct KernelOptions {
  std::vector<std::filesystem::path> plugin_dirs;  ///< Searched in order.
  std::filesystem::path state_dir = "var";
  /// Commands that only read: nothing is created under the state directory.
  bool read_only = false;
  Durability durability = Durability::full;
  /// Record runs in the state database. Off only for benchmarks and throwaway runs: without
  /// it nothing survives the process and idempotency keys only hold while a run is in flight.
  bool durable_runs = true;
  RunnerOptions runner;
  /// Run the recovery pass when the runner starts (see Runner::recover).
  bool recover_on_start = true;
};

/// A plugin file the kernel would not load, and why.
struct PluginRefusal {
  std::filesystem::path file;
  std::string reason;
};

/// Where what plugins report goes: logs to spdlog, metrics to telemetry, side effects to the
/// run's events.
class KernelSink final : public HostSink {
 public:
  void log(std::string_view plugin, const CallFrame* call, as_log_level level,
           std::string_view message) override;
  void metric(std::string_view plugin, const CallFrame* call, std::string_view name, double value,
              std::string_view labels_json) override;
  void side_effect(std::string_view plugin, const CallFrame& call, std::string_view kind,
                   std::string_view detail_json, bool performed) override;
  void attach(RunStore* store, TelemetryBus* telemetry);

 private:
  LoggerSink logger_;
  std::atomic<RunStore*> store_{nullptr};
  std::atomic<TelemetryBus*> telemetry_{nullptr};
};

class Kernel {
 public:
  /// Loads every plugin in `options.plugin_dirs` (refusing bad ones, keeping the rest) and
  /// applies the module modes persisted in the state directory, if it exists.
  explicit Kernel(KernelOptions options);
  ~Kernel();
  Kernel(const Kernel&) = delete;
  Kernel& operator=(const Kernel&) = delete;

  [[nodiscard]] ModuleRegistry& registry() { return registry_; }
  [[nodiscard]] const ModuleRegistry& registry() const { return registry_; }
  [[nodiscard]] const std::vector<PluginRefusal>& refusals() const { return refusals_; }
  [[nodiscard]] const KernelOptions& options() const { return options_; }

  /// The state store (module modes), opened and created on first use.
  StateStore& state();
  /// The run store, opened and created on first use.
  RunStore& runs();
  /// Telemetry delivery to the telemetry plugins, started on first use.
  TelemetryBus& telemetry();
  /// The runner, started on first use (with its recovery pass when configured).
  Runner& runner();
  /// Futures of the runs the start-up recovery resumed.
  [[nodiscard]] const std::vector<Submission>& recovered() const { return recovered_; }

  /// Routes `module` to `mode` and persists it.
  std::string set_module_mode(const std::string& module, ModuleMode mode);

 private:
  [[nodiscard]] std::string telemetry_config() const;

  KernelOptions options_;
  KernelSink sink_;
  ModuleRegistry registry_;
  std::vector<PluginRefusal> refusals_;
  std::unique_ptr<StateStore> state_;
  std::unique_ptr<RunStore> runs_;
  std::unique_ptr<TelemetryBus> telemetry_;
  std::unique_ptr<Runner> runner_;
  std::vector<Submission> recovered_;
};

}  // namespace agentsys
