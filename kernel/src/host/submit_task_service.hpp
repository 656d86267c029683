#pragma once
// The host's submit_task service (ABI 1.1): a plugin (a scheduler) submits tasks to the
// kernel's runner. Each is decided by action policy first (a high-risk action such as publish
// may need an approval), inherits the caller's trace id and dry-run flag, and is acknowledged
// durably before the service returns. It does not wait for the task to run.
//
// Request:  {"module": M, "action": "run", "input": {...}, "idempotency_key": K,
//            "timeout_s": X}   (module required)
// Response: {"run_id", "task_id", "trace_id", "done": B} plus, when the run is already
//           finished (an idempotency replay), "status", "error_code" and "replayed".
// Errors:   AS_ERR_POLICY_DENIED / AS_ERR_NEEDS_APPROVAL (nothing submitted),
//           AS_ERR_INVALID_INPUT (unknown module, bad request), AS_ERR_UNSUPPORTED (no runner).
#include <agentsys/abi.h>

namespace agentsys {

as_status submit_task_service(as_host_ctx* ctx, const as_call* call, as_str request, as_writer* out,
                              as_writer* err);

}  // namespace agentsys
