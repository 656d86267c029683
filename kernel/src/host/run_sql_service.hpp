#pragma once
// The host's run_sql service: one SQL statement against a configured database, decided by SQL
// policy (the PostgreSQL parser, the context's tables) and enforced again by SQLite itself.
//
// Request:  {"database": "ops", "sql": "SELECT ... WHERE started_at >= $1", "params": [...] or
//            {...}, "context": "read_only" (default), "max_rows": N (default 1,000,000)}
// Response: {"columns": [...], "rows": [[...], ...], "row_count": N, "truncated": B,
//            "changes": N, "tables": [...policy's list], "dry_run": B}
//           A write statement under dry-run is not executed: {"dry_run": true, "would_run": SQL}.
// Errors:   AS_ERR_POLICY_DENIED / AS_ERR_NEEDS_APPROVAL (nothing ran), AS_ERR_NOT_FOUND
//           (unknown database or missing file), AS_ERR_INVALID_INPUT (bad request or SQLite
//           rejected the statement), AS_ERR_CANCELLED.
#include <agentsys/abi.h>

namespace agentsys {

as_status run_sql_service(as_host_ctx* ctx, const as_call* call, as_str request, as_writer* out,
                          as_writer* err);

}  // namespace agentsys
