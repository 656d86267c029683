#pragma once
// What every side-effect service of the host does the same way: parse the request, find the
// services, answer, and turn a policy decision that is not "allow" into the matching status.
#include <agentsys/abi.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "host/call_frame.hpp"
#include "host/host_api.hpp"
#include "host/host_services.hpp"

namespace agentsys::service {

inline as_status fail(as_writer* err, as_status status, std::string_view message) {
  as_write(err, message.data(), message.size());
  return status;
}

inline void reply(as_writer* out, const nlohmann::json& response) {
  std::string text = response.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  as_write(out, text.data(), text.size());
}

/// A service call, checked: the frame, the parsed request object, the plugin's name, and the
/// kernel's services (null when the kernel runs without policy: every side effect is refused).
struct Request {
  CallFrame* frame = nullptr;
  nlohmann::json body;
  std::string plugin;
  HostSink* sink = nullptr;
  HostServices* services = nullptr;

  [[nodiscard]] bool dry_run() const { return (frame->raw.flags & AS_CALL_DRY_RUN) != 0; }
  /// A shadow call: side effects outside its run directory are only recorded ("would do").
  [[nodiscard]] bool shadow() const { return frame->shadow; }
};

/// Parses and checks what every service needs; on failure writes why to `err` and returns
/// the status to give back.
std::optional<as_status> open(std::string_view service, as_host_ctx* ctx, const as_call* call,
                              as_str request, as_writer* err, Request& out);

/// AS_OK for "allow"; otherwise writes "<service>: policy denied <what> (rule R): reason" and
/// returns AS_ERR_POLICY_DENIED or AS_ERR_NEEDS_APPROVAL.
as_status enforce(std::string_view service, std::string_view what, const PolicyDecision& decision,
                  as_writer* err);

/// Asks policy, turning a malformed request or a failing policy plugin into a status.
std::optional<PolicyDecision> decide(std::string_view service, Request& request,
                                     nlohmann::json policy_request, as_writer* err,
                                     as_status& status);

/// Records a side effect (performed, or "would do" under dry-run) in the run's events.
void record(const Request& request, std::string_view kind, const nlohmann::json& detail,
            bool performed);

}  // namespace agentsys::service
