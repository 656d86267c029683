#pragma once
// The host's query_runs service (ABI 1.2): a plugin reads the kernel's own run records — the
// recent runs of one module, with status, error code, input, idempotency key and attempts — e.g.
// a remediation runner looking for failed jobs, without touching the state database itself
// (path policy keeps plugins away from it).
//
// Policy-neutral: it changes nothing and reads only what the kernel recorded, so the policy
// plugin is not asked; the kernel's built-in rule `kernel.query_runs` allows it and the
// decision is appended to the decision log like any other. A dry-run call reads too.
//
// Request:  {"module": M (required), "statuses": ["failed", ...], "idempotency_key_prefix": P,
//            "since": "2026-03-01T00:00:00Z", "include_dry_runs": false, "limit": 100 (1..1000)}
// Response: {"runs": [{"run_id", "task_id", "trace_id", "module", "action", "status",
//            "error_code", "message", "input", "idempotency_key", "attempts", "dry_run", "impl",
//            "plugin", "plugin_version", "latency_ms", "created_at", "updated_at"}, ...],
//            "truncated": B}, newest first; error_code, message, idempotency_key, impl, plugin
//            and plugin_version are null when the run has none; input is the run's input JSON.
// Errors:   AS_ERR_INVALID_INPUT (bad request), AS_ERR_UNSUPPORTED (the kernel records no runs).
#include <agentsys/abi.h>

namespace agentsys {

as_status query_runs_service(as_host_ctx* ctx, const as_call* call, as_str request, as_writer* out,
                             as_writer* err);

}  // namespace agentsys
