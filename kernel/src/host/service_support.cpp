#include "host/service_support.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace agentsys::service {
using json = nlohmann::json;

std::optional<as_status> open(std::string_view service, as_host_ctx* ctx, const as_call* call,
                              as_str request, as_writer* err, Request& out) {
  if (call == nullptr) {
    return fail(err, AS_ERR_INVALID_INPUT,
                fmt::format("{}: no call given (side effects belong to a call)", service));
  }
  out.frame = CallFrame::from_raw(call);
  out.body = json::parse(std::string_view(request.ptr == nullptr ? "" : request.ptr, request.len),
                         nullptr, false);
  if (out.body.is_discarded() || !out.body.is_object()) {
    return fail(err, AS_ERR_INVALID_INPUT,
                fmt::format("{}: the request must be a JSON object", service));
  }
  if (ctx != nullptr) {
    out.plugin = ctx->plugin;
    out.sink = ctx->sink;
    out.services = ctx->sink != nullptr ? ctx->sink->services() : nullptr;
  }
  if (out.services == nullptr) {
    return fail(err, AS_ERR_POLICY_DENIED,
                fmt::format("{}: refused: this kernel runs without a policy (no configuration "
                            "with policy layers, or no policy plugin loaded: see 'agentsys "
                            "plugins list'; --plugin-dir replaces the default plugin directory, "
                            "so name the bundled one too), so it performs no side effect",
                            service));
  }
  return std::nullopt;
}

as_status enforce(std::string_view service, std::string_view what, const PolicyDecision& decision,
                  as_writer* err) {
  if (decision.allowed()) return AS_OK;
  bool approval = decision.decision == "needs_approval";
  return fail(err, approval ? AS_ERR_NEEDS_APPROVAL : AS_ERR_POLICY_DENIED,
              fmt::format("{}: policy {} {} (rule {}): {}", service,
                          approval ? "requires an approval for" : "denied", what, decision.rule,
                          decision.reason));
}

std::optional<PolicyDecision> decide(std::string_view service, Request& request,
                                     json policy_request, as_writer* err, as_status& status) {
  try {
    return request.services->decide(std::move(policy_request), *request.frame, request.plugin);
  } catch (const std::invalid_argument& e) {
    status = fail(err, AS_ERR_INVALID_INPUT, fmt::format("{}: {}", service, e.what()));
  } catch (const std::exception& e) {
    // Fail closed: without a decision nothing happens.
    status = fail(err, AS_ERR_POLICY_DENIED,
                  fmt::format("{}: refused: policy could not decide: {}", service, e.what()));
  }
  return std::nullopt;
}

void record(const Request& request, std::string_view kind, const json& detail, bool performed) {
  if (request.sink == nullptr) return;
  request.sink->side_effect(request.plugin, *request.frame, kind,
                            detail.dump(-1, ' ', false, json::error_handler_t::replace), performed);
}

}  // namespace agentsys::service
