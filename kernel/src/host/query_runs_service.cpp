#include "host/query_runs_service.hpp"

#include <fmt/format.h>

#include "host/service_support.hpp"
#include "store/run_store.hpp"
#include "task/task_status.hpp"

namespace agentsys {
using json = nlohmann::json;

namespace {

constexpr int64_t kMaxLimit = 1000;

/// Fills `query` from the request; returns "" or what is wrong with it.
std::string parse_query(const json& body, RunQuery& query) {
  if (!body.value("module", json()).is_string() || body["module"].get<std::string>().empty()) {
    return "'module' must be a non-empty string";
  }
  query.module = body["module"].get<std::string>();
  if (body.contains("statuses")) {
    if (!body["statuses"].is_array()) return "'statuses' must be an array of run statuses";
    for (const json& s : body["statuses"]) {
      if (!s.is_string() || !parse_task_status(s.get<std::string>())) {
        return fmt::format(
            "'statuses': {} is not a run status (pending, running, retrying, succeeded, failed, "
            "timed_out, cancelled, interrupted, skipped)",
            s.dump());
      }
      query.statuses.push_back(s.get<std::string>());
    }
  }
  if (body.contains("idempotency_key_prefix")) {
    if (!body["idempotency_key_prefix"].is_string()) {
      return "'idempotency_key_prefix' must be a string";
    }
    query.idempotency_key_prefix = body["idempotency_key_prefix"].get<std::string>();
  }
  if (body.contains("since")) {
    if (!body["since"].is_string()) return "'since' must be an ISO-8601 UTC time string";
    query.since = body["since"].get<std::string>();
  }
  if (body.contains("include_dry_runs")) {
    if (!body["include_dry_runs"].is_boolean()) return "'include_dry_runs' must be a boolean";
    query.include_dry_runs = body["include_dry_runs"].get<bool>();
  }
  if (body.contains("limit")) {
    const json& limit = body["limit"];
    if (!limit.is_number_integer() || limit.get<int64_t>() < 1 ||
        limit.get<int64_t>() > kMaxLimit) {
      return fmt::format("'limit' must be an integer 1..{}", kMaxLimit);
    }
    query.limit = limit.get<int64_t>();
  }
  return {};
}

json text_or_null(const std::string& s) { return s.empty() ? json() : json(s); }

json run_json(const RunRow& r) {
  json input = json::parse(r.input, nullptr, false);
  return {{"run_id", r.run_id},
          {"task_id", r.task_id},
          {"trace_id", r.trace_id},
          {"module", r.module},
          {"action", r.action},
          {"status", r.status},
          {"error_code", text_or_null(r.error_code)},
          {"message", text_or_null(r.message)},
          {"input", input.is_discarded() ? json(r.input) : std::move(input)},
          {"idempotency_key", text_or_null(r.idempotency_key)},
          {"attempts", r.attempts},
          {"dry_run", r.dry_run},
          {"impl", text_or_null(r.impl)},
          {"plugin", text_or_null(r.plugin)},
          {"plugin_version", text_or_null(r.plugin_version)},
          {"latency_ms", r.latency_ms},
          {"created_at", r.created_at},
          {"updated_at", r.updated_at}};
}

}  // namespace

as_status query_runs_service(as_host_ctx* ctx, const as_call* call, as_str request, as_writer* out,
                             as_writer* err) {
  service::Request req;
  if (auto refused = service::open("query_runs", ctx, call, request, err, req)) return *refused;
  RunQuery query;
  if (std::string problem = parse_query(req.body, query); !problem.empty()) {
    return service::fail(err, AS_ERR_INVALID_INPUT, "query_runs: " + problem);
  }
  RunStore* store = req.services->run_store();
  if (store == nullptr) {
    return service::fail(err, AS_ERR_UNSUPPORTED,
                         "query_runs: this kernel does not record runs (no run store)");
  }
  // Reading the kernel's own records is allowed by a built-in rule; it is logged like a
  // decision of the policy plugin, so that who read which module's runs is audited.
  PolicyDecision allowed{"allow", "kernel.query_runs",
                         "plugins may read the kernel's own run records (read-only)", json()};
  json logged = req.body;
  logged["kind"] = "query_runs";
  req.services->record_decision(logged, allowed, *req.frame, req.plugin);

  const int64_t limit = query.limit;
  query.limit = limit + 1;  // one more tells whether there are more
  std::vector<RunRow> rows;
  try {
    store->sync();  // writes queued before the call (a run that just ended) are visible
    rows = store->query_runs(query);
  } catch (const std::exception& e) {
    return service::fail(err, AS_ERR_UNAVAILABLE,
                         fmt::format("query_runs: cannot read the run store: {}", e.what()));
  }
  const bool truncated = static_cast<int64_t>(rows.size()) > limit;
  if (truncated) rows.resize(static_cast<size_t>(limit));
  json runs = json::array();
  for (const RunRow& r : rows) runs.push_back(run_json(r));
  service::reply(out, {{"runs", std::move(runs)}, {"truncated", truncated}});
  return AS_OK;
}

}  // namespace agentsys
