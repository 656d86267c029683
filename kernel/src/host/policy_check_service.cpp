#include "host/policy_check_service.hpp"

#include <fmt/format.h>

#include "host/http_url.hpp"
#include "host/service_support.hpp"

namespace agentsys {

as_status policy_check_service(as_host_ctx* ctx, const as_call* call, as_str request,
                               as_writer* out, as_writer* err) {
  service::Request req;
  if (auto refused = service::open("policy_check", ctx, call, request, err, req)) return *refused;
  // An http question may name a URL: it is split by the HTTP client's own parser, exactly as
  // http_request would split it.
  if (req.body.value("kind", "") == "http" && req.body.contains("url") &&
      !req.body.contains("host")) {
    HttpTarget target;
    const std::string url = req.body["url"].is_string() ? req.body["url"].get<std::string>() : "";
    if (std::string p = parse_http_url(url, target); !p.empty()) {
      return service::fail(err, AS_ERR_INVALID_INPUT, fmt::format("policy_check: 'url': {}", p));
    }
    req.body = http_policy_request(req.body.value("method", "GET"), target);
  }
  as_status status = AS_OK;
  auto decision = service::decide("policy_check", req, req.body, err, status);
  if (!decision) return status;
  service::reply(out, decision->detail);
  return AS_OK;
}

}  // namespace agentsys
