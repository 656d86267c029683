#pragma once
// Where one plugin instance's hooks run: in the kernel's process through the plugin's own
// vtable (the default), or behind the same interface in a plugin host process (isolation/).
#include <agentsys/abi.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace agentsys {

class PluginLibrary;

/// One instance's hooks. `create` is called once, first; `destroy` once, last, after every
/// other call has returned. The other calls mirror the vtable's (see abi.h).
class InstanceHooks {
 public:
  virtual ~InstanceHooks() = default;
  /// `host` and `ctx` stay valid until destroy() returns. On failure, `error` says why.
  virtual as_status create(const as_host_api* host, as_host_ctx* ctx, std::string_view config,
                           std::string& error) = 0;
  virtual as_status invoke(const as_call& call, as_writer* out, as_writer* err) = 0;
  /// AS_ERR_UNSUPPORTED when the plugin has no on_command hook.
  virtual as_status command(const as_call& call, as_writer* out, as_writer* err,
                            int32_t* exit_code) = 0;
  virtual void quiesce() = 0;
  /// Whether the plugin can hand its state to a replacement (both state hooks present).
  [[nodiscard]] virtual bool has_state_transfer() const = 0;
  virtual as_status export_state(as_writer* out, as_writer* err) = 0;
  virtual as_status import_state(std::string_view state_json, as_writer* err) = 0;
  virtual void destroy() = 0;
  /// True when the hooks run in a plugin host process.
  [[nodiscard]] virtual bool isolated() const { return false; }
};

/// Makes the hooks for an instance of `library`; an empty factory means in-process hooks.
using HooksFactory = std::function<std::unique_ptr<InstanceHooks>(const PluginLibrary& library)>;

/// The in-process hooks: the library's own vtable, called directly.
std::unique_ptr<InstanceHooks> in_process_hooks(const PluginLibrary& library);

}  // namespace agentsys
