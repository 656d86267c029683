#include "host/run_command_service.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "host/call_frame.hpp"
#include "host/host_api.hpp"
#include "process/subprocess.hpp"
#include "util/time.hpp"

namespace agentsys {
using json = nlohmann::json;

namespace {

as_status fail(as_writer* err, as_status status, const std::string& message) {
  as_write(err, message.data(), message.size());
  return status;
}

void reply(as_writer* out, const json& response) {
  std::string text = response.dump(-1, ' ', false, json::error_handler_t::replace);
  as_write(out, text.data(), text.size());
}

/// Parses the request into a spec; returns "" or what is wrong with it.
std::string parse_request(const json& req, SubprocessSpec& spec) {
  if (!req.is_object()) return "run_command: the request must be a JSON object";
  if (!req.contains("argv") || !req["argv"].is_array() || req["argv"].empty()) {
    return "run_command: 'argv' must be a non-empty array of strings";
  }
  for (const auto& a : req["argv"]) {
    if (!a.is_string()) return "run_command: every element of 'argv' must be a string";
    spec.argv.push_back(a.get<std::string>());
  }
  if (req.contains("env")) {
    if (!req["env"].is_object()) return "run_command: 'env' must be an object of strings";
    for (const auto& [k, v] : req["env"].items()) {
      if (!v.is_string()) return fmt::format("run_command: env '{}' must be a string", k);
      spec.env[k] = v.get<std::string>();
    }
  } else {
    spec.env = {{"PATH", "/usr/local/bin:/usr/bin:/bin"}, {"LANG", "C.UTF-8"}};
  }
  if (req.contains("cwd")) {
    if (!req["cwd"].is_string()) return "run_command: 'cwd' must be a string";
    spec.cwd = req["cwd"].get<std::string>();
  }
  if (req.contains("stdin")) {
    if (!req["stdin"].is_string()) return "run_command: 'stdin' must be a string";
    spec.stdin_data = req["stdin"].get<std::string>();
  }
  if (req.contains("timeout_ms")) {
    if (!req["timeout_ms"].is_number_unsigned()) {
      return "run_command: 'timeout_ms' must be a non-negative integer";
    }
    spec.timeout = std::chrono::milliseconds(req["timeout_ms"].get<int64_t>());
  }
  if (req.contains("max_output_bytes")) {
    if (!req["max_output_bytes"].is_number_unsigned()) {
      return "run_command: 'max_output_bytes' must be a non-negative integer";
    }
    spec.max_output_bytes = req["max_output_bytes"].get<size_t>();
  }
  return {};
}

}  // namespace

as_status run_command_service(as_host_ctx* ctx, const as_call* call, as_str request, as_writer* out,
                              as_writer* err) {
  if (call == nullptr) return fail(err, AS_ERR_INVALID_INPUT, "run_command: no call given");
  CallFrame& frame = *CallFrame::from_raw(call);
  json req = json::parse(std::string_view(request.ptr, request.len), nullptr, false);
  if (req.is_discarded())
    return fail(err, AS_ERR_INVALID_INPUT, "run_command: request is not JSON");
  SubprocessSpec spec;
  if (std::string problem = parse_request(req, spec); !problem.empty()) {
    return fail(err, AS_ERR_INVALID_INPUT, problem);
  }
  json detail = {{"argv", spec.argv}, {"cwd", spec.cwd.string()}};
  HostSink* sink = ctx != nullptr ? ctx->sink : nullptr;
  std::string plugin = ctx != nullptr ? ctx->plugin : std::string();

  if ((call->flags & AS_CALL_DRY_RUN) != 0) {
    if (sink != nullptr) sink->side_effect(plugin, frame, "command", detail.dump(), false);
    reply(out, {{"dry_run", true}, {"would_run", spec.argv}});
    return AS_OK;
  }
  // The command may not outlive the call: bound it by what is left of the call's deadline.
  if (call->deadline_unix_ms > 0) {
    auto left =
        std::chrono::milliseconds(std::max<int64_t>(1, call->deadline_unix_ms - unix_ms_now()));
    if (spec.timeout.count() == 0 || spec.timeout > left) spec.timeout = left;
  }
  spec.cancel = &frame.cancelled;
  if (sink != nullptr) sink->side_effect(plugin, frame, "command", detail.dump(), true);

  SubprocessResult r;
  try {
    r = run_subprocess(spec);
  } catch (const SubprocessError& e) {
    return fail(err, AS_ERR_NOT_FOUND, fmt::format("run_command: {}", e.what()));
  }
  if (r.timed_out && call->deadline_unix_ms > 0 && unix_ms_now() >= call->deadline_unix_ms) {
    // Killed because the call itself ran out of time: the attempt has timed out, whatever the
    // plugin does with the result.
    return fail(err, AS_ERR_TIMEOUT,
                fmt::format("run_command: '{}' was killed at the call's deadline", spec.argv[0]));
  }
  if (r.cancelled || frame.cancelled.load()) {
    return fail(err, AS_ERR_CANCELLED,
                fmt::format("run_command: '{}' was killed because the call was cancelled or "
                            "reached its deadline",
                            spec.argv[0]));
  }
  reply(out, {{"exit_code", r.exit_code},
              {"signal", r.term_signal},
              {"stdout", r.stdout_data},
              {"stderr", r.stderr_data},
              {"timed_out", r.timed_out},
              {"stdout_truncated", r.stdout_truncated},
              {"stderr_truncated", r.stderr_truncated},
              {"duration_ms", r.duration_ms},
              {"dry_run", false}});
  return AS_OK;
}

}  // namespace agentsys
