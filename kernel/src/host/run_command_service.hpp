#pragma once
// The host's run_command service: a plugin runs a command through the kernel, which asks
// command policy first, runs only what policy approved (the resolved executable, the scrubbed
// environment), bounds it by the call's deadline, kills its process group on cancellation and
// honours dry-run.
#include <agentsys/abi.h>

namespace agentsys {

/// as_host_service_fn for `run_command`.
///
/// Request:  {"argv": ["name-or-path", ...], "env": {"K": "V"}, "cwd": "DIR", "stdin": "TEXT",
///            "timeout_ms": N, "max_output_bytes": N}   (only argv is required). argv[0] is
///            resolved by policy on the policy's search path; env keeps only what policy's
///            allowlist names; cwd defaults to the run's directory. AGENTSYS_RUN_ID,
///            AGENTSYS_TRACE_ID, AGENTSYS_RUN_DIR and AGENTSYS_OUTPUT_DIR are added.
/// Response: {"exit_code": N, "signal": N, "stdout": "...", "stderr": "...", "timed_out": B,
///            "stdout_truncated": B, "stderr_truncated": B, "duration_ms": X,
///            "resolved": "/usr/bin/...", "dry_run": false}
///           or, in dry-run, {"dry_run": true, "would_run": [argv...]} without running anything.
/// Errors:   AS_ERR_POLICY_DENIED / AS_ERR_NEEDS_APPROVAL (nothing was run), AS_ERR_INVALID_INPUT
///           (bad request), AS_ERR_NOT_FOUND (cannot start), AS_ERR_TIMEOUT / AS_ERR_CANCELLED
///           (the call reached its deadline or was cancelled meanwhile).
as_status run_command_service(as_host_ctx* ctx, const as_call* call, as_str request, as_writer* out,
                              as_writer* err);

}  // namespace agentsys
