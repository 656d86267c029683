#pragma once
// Calling a cross-cutting plugin (policy, telemetry, lineage) the kernel itself drives: no
// module, no run, just an action and its input.
#include <string_view>

#include "host/call_frame.hpp"
#include "plugin/plugin_instance.hpp"

namespace agentsys {

inline InvokeOutcome call_plugin(PluginInstance& plugin, std::string_view action,
                                 std::string_view input_json, const CallFrame* within = nullptr) {
  CallSpec spec;
  spec.module = "";
  spec.action = action;
  spec.input_json = input_json;
  if (within != nullptr) {
    spec.trace_id = {within->raw.trace_id.ptr, within->raw.trace_id.len};
    spec.run_id = {within->raw.run_id.ptr, within->raw.run_id.len};
    spec.task_id = {within->raw.task_id.ptr, within->raw.task_id.len};
  }
  CallFrame frame(spec);
  return plugin.invoke(frame);
}

}  // namespace agentsys
