#pragma once
// The host's policy_check service: asks policy for a decision without acting (so a plugin can
// plan, e.g. skip a publish that would need an approval). The decision is logged like any.
//
// Request:  a policy request, {"kind": "command"|"path"|"sql"|"action", ...kind fields} (see
//           docs/policy.md).
// Response: {"decision": "allow"|"deny"|"needs_approval", "rule": ..., "reason": ..., ...}
#include <agentsys/abi.h>

namespace agentsys {

as_status policy_check_service(as_host_ctx* ctx, const as_call* call, as_str request,
                               as_writer* out, as_writer* err);

}  // namespace agentsys
