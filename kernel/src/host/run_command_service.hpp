#pragma once
// The host's run_command service: a plugin runs a command through the kernel, which bounds it
// by the call's deadline, kills its process group on cancellation and honours dry-run.
#include <agentsys/abi.h>

namespace agentsys {

/// as_host_service_fn for `run_command`.
///
/// Request:  {"argv": ["/abs/or/name", ...], "env": {"K": "V"}, "cwd": "DIR", "stdin": "TEXT",
///            "timeout_ms": N, "max_output_bytes": N}   (only argv is required; env defaults to
///            {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"})
/// Response: {"exit_code": N, "signal": N, "stdout": "...", "stderr": "...", "timed_out": B,
///            "stdout_truncated": B, "stderr_truncated": B, "duration_ms": X, "dry_run": false}
///           or, in dry-run, {"dry_run": true, "would_run": [argv...]} without running anything.
/// Errors:   AS_ERR_INVALID_INPUT (bad request), AS_ERR_NOT_FOUND (cannot start),
///           AS_ERR_CANCELLED (the call was cancelled or reached its deadline meanwhile).
as_status run_command_service(as_host_ctx* ctx, const as_call* call, as_str request, as_writer* out,
                              as_writer* err);

}  // namespace agentsys
