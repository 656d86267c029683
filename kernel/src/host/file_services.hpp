#pragma once
// The host's read_file and write_file services: a plugin reads and writes files only through
// these, only where path policy allows, and a dry run writes nothing.
//
//   read_file   {"path": P, "max_bytes": N (default 64 MiB)}
//               -> {"path": canonical, "content": text, "bytes": n}
//   write_file  {"path": P, "content": text, "append": false}
//               -> {"path": canonical, "bytes": n, "dry_run": false}
//               (dry run: {"dry_run": true, "would_write": canonical, "bytes": n})
// A relative P is taken from the run's own directory (<state_dir>/runs/<run_id>). Content is
// UTF-8 text. A write replaces the file atomically (temporary file, then rename) and creates
// missing parent directories inside the allowed root.
#include <agentsys/abi.h>

namespace agentsys {

as_status read_file_service(as_host_ctx* ctx, const as_call* call, as_str request, as_writer* out,
                            as_writer* err);
as_status write_file_service(as_host_ctx* ctx, const as_call* call, as_str request, as_writer* out,
                             as_writer* err);

}  // namespace agentsys
