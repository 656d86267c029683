#pragma once
// The kernel: plugins discovered and loaded, modules bound, state opened. What the CLI drives.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "host/host_api.hpp"
#include "registry/module_registry.hpp"
#include "store/state_store.hpp"

namespace agentsys {

struct KernelOptions {
  std::vector<std::filesystem::path> plugin_dirs;  ///< Searched in order.
  std::filesystem::path state_dir = "var";
};

/// A plugin file the kernel would not load, and why.
struct PluginRefusal {
  std::filesystem::path file;
  std::string reason;
};

class Kernel {
 public:
  /// Loads every plugin in `options.plugin_dirs` (refusing bad ones, keeping the rest) and
  /// applies the module modes persisted in the state directory, if it exists.
  explicit Kernel(KernelOptions options, HostSink* sink = nullptr);

  [[nodiscard]] ModuleRegistry& registry() { return registry_; }
  [[nodiscard]] const ModuleRegistry& registry() const { return registry_; }
  [[nodiscard]] const std::vector<PluginRefusal>& refusals() const { return refusals_; }
  [[nodiscard]] const KernelOptions& options() const { return options_; }

  /// The state store, opened (and created) on first use.
  StateStore& state();

  /// Routes `module` to `mode` and persists it.
  std::string set_module_mode(const std::string& module, ModuleMode mode);

 private:
  KernelOptions options_;
  LoggerSink default_sink_;
  HostSink* sink_;
  ModuleRegistry registry_;
  std::vector<PluginRefusal> refusals_;
  std::unique_ptr<StateStore> state_;
};

}  // namespace agentsys
