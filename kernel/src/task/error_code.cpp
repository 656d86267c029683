#include "task/error_code.hpp"

#include <array>

namespace agentsys {
namespace {

constexpr std::array<ErrorCodeInfo, 16> kCodes = {{
    {ErrorCode::none, "none", false, "no error", "nothing"},
    {ErrorCode::invalid_input, "invalid_input", false,
     "the task's input, action or configuration is malformed",
     "fix the input or configuration named in the message and resubmit"},
    {ErrorCode::policy_denied, "policy_denied", false,
     "policy refused a side effect the plugin asked for",
     "read the rule and reason in the message; change the rule only if the action is legitimate"},
    {ErrorCode::needs_approval, "needs_approval", false,
     "a high-risk action (publish, rollback, bulk write) needs an approval first",
     "approve the pending action, then resubmit"},
    {ErrorCode::timeout, "timeout", true, "an attempt ran past its timeout and was stopped",
     "look for a slow upstream or raise --timeout; retried per the retry policy"},
    {ErrorCode::cancelled, "cancelled", false, "the run was cancelled",
     "resubmit if the work is still needed"},
    {ErrorCode::plugin_error, "plugin_error", true,
     "the plugin failed: it threw, returned malformed output or reported an internal error",
     "read the message and the plugin's logs; report a bug to the plugin's owner"},
    {ErrorCode::plugin_unsupported, "plugin_unsupported", false,
     "the plugin does not support the action, or the needed host service or implementation is "
     "missing",
     "check the action name and 'agentsys module list'"},
    {ErrorCode::not_found, "not_found", false, "something the task names does not exist",
     "check the names in the input"},
    {ErrorCode::upstream_unavailable, "upstream_unavailable", true,
     "a dependency (database, server, tool) is unavailable",
     "retried automatically; if it persists, check the dependency"},
    {ErrorCode::idempotency_conflict, "idempotency_conflict", false,
     "the idempotency key was already used with a different input",
     "use a new key for a different input, or resubmit the original input"},
    {ErrorCode::output_mismatch, "output_mismatch", false,
     "V2's output differs from V1's on key fields beyond the tolerated rules",
     "read the reconciliation diff; fix V2 or classify the difference"},
    {ErrorCode::module_paused, "module_paused", false,
     "the module is paused after repeated consecutive failures",
     "fix the cause, then 'agentsys module resume MODULE'"},
    {ErrorCode::interrupted, "interrupted", true,
     "the kernel stopped (crash, kill) while the run was in flight",
     "recovery retries it per its retry policy; check why the kernel stopped"},
    {ErrorCode::internal, "internal", false, "a bug in the kernel",
     "report it with the run id and the logs"},
    {ErrorCode::plugin_crashed, "plugin_crashed", true,
     "the plugin's process died during the attempt (a signal such as SIGSEGV, an abort, exit(), "
     "a resource limit) or was killed after ignoring cancellation",
     "read the signal in the message and the plugin's stderr; retried per the retry policy, and "
     "a task that keeps crashing is quarantined; report a bug to the plugin's owner"},
}};

constexpr bool indexed_by_code() {
  for (size_t i = 0; i < kCodes.size(); ++i) {
    if (static_cast<size_t>(kCodes[i].code) != i) return false;
  }
  return true;
}
static_assert(indexed_by_code(), "kCodes must list the codes in enum order");

}  // namespace

const ErrorCodeInfo& info(ErrorCode code) { return kCodes[static_cast<size_t>(code)]; }

std::span<const ErrorCodeInfo> all_error_codes() { return kCodes; }

std::string_view to_string(ErrorCode code) { return info(code).name; }

std::optional<ErrorCode> parse_error_code(std::string_view name) {
  for (const auto& c : kCodes) {
    if (c.name == name) return c.code;
  }
  return std::nullopt;
}

ErrorCode from_status(as_status status) {
  switch (status) {
    case AS_OK: return ErrorCode::none;
    case AS_ERR_INVALID_INPUT: return ErrorCode::invalid_input;
    case AS_ERR_UNSUPPORTED: return ErrorCode::plugin_unsupported;
    case AS_ERR_CANCELLED: return ErrorCode::cancelled;
    case AS_ERR_TIMEOUT: return ErrorCode::timeout;
    case AS_ERR_POLICY_DENIED: return ErrorCode::policy_denied;
    case AS_ERR_NEEDS_APPROVAL: return ErrorCode::needs_approval;
    case AS_ERR_UNAVAILABLE: return ErrorCode::upstream_unavailable;
    case AS_ERR_NOT_FOUND: return ErrorCode::not_found;
    case kStatusPluginCrashed: return ErrorCode::plugin_crashed;
    default: return ErrorCode::plugin_error;
  }
}

}  // namespace agentsys
