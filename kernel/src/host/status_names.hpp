#pragma once
// Names for ABI status codes, as shown to operators.
#include <agentsys/abi.h>

#include <string_view>

namespace agentsys {

constexpr std::string_view status_name(as_status status) {
  switch (status) {
    case AS_OK: return "ok";
    case AS_ERR_INTERNAL: return "internal";
    case AS_ERR_INVALID_INPUT: return "invalid_input";
    case AS_ERR_UNSUPPORTED: return "unsupported";
    case AS_ERR_CANCELLED: return "cancelled";
    case AS_ERR_TIMEOUT: return "timeout";
    case AS_ERR_POLICY_DENIED: return "policy_denied";
    case AS_ERR_NEEDS_APPROVAL: return "needs_approval";
    case AS_ERR_UNAVAILABLE: return "unavailable";
    case AS_ERR_NOT_FOUND: return "not_found";
    default: return "unknown_status";
  }
}

}  // namespace agentsys
