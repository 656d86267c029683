// report_orchestrator_v1: the V1 wrapper of module report_orchestrator. It runs the legacy
// report_orchestrator.py through the host's run_command (policy-checked, bounded by the
// call's deadline), with the command line taken from configuration, and turns its outputs into
// a RunResult: key fields from the CSV, lineage (database, tables, queries, rule version, the
// script's SHA-256 and commit), and the publication of the files where policy allows.
//
// Config (module report_orchestrator): python, scripts_dir, out_dir, config_dir, database,
//   publish_dir (optional), plus config_sections databases and reports. docs/reports.md.
// Action "run": {"report": NAME, "target_month": "YYYYMM", "publish": true}
//   -> {"report", "target_month", "rule_version", "rows", "outputs": {"csv", "md"},
//       "published": [...], "publish": {decision}, "key_fields": {"key", "fields", "rows"},
//       "lineage": {...}, "impl": "v1"}
#include <agentsys/plugin.hpp>

#include "checks/reports_config.hpp"

#include <nlohmann/json.hpp>

#include "code_version.hpp"
#include "legacy_command.hpp"
#include "report_rows.hpp"

namespace agentsys::reports::v1 {
namespace {

using json = nlohmann::json;

std::string field(const json& in, const char* key) {
  if (!in.value(key, json()).is_string() || in[key].get<std::string>().empty()) {
    throw Error(AS_ERR_INVALID_INPUT, std::string("input: '") + key + "' is required (a string)");
  }
  return in[key].get<std::string>();
}

std::string file_name(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

class ReportOrchestratorV1 {
 public:
  /// Preflight's checks of config/reports/ and config/runbook/ (shared by the domain's plugins).
  static std::string validate_config(agentsys::Host /*host*/, std::string_view request) {
    return agentsys::reports::checks::validate(request);
  }

  ReportOrchestratorV1(Host host, std::string_view config)
      : host_(host), config_(LegacyConfig::parse(config)) {}

  std::string invoke(const Call& call) {
    json in = run_input(call, "report_orchestrator");
    const std::string report = field(in, "report");
    const std::string month = field(in, "target_month");
    LegacyOutcome run =
        run_script(host_, call, config_, "report_orchestrator.py",
                   {"--report", report, "--target-month", month, "--db", config_.database,
                    "--out-dir", config_.out_dir, "--config-dir", config_.config_dir});
    if (run.dry_run) return json{{"dry_run", true}, {"v1", run.summary}}.dump();
    if (run.exit_code != 0) fail_with(run, "report_orchestrator.py");
    if (run.summary.empty()) {
      throw Error(AS_ERR_INTERNAL, "report_orchestrator.py printed no JSON summary line");
    }

    json outputs = json::object();
    json output_files = json::array();
    for (const json& p : run.summary.value("outputs", json::array())) {
      std::string path = p.get<std::string>();
      if (path.empty() || path[0] != '/') path = config_.out_dir + "/" + file_name(path);
      outputs[path.substr(path.rfind('.') + 1)] = path;
      output_files.push_back(path);
    }
    if (!outputs.contains("csv"))
      throw Error(AS_ERR_INTERNAL, "report_orchestrator.py wrote no CSV");
    json csv =
        json::parse(host_.request(Service::read_file, call, json{{"path", outputs["csv"]}}.dump()));
    json table = parse_csv(csv.value("content", ""));
    const json definition = config_.reports.value(report, json::object());

    json result{{"impl", "v1"},
                {"report", report},
                {"target_month", month},
                {"rule_version", run.summary.value("rule_version", "")},
                {"rows", table["rows"].size()},
                {"outputs", outputs},
                {"key_fields",
                 {{"key", definition.value("key_fields", json::array())},
                  {"fields", definition.value("value_fields", json::array())},
                  {"rows", table["rows"]}}}};
    json published = publish(call, report, month, output_files);
    result["published"] = published["files"];
    result["publish"] = published["decision"];
    result["lineage"] = lineage(call, report, definition, result, output_files);
    return result.dump(-1, ' ', false, json::error_handler_t::replace);
  }

 private:
  /// Copies the files to <publish_dir>/<month>/ when policy allows the publish action.
  json publish(const Call& call, const std::string& report, const std::string& month,
               const json& files) {
    if (config_.publish_dir.empty()) {
      return {{"files", json::array()},
              {"decision", {{"decision", "skipped"}, {"reason", "no publish_dir"}}}};
    }
    json decision = json::parse(host_.request(
        Service::policy_check, call,
        json{{"kind", "action"}, {"action", "publish"}, {"module", "report_orchestrator"}}.dump()));
    json done = json::array();
    if (decision.value("decision", "") == "allow") {
      for (const json& f : files) {
        std::string path = f.get<std::string>();
        std::string ext = path.substr(path.rfind('.'));
        json content =
            json::parse(host_.request(Service::read_file, call, json{{"path", path}}.dump()));
        json written = json::parse(
            host_.request(Service::write_file, call,
                          json{{"path", config_.publish_dir + "/" + month + "/" + report + ext},
                               {"content", content.value("content", "")}}
                              .dump()));
        done.push_back(written.value("path", written.value("would_write", "")));
      }
    }
    return {{"files", done},
            {"decision",
             {{"decision", decision.value("decision", "")},
              {"rule", decision.value("rule", "")},
              {"reason", decision.value("reason", "")}}}};
  }

  json lineage(const Call& call, const std::string& report, const json& definition,
               const json& result, const json& output_files) {
    json inputs = json::array();
    for (const json& q : definition.value("queries", json::array())) {
      const std::string sql = q.value("sql", "");
      // The policy's parser names the tables a query reads.
      json decision = json::parse(
          host_.request(Service::policy_check, call, json{{"kind", "sql"}, {"sql", sql}}.dump()));
      for (const json& t : decision.value("tables", json::array())) {
        inputs.push_back({{"namespace", "sqlite://" + config_.database},
                          {"name", t},
                          {"facets", {{"sql", {{"query", sql}}}}}});
      }
    }
    json outputs = json::array();
    for (const json& f : output_files) outputs.push_back({{"namespace", "file"}, {"name", f}});
    for (const json& f : result["published"])
      outputs.push_back({{"namespace", "file"}, {"name", f}});
    return {{"job", "report." + report},
            {"inputs", inputs},
            {"outputs", outputs},
            {"job_facets",
             {{"agentsys_code_version",
               code_version(host_, call, config_.script("report_orchestrator.py"),
                            config_.scripts_dir)}}},
            {"run_facets",
             {{"agentsys_rule_version",
               {{"rule_version", result["rule_version"]},
                {"definition", "config/reports/" + report + ".toml"}}}}}};
  }

  Host host_;
  LegacyConfig config_;
};

}  // namespace
}  // namespace agentsys::reports::v1

AS_PLUGIN_ENTRY(agentsys::reports::v1::ReportOrchestratorV1, .name = "report_orchestrator_v1",
                .version = "1.0.0",
                .description = "V1 wrapper: the legacy report_orchestrator.py, under policy",
                .kind = AS_PLUGIN_KIND_DOMAIN, .impl = AS_IMPL_V1,
                .modules = {"report_orchestrator"}, .thread_safe = true,
                .config_folders = {agentsys::reports::checks::reports_folder()})
