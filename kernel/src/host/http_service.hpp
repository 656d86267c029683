#pragma once
// The host's HTTP services: http_request (the whole body in the response JSON) and
// http_stream (ABI 1.3: the body delivered to a plugin's sink as it arrives). Request and
// response shapes: docs/sdk/http.md.
#include <agentsys/abi.h>

namespace agentsys {

as_status http_request_service(as_host_ctx* ctx, const as_call* call, as_str request,
                               as_writer* out, as_writer* err);

as_status http_stream_service(as_host_ctx* ctx, const as_call* call, as_str request,
                              const as_http_sink* sink, as_writer* out, as_writer* err);

}  // namespace agentsys
