#include "host/policy_check_service.hpp"

#include "host/service_support.hpp"

namespace agentsys {

as_status policy_check_service(as_host_ctx* ctx, const as_call* call, as_str request,
                               as_writer* out, as_writer* err) {
  service::Request req;
  if (auto refused = service::open("policy_check", ctx, call, request, err, req)) return *refused;
  as_status status = AS_OK;
  auto decision = service::decide("policy_check", req, req.body, err, status);
  if (!decision) return status;
  service::reply(out, decision->detail);
  return AS_OK;
}

}  // namespace agentsys
