#include "host/submit_task_service.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>

#include "host/service_support.hpp"

namespace agentsys {
using json = nlohmann::json;

namespace {

std::string view(as_str s) { return s.ptr == nullptr ? std::string() : std::string(s.ptr, s.len); }

/// Builds the task; returns "" or what is wrong with the request.
std::string parse_task(const json& body, const CallFrame& parent, TaskSpec& task) {
  if (!body.value("module", json()).is_string()) return "'module' must be a string";
  task.module = body["module"].get<std::string>();
  task.action = body.value("action", json("run")).is_string() ? body.value("action", "run") : "";
  if (task.action.empty()) return "'action' must be a non-empty string";
  task.input_json = body.value("input", json::object()).dump();
  if (body.contains("idempotency_key")) {
    if (!body["idempotency_key"].is_string()) return "'idempotency_key' must be a string";
    task.idempotency_key = body["idempotency_key"].get<std::string>();
  }
  if (body.contains("timeout_s")) {
    if (!body["timeout_s"].is_number() || body["timeout_s"].get<double>() <= 0) {
      return "'timeout_s' must be a positive number";
    }
    task.timeout = std::chrono::milliseconds(
        std::max<int64_t>(1, std::llround(body["timeout_s"].get<double>() * 1000)));
  }
  task.trace_id = view(parent.raw.trace_id);  // one trace from the scheduler to its jobs
  task.dry_run = (parent.raw.flags & AS_CALL_DRY_RUN) != 0;
  return {};
}

}  // namespace

as_status submit_task_service(as_host_ctx* ctx, const as_call* call, as_str request, as_writer* out,
                              as_writer* err) {
  service::Request req;
  if (auto refused = service::open("submit_task", ctx, call, request, err, req)) return *refused;
  TaskSpec task;
  if (std::string problem = parse_task(req.body, *req.frame, task); !problem.empty()) {
    return service::fail(err, AS_ERR_INVALID_INPUT, "submit_task: " + problem);
  }
  as_status status = AS_OK;
  auto decision = service::decide(
      "submit_task", req,
      json{{"kind", "action"}, {"action", task.action}, {"module", task.module}}, err, status);
  if (!decision) return status;
  if (as_status s = service::enforce(
          "submit_task", fmt::format("action '{}' of module '{}'", task.action, task.module),
          *decision, err);
      s != AS_OK) {
    return s;
  }
  if (req.shadow()) {  // a shadow's jobs would run for real: record them, submit nothing
    json detail{{"module", task.module},
                {"action", task.action},
                {"idempotency_key", task.idempotency_key},
                {"sandbox", "shadow"}};
    service::record(req, "submit_task", detail, false);
    service::reply(out, {{"dry_run", true}, {"would_submit", std::move(detail)}, {"done", false}});
    return AS_OK;
  }
  Submission sub;
  try {
    sub = req.services->submit(std::move(task));
  } catch (const std::invalid_argument& e) {
    return service::fail(err, AS_ERR_INVALID_INPUT, fmt::format("submit_task: {}", e.what()));
  } catch (const std::logic_error& e) {
    return service::fail(err, AS_ERR_UNSUPPORTED, fmt::format("submit_task: {}", e.what()));
  }
  json response{{"run_id", sub.run_id}, {"done", false}};
  if (sub.result.valid() &&
      sub.result.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
    const RunResult& r = sub.result.get();
    response["done"] = true;
    response["status"] = std::string(to_string(r.status));
    response["error_code"] =
        r.error_code == ErrorCode::none ? json() : json(std::string(to_string(r.error_code)));
    response["replayed"] = r.replayed;
    response["message"] = r.message;
  }
  service::reply(out, response);
  return AS_OK;
}

}  // namespace agentsys
