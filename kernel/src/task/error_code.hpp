#pragma once
// The closed set of error codes a run can end with (documented in docs/errors.md).
#include <agentsys/abi.h>

#include <optional>
#include <span>
#include <string_view>

namespace agentsys {

enum class ErrorCode {
  none,
  invalid_input,
  policy_denied,
  needs_approval,
  timeout,
  cancelled,
  plugin_error,
  plugin_unsupported,
  not_found,
  upstream_unavailable,
  idempotency_conflict,
  output_mismatch,
  module_paused,
  interrupted,
  internal,
  plugin_crashed,
};

struct ErrorCodeInfo {
  ErrorCode code;
  std::string_view name;
  bool retryable;
  std::string_view meaning;
  std::string_view operator_action;
};

const ErrorCodeInfo& info(ErrorCode code);
std::span<const ErrorCodeInfo> all_error_codes();
std::string_view to_string(ErrorCode code);
std::optional<ErrorCode> parse_error_code(std::string_view name);

/// What an isolated plugin's call "returns" when its plugin host process died or was killed
/// during it. Kernel-internal: no plugin ever sees or returns it.
inline constexpr as_status kStatusPluginCrashed = -1000;

/// The error code for what a plugin call returned.
ErrorCode from_status(as_status status);

}  // namespace agentsys
