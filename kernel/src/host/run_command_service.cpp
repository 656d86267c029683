#include "host/run_command_service.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "host/service_support.hpp"
#include "process/subprocess.hpp"
#include "util/time.hpp"

namespace agentsys {
using json = nlohmann::json;

namespace {

/// Parses the request into a spec; returns "" or what is wrong with it.
std::string parse_request(const json& req, SubprocessSpec& spec) {
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

/// The variables a command may learn about its run (kept only if policy's env allowlist
/// names them).
void add_run_env(const CallFrame& frame, const HostServices& services,
                 const std::filesystem::path& run_dir, SubprocessSpec& spec) {
  auto put = [&](const char* name, std::string value) {
    if (!value.empty()) spec.env.try_emplace(name, std::move(value));
  };
  put("AGENTSYS_RUN_ID", std::string(frame.raw.run_id.ptr, frame.raw.run_id.len));
  put("AGENTSYS_TRACE_ID", std::string(frame.raw.trace_id.ptr, frame.raw.trace_id.len));
  put("AGENTSYS_RUN_DIR", run_dir.string());
  put("AGENTSYS_OUTPUT_DIR", services.environment().output_dir.string());
  put("LANG", "C.UTF-8");
}

}  // namespace

as_status run_command_service(as_host_ctx* ctx, const as_call* call, as_str request, as_writer* out,
                              as_writer* err) {
  service::Request req;
  if (auto refused = service::open("run_command", ctx, call, request, err, req)) return *refused;
  SubprocessSpec spec;
  if (std::string problem = parse_request(req.body, spec); !problem.empty()) {
    return service::fail(err, AS_ERR_INVALID_INPUT, problem);
  }
  const std::filesystem::path run_dir = req.services->run_dir(*req.frame);
  add_run_env(*req.frame, *req.services, run_dir, spec);

  json ask{{"kind", "command"}, {"argv", spec.argv}, {"env", spec.env}};
  if (!spec.cwd.empty()) ask["cwd"] = spec.cwd.string();
  as_status status = AS_OK;
  auto decision = service::decide("run_command", req, std::move(ask), err, status);
  if (!decision) return status;
  json detail = {{"argv", spec.argv}, {"cwd", spec.cwd.string()}, {"rule", decision->rule}};
  if (as_status s =
          service::enforce("run_command", fmt::format("'{}'", spec.argv[0]), *decision, err);
      s != AS_OK) {
    return s;
  }
  // Run exactly what policy approved: the resolved executable, the scrubbed environment and
  // the canonical working directory (never the caller's PATH or variables).
  spec.argv[0] = decision->detail.value("resolved", spec.argv[0]);
  spec.env.clear();
  const json scrubbed = decision->detail.value("env", json::object());
  for (const auto& [k, v] : scrubbed.items()) {
    if (v.is_string()) spec.env[k] = v.get<std::string>();
  }
  if (decision->detail.contains("cwd"))
    spec.cwd = decision->detail["cwd"].get<std::string>();
  else if (!run_dir.empty())
    spec.cwd = run_dir;
  detail["resolved"] = spec.argv[0];

  if (req.dry_run() || req.shadow()) {  // a shadow cannot know what the command would touch
    if (req.shadow()) detail["sandbox"] = "shadow";
    service::record(req, "command", detail, false);
    service::reply(out, {{"dry_run", true}, {"would_run", spec.argv}});
    return AS_OK;
  }
  // The command may not outlive the call: bound it by what is left of the call's deadline.
  if (call->deadline_unix_ms > 0) {
    auto left =
        std::chrono::milliseconds(std::max<int64_t>(1, call->deadline_unix_ms - unix_ms_now()));
    if (spec.timeout.count() == 0 || spec.timeout > left) spec.timeout = left;
  }
  spec.cancel = &req.frame->cancelled;
  service::record(req, "command", detail, true);

  SubprocessResult r;
  try {
    r = run_subprocess(spec);
  } catch (const SubprocessError& e) {
    return service::fail(err, AS_ERR_NOT_FOUND, fmt::format("run_command: {}", e.what()));
  }
  if (r.timed_out && call->deadline_unix_ms > 0 && unix_ms_now() >= call->deadline_unix_ms) {
    // Killed because the call itself ran out of time: the attempt has timed out, whatever the
    // plugin does with the result.
    return service::fail(
        err, AS_ERR_TIMEOUT,
        fmt::format("run_command: '{}' was killed at the call's deadline", spec.argv[0]));
  }
  if (r.cancelled || req.frame->cancelled.load()) {
    return service::fail(err, AS_ERR_CANCELLED,
                         fmt::format("run_command: '{}' was killed because the call was "
                                     "cancelled or reached its deadline",
                                     spec.argv[0]));
  }
  service::reply(out, {{"exit_code", r.exit_code},
                       {"signal", r.term_signal},
                       {"stdout", r.stdout_data},
                       {"stderr", r.stderr_data},
                       {"timed_out", r.timed_out},
                       {"stdout_truncated", r.stdout_truncated},
                       {"stderr_truncated", r.stderr_truncated},
                       {"duration_ms", r.duration_ms},
                       {"resolved", spec.argv[0]},
                       {"dry_run", false}});
  return AS_OK;
}

}  // namespace agentsys
