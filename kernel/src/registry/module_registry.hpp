#pragma once
// Which plugin instance serves each module, and the atomic hot swap of those bindings.
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plugin/plugin_instance.hpp"
#include "registry/module_mode.hpp"

namespace agentsys {

struct CallFrame;

/// A module's two implementations and how its tasks are routed between them.
struct ModuleBinding {
  std::string module;
  std::shared_ptr<PluginInstance> v1;
  std::shared_ptr<PluginInstance> v2;
  std::optional<Routing> explicit_routing;  ///< Set by an operator; unset means the default.

  /// The explicit routing, else v1 while a V1 plugin exists (migrations start from V1), else v2.
  [[nodiscard]] Routing routing() const {
    if (explicit_routing) return *explicit_routing;
    return {v1 ? ModuleMode::v1 : ModuleMode::v2, 0, {}};
  }
  [[nodiscard]] ModuleMode mode() const { return routing().mode; }
};

/// What one routed call did.
struct Invocation {
  InvokeOutcome outcome;
  as_impl impl = AS_IMPL_NONE;  ///< The implementation that served it (NONE if none did).
  std::string plugin;
  std::string plugin_version;
  double latency_ms = 0;
};

/// Thread-safe registry of plugin instances and module bindings.
///
/// Readers take an immutable snapshot of the whole table (one short locked load) and hold the
/// instance they call through a shared_ptr; writers build a new table and publish it with one
/// locked store. So a swap is atomic for every caller, calls in flight finish on the old
/// instance, and the old instance (then its library) goes away when its last call returns.
class ModuleRegistry {
 public:
  enum class Install { add, replace };

  explicit ModuleRegistry(HostSink& sink);

  /// Creates an instance of `library` and binds it to each module it serves (domain plugins).
  /// `add` refuses a plugin name that is already installed; `replace` swaps it (hot reload),
  /// carrying state over when both builds support it. Refuses, changing nothing, when a
  /// module's slot is held by another plugin. `hooks` says where the instance runs (empty:
  /// in this process, or for `replace` wherever the instance it replaces runs). Returns "" or
  /// the reason.
  std::string install(std::shared_ptr<const PluginLibrary> library, Install how,
                      std::string_view config_json = "{}", HooksFactory hooks = {});

  /// Routes `module` to `mode` (cutover at 0%); fails when the module or an implementation
  /// the mode needs is missing.
  std::string set_mode(std::string_view module, ModuleMode mode);
  /// Same, with a cutover percentage and salt. Fails for a percentage outside 0..100.
  std::string set_routing(std::string_view module, const Routing& routing);

  /// Applies a persisted routing without requiring the implementation to be loaded (a call
  /// then fails loudly instead of silently running the other implementation). False if unknown.
  bool restore_mode(std::string_view module, ModuleMode mode);
  bool restore_routing(std::string_view module, const Routing& routing);

  /// Where a call to `module` goes now: the instance that serves it (and whose result is
  /// returned), in shadow mode the V2 instance run alongside it for comparison, or an error
  /// outcome saying why there is none. In cutover the task's `bucket_key` (its idempotency
  /// key) picks the side.
  struct Route {
    std::shared_ptr<PluginInstance> instance;
    std::shared_ptr<PluginInstance> shadow;
    InvokeOutcome error;
    Routing routing;
  };
  [[nodiscard]] Route route(std::string_view module, std::string_view bucket_key = {}) const;

  /// Calls `instance` (timing it). Never throws.
  static Invocation call(PluginInstance& instance, CallFrame& frame);

  /// Routes the call in `frame` to the module's current implementation. Never throws.
  Invocation invoke(CallFrame& frame) const;

  [[nodiscard]] std::optional<ModuleBinding> binding(std::string_view module) const;
  [[nodiscard]] std::vector<ModuleBinding> bindings() const;
  [[nodiscard]] std::vector<std::shared_ptr<PluginInstance>> plugins() const;

 private:
  struct Table {
    std::map<std::string, ModuleBinding, std::less<>> modules;
    std::map<std::string, std::shared_ptr<PluginInstance>, std::less<>> plugins;
  };

  HostSink& sink_;
  std::mutex write_mutex_;  // serialises writers; readers never take it
  /// The published table. A short mutex rather than std::atomic<std::shared_ptr>: GCC 12's
  /// atomic shared_ptr spins on a lock bit, and with more busy threads than cores a preempted
  /// holder made readers and the swapper spin for whole time slices (swap p99 of 36 ms).
  class Published {
   public:
    explicit Published(std::shared_ptr<const Table> t) : table_(std::move(t)) {}
    std::shared_ptr<const Table> load() const {
      std::lock_guard lock(mutex_);
      return table_;
    }
    void store(std::shared_ptr<const Table> next) {
      {
        std::lock_guard lock(mutex_);
        table_.swap(next);
      }
      // `next` now holds the old table: released outside the lock.
    }

   private:
    mutable std::mutex mutex_;
    std::shared_ptr<const Table> table_;
  };
  Published table_;
};

}  // namespace agentsys
