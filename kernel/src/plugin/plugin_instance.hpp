#pragma once
// One live instance of a plugin: created through on_create, released through on_destroy.
#include <agentsys/abi.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "host/host_api.hpp"
#include "plugin/instance_hooks.hpp"
#include "plugin/plugin_library.hpp"

namespace agentsys {

struct CallFrame;

/// What one on_invoke returned.
struct InvokeOutcome {
  as_status status = AS_OK;
  std::string output;  ///< Result JSON on AS_OK.
  std::string error;   ///< Explanation otherwise.
};

/// Owns an `as_instance`. Holds its library, so the library outlives every instance made from
/// it; callers hold a shared_ptr for the duration of a call, which is what lets a hot swap
/// unbind an instance while calls on it are still running.
class PluginInstance {
 public:
  /// Creates an instance whose hooks `hooks` makes (empty: in this process); on failure
  /// returns null and sets `error`.
  static std::shared_ptr<PluginInstance> create(std::shared_ptr<const PluginLibrary> library,
                                                HostSink& sink, std::string_view config_json,
                                                std::string& error, HooksFactory hooks = {});
  ~PluginInstance();
  PluginInstance(const PluginInstance&) = delete;
  PluginInstance& operator=(const PluginInstance&) = delete;

  /// Calls on_invoke; serialised when the plugin is not thread-safe. Never throws.
  InvokeOutcome invoke(CallFrame& frame);

  /// Calls on_command (ABI 1.3) for one of the commands the descriptor declares; the exit
  /// code goes to `outcome.exit_code`. AS_ERR_UNSUPPORTED when the plugin has no such hook.
  InvokeOutcome command(CallFrame& frame, int& exit_code);

  /// Optional hooks; each is a no-op (or nullopt/false) when the plugin lacks it.
  void quiesce();
  std::optional<std::string> export_state(std::string& error);
  bool import_state(std::string_view state_json, std::string& error);
  [[nodiscard]] bool has_state_transfer() const;

  [[nodiscard]] const PluginDescriptor& descriptor() const { return library_->descriptor(); }
  [[nodiscard]] const PluginLibrary& library() const { return *library_; }
  [[nodiscard]] const std::shared_ptr<const PluginLibrary>& library_ptr() const { return library_; }
  /// What made this instance's hooks (empty: in-process); a hot swap makes the new build's
  /// the same way.
  [[nodiscard]] const HooksFactory& hooks_factory() const { return factory_; }
  /// True when the instance runs in a plugin host process.
  [[nodiscard]] bool isolated() const { return hooks_->isolated(); }

 private:
  PluginInstance() = default;

  std::shared_ptr<const PluginLibrary> library_;  // declared first: destroyed last
  as_host_ctx host_ctx_;
  HooksFactory factory_;
  std::unique_ptr<InstanceHooks> hooks_;
  bool created_ = false;
  std::mutex serial_;  // held around calls when the plugin is not thread-safe
};

}  // namespace agentsys
