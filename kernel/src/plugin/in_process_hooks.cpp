#include <fmt/format.h>

#include "host/string_writer.hpp"
#include "plugin/instance_hooks.hpp"
#include "plugin/plugin_library.hpp"

namespace agentsys {
namespace {

/// The plugin's vtable called directly, on the caller's thread.
class InProcessHooks final : public InstanceHooks {
 public:
  explicit InProcessHooks(const as_plugin_vtable& vt) : vt_(vt) {}

  as_status create(const as_host_api* host, as_host_ctx* ctx, std::string_view config,
                   std::string& error) override {
    StringWriter err;
    as_status status =
        vt_.on_create(host, ctx, as_str{config.data(), config.size()}, &instance_, err.get());
    if (status == AS_OK && instance_ == nullptr) status = AS_ERR_INTERNAL;
    if (status != AS_OK) {
      instance_ = nullptr;
      error = err.take();
    }
    return status;
  }

  as_status invoke(const as_call& call, as_writer* out, as_writer* err) override {
    return vt_.on_invoke(instance_, &call, out, err);
  }

  as_status command(const as_call& call, as_writer* out, as_writer* err,
                    int32_t* exit_code) override {
    if (!AS_HAS_FIELD(&vt_, as_plugin_vtable, on_command) || vt_.on_command == nullptr) {
      return AS_ERR_UNSUPPORTED;
    }
    return vt_.on_command(instance_, &call, out, err, exit_code);
  }

  void quiesce() override {
    if (vt_.on_quiesce != nullptr) vt_.on_quiesce(instance_);
  }

  [[nodiscard]] bool has_state_transfer() const override {
    return vt_.on_export_state != nullptr && vt_.on_import_state != nullptr;
  }

  as_status export_state(as_writer* out, as_writer* err) override {
    if (vt_.on_export_state == nullptr) return AS_ERR_UNSUPPORTED;
    return vt_.on_export_state(instance_, out, err);
  }

  as_status import_state(std::string_view state_json, as_writer* err) override {
    if (vt_.on_import_state == nullptr) return AS_ERR_UNSUPPORTED;
    return vt_.on_import_state(instance_, as_str{state_json.data(), state_json.size()}, err);
  }

  void destroy() override {
    if (instance_ != nullptr) vt_.on_destroy(instance_);
    instance_ = nullptr;
  }

 private:
  const as_plugin_vtable& vt_;  // the library's descriptor, which outlives the instance
  as_instance* instance_ = nullptr;
};

}  // namespace

std::unique_ptr<InstanceHooks> in_process_hooks(const PluginLibrary& library) {
  return std::make_unique<InProcessHooks>(library.descriptor().vtable);
}

}  // namespace agentsys
