// report_orchestrator_v2: the native (V2) side of the report_orchestrator module.
//
// Action "run", input {"report": NAME, "target_month": "YYYYMM", "publish": true|false}:
// extract (host run_sql) -> transform (report_transform.hpp) -> render (CSV, Markdown, JSON via
// host write_file into the run's directory) -> publish (host policy_check, then write_file into
// <publish_dir>/<YYYYMM>/). The result carries the figures (`key_fields`) and `lineage`.
// Contract and configuration: docs/reports.md, "V2 plugins".
#include <agentsys/plugin.hpp>

#include "checks/reports_config.hpp"
#include "sample_data/sample_command.hpp"

#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <variant>

#include "report_definition.hpp"
#include "report_month.hpp"
#include "report_render.hpp"
#include "report_transform.hpp"

namespace {

using agentsys::Error;
using agentsys::Service;
using json = nlohmann::json;
namespace rp = agentsys::reports;

struct Config {
  std::map<std::string, std::variant<rp::Definition, std::string>> reports;  // or its problem
  json databases = json::object();
  std::string database = "ops";
  std::string publish_dir;  // empty: nothing is published
  int64_t max_rows = 50'000'000;
};

Config read_config(std::string_view config_json) {
  json c = json::parse(config_json.empty() ? std::string_view("{}") : config_json, nullptr, false);
  if (c.is_discarded() || !c.is_object()) {
    throw Error(AS_ERR_INVALID_INPUT,
                "report_orchestrator_v2: the configuration is not a JSON object");
  }
  Config out;
  const json reports = c.value("reports", json::object());
  if (!reports.is_object()) {
    throw Error(AS_ERR_INVALID_INPUT,
                "report_orchestrator_v2: 'reports' must be a table of report definitions");
  }
  for (const auto& [name, definition] : reports.items()) {
    try {
      out.reports.emplace(name, rp::parse_definition(name, definition));
    } catch (const std::invalid_argument& e) {
      out.reports.emplace(name, std::string(e.what()));  // reported when the report is run
    }
  }
  if (c.contains("databases") && c["databases"].is_object()) out.databases = c["databases"];
  if (c.contains("database") && c["database"].is_string()) out.database = c["database"];
  if (c.contains("publish_dir") && c["publish_dir"].is_string()) {
    out.publish_dir = c["publish_dir"].get<std::string>();
  }
  if (c.contains("max_rows") && c["max_rows"].is_number_unsigned()) {
    out.max_rows = c["max_rows"].get<int64_t>();
  }
  return out;
}

struct Input {
  std::string report;
  rp::YearMonth month;
  bool publish = true;
};

class ReportOrchestrator {
 public:
  /// Preflight's checks of config/reports/ and config/runbook/ (shared by the domain's plugins).
  static std::string validate_config(agentsys::Host /*host*/, std::string_view request) {
    return agentsys::reports::checks::validate(request);
  }

  ReportOrchestrator(agentsys::Host host, std::string_view config_json)
      : host_(host), config_(read_config(config_json)) {}

  /// `agentsys sample generate ...`, the reports domain's command (the only one declared).
  agentsys::CommandResult command(const agentsys::Call& call) {
    const json input = json::parse(call.input(), nullptr, false);
    std::vector<std::string> args;
    if (input.is_object() && input.value("args", json()).is_array()) {
      args = input["args"].get<std::vector<std::string>>();
    }
    return agentsys::sample::run_generate(args);
  }

  // Thread-safe: the configuration is read-only after construction.
  std::string invoke(const agentsys::Call& call) {
    if (call.action() != "run") {
      throw Error(AS_ERR_UNSUPPORTED, "report_orchestrator_v2: unknown action '" +
                                          std::string(call.action()) + "' (supported: run)");
    }
    const Input in = read_input(call.input());
    const rp::Definition& def = definition(in.report);
    check_cancelled(call);

    // Extract.
    std::vector<rp::QueryRows> parts;
    json lineage_inputs = json::array();
    const std::string ns = "sqlite://" + database_path();
    for (const rp::Query& q : def.queries) {
      check_cancelled(call);
      json params = json::array();
      for (const std::string& p : q.params) {
        std::optional<std::string> value = rp::month_param(p, in.month);
        if (!value) {
          throw Error(AS_ERR_INVALID_INPUT, "report '" + def.name + "', query '" + q.name +
                                                "': unknown parameter '" + p +
                                                "' (known: month_start, next_month_start, "
                                                "prev_month_start)");
        }
        params.push_back(*value);
      }
      json request{{"database", config_.database},
                   {"sql", q.sql},
                   {"params", params},
                   {"context", "read_only"},
                   {"max_rows", static_cast<uint64_t>(config_.max_rows)}};
      std::string answer = host_.request(Service::run_sql, call, request.dump());
      rp::SqlRows result;
      try {
        result = rp::parse_run_sql_answer(q.name, answer);
      } catch (const std::runtime_error& e) {
        throw Error(AS_ERR_INTERNAL,
                    "report '" + def.name + "', query '" + q.name + "': " + e.what());
      }
      if (result.truncated) {
        throw Error(AS_ERR_INTERNAL, "report '" + def.name + "', query '" + q.name +
                                         "': more than " + std::to_string(config_.max_rows) +
                                         " rows (raise max_rows in the module configuration)");
      }
      for (const std::string& table : result.tables) {
        lineage_inputs.push_back(
            {{"namespace", ns}, {"name", table}, {"facets", {{"sql", {{"query", q.sql}}}}}});
      }
      parts.push_back(std::move(result.rows));
    }

    // Transform.
    check_cancelled(call);
    std::vector<rp::ResultRow> rows;
    try {
      rows = rp::apply_transform(def, parts, [&] { check_cancelled(call); });
    } catch (const std::invalid_argument& e) {
      throw Error(AS_ERR_INVALID_INPUT, "report '" + def.name + "': " + e.what());
    }
    parts.clear();

    // Render, into the run's directory.
    json outputs = json::object();
    json lineage_outputs = json::array();
    std::map<std::string, std::string> rendered;  // ext -> content
    for (const std::string& ext : def.outputs) {
      check_cancelled(call);
      rendered[ext] = ext == "csv"  ? rp::render_csv(def, rows)
                      : ext == "md" ? rp::render_markdown(def, in.month, rows)
                                    : rp::render_json(def, in.month, rows);
      const std::string path =
          write(call, def.name + "_" + in.month.text() + "." + ext, rendered[ext]);
      outputs[ext] = path;
      lineage_outputs.push_back({{"namespace", "file"}, {"name", path}});
    }

    // Publish.
    json published = json::array();
    json publish;
    if (!in.publish) {
      publish = {{"decision", "skipped"}, {"reason", "the input asked not to publish"}};
    } else if (config_.publish_dir.empty()) {
      publish = {{"decision", "skipped"}, {"reason", "no publish_dir is configured"}};
    } else {
      check_cancelled(call);
      json request{{"kind", "action"}, {"action", "publish"}, {"module", "report_orchestrator"}};
      json decision = json::parse(host_.request(Service::policy_check, call, request.dump()));
      publish = {{"decision", decision.value("decision", "")},
                 {"rule", decision.value("rule", json())}};
      if (decision.contains("reason")) publish["reason"] = decision["reason"];
      if (publish["decision"] == "allow") {
        const std::string dir = config_.publish_dir + "/" + in.month.text() + "/";
        for (const std::string& ext : def.outputs) {
          check_cancelled(call);
          const std::string path = write(call, dir + def.name + "." + ext, rendered[ext]);
          published.push_back(path);
          lineage_outputs.push_back({{"namespace", "file"}, {"name", path}});
        }
      } else {
        host_.info("report " + def.name + " " + in.month.text() + " not published: policy says " +
                       publish["decision"].get<std::string>(),
                   &call);
      }
    }

    // Result.
    json key_rows = json::array();
    const std::vector<std::string> cols = rp::columns(def);
    for (const rp::ResultRow& row : rows) {
      json r = json::object();
      for (const std::string& c : cols) r[c] = row.value(c, json());
      key_rows.push_back(std::move(r));
    }
#ifdef REPORT_ORCHESTRATOR_V2_FAULT_KEY_FIELD
    corrupt_key_field(key_rows, REPORT_ORCHESTRATOR_V2_FAULT_KEY_FIELD);
#endif
    json lineage{{"job", "report." + def.name},
                 {"inputs", std::move(lineage_inputs)},
                 {"outputs", std::move(lineage_outputs)},
                 {"run_facets",
                  {{"agentsys_rule_version",
                    {{"rule_version", def.rule_version},
                     {"definition", "config/reports/" + def.name + ".toml"}}}}}};
    json result{
        {"report", def.name},
        {"target_month", in.month.text()},
        {"rule_version", def.rule_version},
        {"rows", rows.size()},
        {"outputs", std::move(outputs)},
        {"published", std::move(published)},
        {"publish", std::move(publish)},
        {"key_fields", {{"key", def.key_fields}, {"fields", def.value_fields}, {"rows", key_rows}}},
        {"dry_run", call.dry_run()},
        {"lineage", std::move(lineage)}};
    host_.metric("report_rows", static_cast<double>(rows.size()), json{{"report", def.name}}.dump(),
                 &call);
    return result.dump();
  }

 private:
#ifdef REPORT_ORCHESTRATOR_V2_FAULT_KEY_FIELD
  /// A V2 regression for the migration tests, compiled only into the fixture build
  /// tests/fixtures/faulty/report_orchestrator_v2.so (never into the shipped plugin): corrupts
  /// `field` of every row (a number becomes 1.5x + 1, anything else gets "-corrupt"), so a
  /// shadow run must block it and a cutover must roll back.
  static void corrupt_key_field(json& rows, const char* field) {
    for (json& row : rows) {
      if (!row.contains(field)) continue;
      json& v = row[field];
      if (v.is_number()) {
        v = v.get<double>() * 1.5 + 1;
      } else {
        v = (v.is_string() ? v.get<std::string>() : v.dump()) + "-corrupt";
      }
    }
  }
#endif

  Input read_input(std::string_view text) const {
    json in = json::parse(text, nullptr, false);
    if (in.is_discarded() || !in.is_object()) {
      throw Error(AS_ERR_INVALID_INPUT,
                  "input must be a JSON object like {\"report\": \"ops_monthly\", "
                  "\"target_month\": \"202602\", \"publish\": true}");
    }
    Input out;
    if (!in.contains("report") || !in["report"].is_string()) {
      throw Error(AS_ERR_INVALID_INPUT,
                  "input needs \"report\", the name of a report (known reports: " + known() + ")");
    }
    out.report = in["report"].get<std::string>();
    const json month = in.value("target_month", json());
    std::optional<rp::YearMonth> parsed;
    if (month.is_string()) parsed = rp::parse_month(month.get<std::string>());
    if (!parsed) {
      throw Error(AS_ERR_INVALID_INPUT,
                  "target_month " + (month.is_null() ? std::string("is missing") : month.dump()) +
                      " is not a month: expected a string YYYYMM with year >= 1970 and month "
                      "01..12, e.g. \"202602\"");
    }
    out.month = *parsed;
    if (in.contains("publish")) {
      if (!in["publish"].is_boolean()) {
        throw Error(AS_ERR_INVALID_INPUT,
                    "\"publish\" must be true or false, got " + in["publish"].dump());
      }
      out.publish = in["publish"].get<bool>();
    }
    return out;
  }

  const rp::Definition& definition(const std::string& name) const {
    auto it = config_.reports.find(name);
    if (it == config_.reports.end()) {
      throw Error(AS_ERR_INVALID_INPUT,
                  "unknown report '" + name + "' (known reports: " + known() + ")");
    }
    if (const auto* problem = std::get_if<std::string>(&it->second)) {
      throw Error(AS_ERR_INVALID_INPUT, "the definition of " + *problem);
    }
    return std::get<rp::Definition>(it->second);
  }

  std::string known() const {
    std::vector<std::string> names;
    for (const auto& [name, _] : config_.reports) names.push_back(name);
    return names.empty() ? std::string("none configured") : rp::join(names);
  }

  std::string database_path() const {
    const json path = config_.databases.value(config_.database, json());
    return path.is_string() ? path.get<std::string>() : config_.database;
  }

  /// Writes through the host; returns the canonical path written (or that would be, dry run).
  std::string write(const agentsys::Call& call, const std::string& path,
                    const std::string& content) const {
    json response = json::parse(host_.request(Service::write_file, call,
                                              json{{"path", path}, {"content", content}}.dump()));
    if (response.contains("path") && response["path"].is_string()) return response["path"];
    if (response.contains("would_write") && response["would_write"].is_string()) {
      return response["would_write"];
    }
    return path;
  }

  void check_cancelled(const agentsys::Call& call) const {
    if (host_.cancelled(call)) throw Error(AS_ERR_CANCELLED, "report run cancelled");
  }

  agentsys::Host host_;
  const Config config_;
};

}  // namespace

AS_PLUGIN_ENTRY(ReportOrchestrator, .name = "report_orchestrator_v2", .version = "2.0.0",
                .description =
                    "Reports, native side: SQL -> transform -> CSV/Markdown/JSON -> "
                    "publish, with lineage",
                .kind = AS_PLUGIN_KIND_DOMAIN, .impl = AS_IMPL_V2,
                .modules = {"report_orchestrator"}, .thread_safe = true,
                .config_folders = {agentsys::reports::checks::reports_folder()},
                .commands = {agentsys::sample::generate_command()})
