#pragma once
// The kernel side of one plugin call: the as_call the plugin sees plus the kernel's controls.
#include <agentsys/abi.h>

#include <atomic>
#include <cstdint>
#include <string_view>
#include <type_traits>

namespace agentsys {

/// What the caller (CLI, runner) asks a module to do. Views must outlive the call.
struct CallSpec {
  std::string_view module;
  std::string_view action = "run";
  std::string_view input_json = "{}";
  std::string_view trace_id;
  std::string_view run_id;
  std::string_view task_id;
  uint32_t attempt = 1;
  bool dry_run = false;
  /// A shadow call (V2 beside V1 in shadow mode): every side effect outside its own run
  /// directory gets dry-run semantics, whatever the plugin asks.
  bool shadow = false;
  int64_t deadline_unix_ms = 0;
};

/// `raw` is first so the `const as_call*` a plugin hands back to a host function can be
/// turned back into its frame (the pointer is the kernel's own, see `from_raw`).
struct CallFrame {
  as_call raw{};
  std::atomic<bool> cancelled{false};
  bool shadow = false;  ///< see CallSpec::shadow

  explicit CallFrame(const CallSpec& spec) : shadow(spec.shadow) {
    raw.struct_size = sizeof(as_call);
    raw.flags = spec.dry_run ? AS_CALL_DRY_RUN : 0u;
    raw.module = view(spec.module);
    raw.action = view(spec.action);
    raw.input_json = view(spec.input_json);
    raw.trace_id = view(spec.trace_id);
    raw.run_id = view(spec.run_id);
    raw.task_id = view(spec.task_id);
    raw.attempt = spec.attempt;
    raw.deadline_unix_ms = spec.deadline_unix_ms;
  }
  CallFrame(const CallFrame&) = delete;
  CallFrame& operator=(const CallFrame&) = delete;

  static CallFrame* from_raw(const as_call* call) {
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): pointer-interconvertible
    return const_cast<CallFrame*>(reinterpret_cast<const CallFrame*>(call));
  }
  [[nodiscard]] std::string_view module() const { return {raw.module.ptr, raw.module.len}; }

 private:
  static as_str view(std::string_view s) { return as_str{s.data(), s.size()}; }
};

static_assert(std::is_standard_layout_v<CallFrame>, "CallFrame must stay standard-layout");

}  // namespace agentsys
