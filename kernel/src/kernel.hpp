#pragma once
// The kernel: plugins discovered and loaded, modules bound, state opened, tasks run. What the
// CLI drives.
#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "host/host_api.hpp"
#include "host/host_services.hpp"
#include "isolation/isolated_hooks.hpp"
#include "kernel_extension.hpp"
#include "lineage/lineage_bus.hpp"
#include "plugin/plugin_set.hpp"
#include "policy/policy_gate.hpp"
#include "registry/module_registry.hpp"
#include "runner/runner.hpp"
#include "store/run_store.hpp"
#include "store/state_store.hpp"
#include "telemetry/telemetry_bus.hpp"

namespace agentsys {

struct KernelOptions {
  std::vector<std::filesystem::path> plugin_dirs;  ///< Searched in order.
  /// Plugins already loaded (to read the configuration folders they declare first); when
  /// set, plugin_dirs is not searched again.
  std::optional<PluginSet> plugins;
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
  /// What that pass may run again here (`runs recover` asks for everything).
  RecoveryScope recovery_scope = RecoveryScope::automatic;

  // From the configuration (see config/kernel_settings.hpp).
  /// The policy plugin's configuration ({"env", "vars", "layers"}). Without it the host
  /// refuses every side effect a plugin asks for.
  std::optional<nlohmann::json> policy_config;
  /// Where the host's services act. Its state_dir is options.state_dir made absolute; an
  /// empty output_dir means <state_dir>/output.
  HostEnvironment host;
  /// Per plugin name: its on_create configuration (a JSON object's text).
  std::map<std::string, std::string> plugin_configs;
  /// Modules whose plugins run in plugin host processes (`isolation = "process"`), and how.
  /// A plugin serving several modules is isolated when any of them asks.
  std::map<std::string, IsolationSpec> module_isolation;
  /// Per module: its mode while no operator has set one (`agentsys module set`).
  std::map<std::string, ModuleMode> default_modes;
  /// Modules whose every run is recorded as OpenLineage events (besides runs whose result
  /// carries a "lineage" member).
  std::set<std::string, std::less<>> lineage_modules;
  /// The configuration directory (a rollback restores it from the cutover's snapshot).
  std::filesystem::path config_dir;
  /// What the layers above the core add to the running kernel (migration's reconciliation
  /// and red-line watch), created in this order when the runner starts.
  std::vector<KernelExtensionFactory> extensions;
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
  HostServices* services() override { return services_.load(); }
  void attach(RunStore* store, TelemetryBus* telemetry);
  void attach(HostServices* services) { services_ = services; }

 private:
  LoggerSink logger_;
  std::atomic<HostServices*> services_{nullptr};
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
  /// The CLI commands the loaded plugins serve (ABI 1.3).
  [[nodiscard]] const std::vector<DeclaredCommand>& commands() const { return commands_; }
  [[nodiscard]] const KernelOptions& options() const { return options_; }

  /// The state store (module modes), opened and created on first use.
  StateStore& state();
  /// The run store, opened and created on first use.
  RunStore& runs();
  /// Telemetry delivery to the telemetry plugins, started on first use.
  TelemetryBus& telemetry();
  /// Lineage delivery to the lineage plugins, configured (events under
  /// <state_dir>/lineage) on first use.
  LineageBus& lineage();
  /// The policy gate (decisions logged in the run store), created on first use. Throws
  /// std::runtime_error when no policy is configured or no policy plugin is loaded.
  PolicyGate& policy();
  /// The runner, started on first use (with its recovery pass when configured). The host's
  /// side-effect services are enabled first when a policy is configured.
  Runner& runner();
  /// The installed extension of type T (starting the runner, which creates them); null when
  /// none is installed.
  template <class T>
  T* extension() {
    runner();
    for (const std::unique_ptr<KernelExtension>& e : extensions_) {
      if (auto* found = dynamic_cast<T*>(e.get())) return found;
    }
    return nullptr;
  }
  /// Futures of the runs the start-up recovery resumed.
  [[nodiscard]] const std::vector<Submission>& recovered() const { return recovered_; }

  /// Routes `module` to `mode` and persists it.
  std::string set_module_mode(const std::string& module, ModuleMode mode);
  /// Routes `module` (a cutover keeps the module's salt, or gets one the first time), persists
  /// it and records a `mode_changed` event (with `reason` when given).
  std::string set_module_routing(const std::string& module, Routing routing,
                                 std::string_view reason = {});

  /// How often a running kernel looks for routing changed by another process.
  static constexpr std::chrono::milliseconds kRoutingPollInterval{200};

 private:
  [[nodiscard]] std::string telemetry_config() const;
  /// Where a plugin's instances run: empty (in this process) unless a module it serves is
  /// isolated.
  [[nodiscard]] HooksFactory hooks_for(const PluginDescriptor& plugin) const;

  KernelOptions options_;
  KernelSink sink_;
  ModuleRegistry registry_;
  std::vector<PluginRefusal> refusals_;
  std::vector<DeclaredCommand> commands_;
  std::unique_ptr<StateStore> state_;
  std::unique_ptr<RunStore> runs_;
  std::unique_ptr<TelemetryBus> telemetry_;
  std::unique_ptr<PolicyGate> policy_;
  std::unique_ptr<LineageBus> lineage_;
  std::unique_ptr<HostServices> services_;
  std::vector<std::unique_ptr<KernelExtension>> extensions_;
  std::unique_ptr<Runner> runner_;
  std::vector<Submission> recovered_;
  std::jthread routing_watch_;  // applies `module set` from other processes while running

  void start_routing_watch();
  void stop_routing_watch();
};

}  // namespace agentsys
