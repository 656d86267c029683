#include "plugin/plugin_instance.hpp"

#include <fmt/format.h>

#include "host/call_frame.hpp"
#include "host/string_writer.hpp"

namespace agentsys {

std::shared_ptr<PluginInstance> PluginInstance::create(std::shared_ptr<const PluginLibrary> library,
                                                       HostSink& sink, std::string_view config_json,
                                                       std::string& error, HooksFactory hooks) {
  std::shared_ptr<PluginInstance> self(new PluginInstance());
  self->library_ = std::move(library);
  self->host_ctx_.plugin = self->library_->descriptor().name;
  self->host_ctx_.sink = &sink;
  self->factory_ = std::move(hooks);
  self->hooks_ =
      self->factory_ ? self->factory_(*self->library_) : in_process_hooks(*self->library_);
  std::string why;
  as_status status = self->hooks_->create(host_api(), &self->host_ctx_, config_json, why);
  if (status != AS_OK) {
    error = fmt::format("{}: on_create failed (status {}){}{}", self->descriptor().name, status,
                        why.empty() ? "" : ": ", why);
    return nullptr;
  }
  self->created_ = true;
  return self;
}

PluginInstance::~PluginInstance() {
  if (created_) hooks_->destroy();
}

InvokeOutcome PluginInstance::command(CallFrame& frame, int& exit_code) {
  StringWriter out;
  StringWriter err;
  int32_t code = 0;
  InvokeOutcome outcome;
  {
    std::unique_lock lock(serial_, std::defer_lock);
    if (!library_->descriptor().thread_safe) lock.lock();
    outcome.status = hooks_->command(frame.raw, out.get(), err.get(), &code);
  }
  if (outcome.status == AS_ERR_UNSUPPORTED && err.str().empty()) {
    outcome.error = "the plugin serves no command (no on_command hook)";
    return outcome;
  }
  exit_code = code;
  outcome.output = out.take();
  outcome.error = err.take();
  return outcome;
}

InvokeOutcome PluginInstance::invoke(CallFrame& frame) {
  StringWriter out;
  StringWriter err;
  InvokeOutcome outcome;
  if (library_->descriptor().thread_safe) {
    outcome.status = hooks_->invoke(frame.raw, out.get(), err.get());
  } else {
    std::lock_guard lock(serial_);
    outcome.status = hooks_->invoke(frame.raw, out.get(), err.get());
  }
  outcome.output = out.take();
  outcome.error = err.take();
  return outcome;
}

void PluginInstance::quiesce() { hooks_->quiesce(); }

bool PluginInstance::has_state_transfer() const { return hooks_->has_state_transfer(); }

std::optional<std::string> PluginInstance::export_state(std::string& error) {
  StringWriter out;
  StringWriter err;
  as_status status = hooks_->export_state(out.get(), err.get());
  if (status == AS_ERR_UNSUPPORTED) return std::nullopt;
  if (status != AS_OK) {
    error = fmt::format("{}: on_export_state failed (status {}): {}", descriptor().name, status,
                        err.str());
    return std::nullopt;
  }
  return out.take();
}

bool PluginInstance::import_state(std::string_view state_json, std::string& error) {
  StringWriter err;
  as_status status = hooks_->import_state(state_json, err.get());
  if (status == AS_ERR_UNSUPPORTED) return true;
  if (status != AS_OK) {
    error = fmt::format("{}: on_import_state failed (status {}): {}", descriptor().name, status,
                        err.str());
    return false;
  }
  return true;
}

}  // namespace agentsys
