#include "host/run_sql_service.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "host/service_support.hpp"
#include "host/sql_executor.hpp"

namespace agentsys {
namespace fs = std::filesystem;
using json = nlohmann::json;

as_status run_sql_service(as_host_ctx* ctx, const as_call* call, as_str request, as_writer* out,
                          as_writer* err) {
  service::Request req;
  if (auto refused = service::open("run_sql", ctx, call, request, err, req)) return *refused;
  const json& body = req.body;
  if (!body.contains("database") || !body["database"].is_string() || !body.contains("sql") ||
      !body["sql"].is_string()) {
    return service::fail(err, AS_ERR_INVALID_INPUT,
                         "run_sql: 'database' (a configured name) and 'sql' must be strings");
  }
  const std::string name = body["database"].get<std::string>();
  SqlQuery query;
  query.sql = body["sql"].get<std::string>();
  query.params = body.value("params", json::array());
  if (body.contains("max_rows")) {
    if (!body["max_rows"].is_number_unsigned()) {
      return service::fail(err, AS_ERR_INVALID_INPUT,
                           "run_sql: 'max_rows' must be a non-negative integer");
    }
    query.max_rows = body["max_rows"].get<size_t>();
  }
  const std::string context = body.value("context", "read_only");

  json ask{{"kind", "sql"}, {"sql", query.sql}, {"context", context}};
  as_status status = AS_OK;
  auto decision = service::decide("run_sql", req, std::move(ask), err, status);
  if (!decision) return status;
  if (as_status s =
          service::enforce("run_sql", fmt::format("this statement on '{}'", name), *decision, err);
      s != AS_OK) {
    return s;
  }
  fs::path database = req.services->database(name);
  if (database.empty()) {
    return service::fail(err, AS_ERR_NOT_FOUND,
                         fmt::format("run_sql: no database named '{}' is configured (add it "
                                     "under [databases] in the environment file)",
                                     name));
  }
  std::error_code ec;
  if (!fs::is_regular_file(database, ec)) {
    return service::fail(
        err, AS_ERR_NOT_FOUND,
        fmt::format("run_sql: database '{}' ({}) does not exist", name, database.string()));
  }
  const std::string statement = decision->detail.value("statement", "");
  query.read_only = statement != "INSERT" && statement != "UPDATE" && statement != "DELETE";
  query.cancel = &req.frame->cancelled;
  json detail{{"database", name}, {"statement", statement}, {"rule", decision->rule}};
  if (!query.read_only && (req.dry_run() || req.shadow())) {
    if (req.shadow()) detail["sandbox"] = "shadow";
    service::record(req, "sql", detail, false);
    service::reply(out, {{"dry_run", true}, {"would_run", query.sql}});
    return AS_OK;
  }
  std::string result;
  try {
    result = execute_sql(database, query);
  } catch (const SqlError& e) {
    if (req.frame->cancelled.load()) {
      return service::fail(err, AS_ERR_CANCELLED, "run_sql: the call was cancelled");
    }
    return service::fail(err, e.refused() ? AS_ERR_POLICY_DENIED : AS_ERR_INVALID_INPUT,
                         fmt::format("run_sql: {}", e.what()));
  }
  if (!query.read_only) service::record(req, "sql", detail, true);
  // Append the policy's table list and the dry-run flag to the executor's object.
  result.pop_back();
  result += ",\"tables\":";
  result += decision->detail.value("tables", json::array()).dump();
  result += ",\"dry_run\":";
  result += req.dry_run() ? "true}" : "false}";
  as_write(out, result.data(), result.size());
  return AS_OK;
}

}  // namespace agentsys
