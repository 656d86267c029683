#include "plugin/plugin_instance.hpp"

#include <fmt/format.h>

#include "host/call_frame.hpp"
#include "host/string_writer.hpp"

namespace agentsys {

std::shared_ptr<PluginInstance> PluginInstance::create(std::shared_ptr<const PluginLibrary> library,
                                                       HostSink& sink, std::string_view config_json,
                                                       std::string& error) {
  std::shared_ptr<PluginInstance> self(new PluginInstance());
  self->library_ = std::move(library);
  self->host_ctx_.plugin = self->library_->descriptor().name;
  self->host_ctx_.sink = &sink;
  const as_plugin_vtable& vt = self->library_->descriptor().vtable;
  StringWriter err;
  as_instance* instance = nullptr;
  as_status status =
      vt.on_create(host_api(), &self->host_ctx_, as_str{config_json.data(), config_json.size()},
                   &instance, err.get());
  if (status != AS_OK || instance == nullptr) {
    error = fmt::format("{}: on_create failed (status {}){}{}", self->descriptor().name, status,
                        err.str().empty() ? "" : ": ", err.str());
    return nullptr;
  }
  self->instance_ = instance;
  return self;
}

PluginInstance::~PluginInstance() {
  if (instance_ != nullptr) library_->descriptor().vtable.on_destroy(instance_);
}

InvokeOutcome PluginInstance::command(CallFrame& frame, int& exit_code) {
  const as_plugin_vtable& vt = library_->descriptor().vtable;
  InvokeOutcome outcome;
  if (!AS_HAS_FIELD(&vt, as_plugin_vtable, on_command) || vt.on_command == nullptr) {
    outcome.status = AS_ERR_UNSUPPORTED;
    outcome.error = "the plugin serves no command (no on_command hook)";
    return outcome;
  }
  StringWriter out;
  StringWriter err;
  int32_t code = 0;
  std::unique_lock lock(serial_, std::defer_lock);
  if (!library_->descriptor().thread_safe) lock.lock();
  outcome.status = vt.on_command(instance_, &frame.raw, out.get(), err.get(), &code);
  exit_code = code;
  outcome.output = out.take();
  outcome.error = err.take();
  return outcome;
}

InvokeOutcome PluginInstance::invoke(CallFrame& frame) {
  const as_plugin_vtable& vt = library_->descriptor().vtable;
  StringWriter out;
  StringWriter err;
  InvokeOutcome outcome;
  if (library_->descriptor().thread_safe) {
    outcome.status = vt.on_invoke(instance_, &frame.raw, out.get(), err.get());
  } else {
    std::lock_guard lock(serial_);
    outcome.status = vt.on_invoke(instance_, &frame.raw, out.get(), err.get());
  }
  outcome.output = out.take();
  outcome.error = err.take();
  return outcome;
}

void PluginInstance::quiesce() {
  const as_plugin_vtable& vt = library_->descriptor().vtable;
  if (vt.on_quiesce != nullptr) vt.on_quiesce(instance_);
}

bool PluginInstance::has_state_transfer() const {
  const as_plugin_vtable& vt = library_->descriptor().vtable;
  return vt.on_export_state != nullptr && vt.on_import_state != nullptr;
}

std::optional<std::string> PluginInstance::export_state(std::string& error) {
  const as_plugin_vtable& vt = library_->descriptor().vtable;
  if (vt.on_export_state == nullptr) return std::nullopt;
  StringWriter out;
  StringWriter err;
  as_status status = vt.on_export_state(instance_, out.get(), err.get());
  if (status != AS_OK) {
    error = fmt::format("{}: on_export_state failed (status {}): {}", descriptor().name, status,
                        err.str());
    return std::nullopt;
  }
  return out.take();
}

bool PluginInstance::import_state(std::string_view state_json, std::string& error) {
  const as_plugin_vtable& vt = library_->descriptor().vtable;
  if (vt.on_import_state == nullptr) return true;
  StringWriter err;
  as_status status =
      vt.on_import_state(instance_, as_str{state_json.data(), state_json.size()}, err.get());
  if (status != AS_OK) {
    error = fmt::format("{}: on_import_state failed (status {}): {}", descriptor().name, status,
                        err.str());
    return false;
  }
  return true;
}

}  // namespace agentsys
