// agentsys reconcile show: the reconciliation records of a target month (docs/reconciliation.md).
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/cli.hpp"
#include "cli/command.hpp"
#include "migration/reconcile_files.hpp"
#include "migration/reconcile_summary.hpp"

namespace agentsys::cli {
namespace po = boost::program_options;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

std::string percent(const json& v) {
  return v.is_number() ? fmt::format("{:.2f}%", v.get<double>()) : std::string("n/a");
}

std::string ms(const json& v) {
  if (!v.is_number()) return "-";
  const double d = v.get<double>();
  return std::fabs(d - std::round(d)) < 0.005 ? fmt::format("{:.0f}", d) : fmt::format("{:.2f}", d);
}

std::string grades(const json& d) {
  return fmt::format("block {}, warn {}, ignore {}", d.value("block", 0), d.value("warn", 0),
                     d.value("ignore", 0));
}

json module_report(const fs::path& dir, const std::string& module) {
  const std::vector<json> runs = migration::read_runs(dir);
  migration::RunsAggregate all;
  for (const json& line : runs) all.add(line);
  json files = json::object();
  for (std::string_view f : {migration::kV1File, migration::kV2File, migration::kDiffFile,
                             migration::kRunsFile, migration::kSummaryFile}) {
    std::error_code ec;
    if (fs::exists(dir / f, ec)) files[std::string(f.substr(0, f.find('.')))] = (dir / f).string();
  }
  return {{"module", module},
          {"dir", dir.string()},
          {"latest", runs.empty() ? json() : runs.back()},
          {"month", all.to_json()},
          {"files", std::move(files)}};
}

void print_module(std::ostream& out, const json& m) {
  const json& l = m["latest"];
  const json& month = m["month"];
  if (!l.is_object()) {
    fmt::print(out, "{}: no readable records in {}\n", m["module"].get<std::string>(),
               m["dir"].get<std::string>());
    return;
  }
  fmt::print(out, "{}: latest {} at {} (run {}): consistency {} (threshold {:.2f}%)\n",
             m["module"].get<std::string>(), l.value("verdict", "?"), l.value("at", "?"),
             l.value("run_id", "?"), percent(l.value("consistency", json())),
             l.value("threshold", 0.0));
  const json rows = l.value("rows", json::object());
  fmt::print(out, "  differences: {}; {} field values compared in {} rows, {} matched",
             grades(l.value("differences", json::object())), l.value("fields_compared", 0),
             rows.value("compared", 0), l.value("matched", 0));
  if (l.value("documented", 0) > 0) {
    fmt::print(out, " ({} as documented differences)", l.value("documented", 0));
  }
  fmt::print(out, "\n");
  std::string top;
  for (const json& t : l.value("top_fields", json::array())) {
    top += fmt::format("{}{} (block {}, warn {})", top.empty() ? "" : ", ", t.value("field", ""),
                       t.value("block", 0), t.value("warn", 0));
  }
  fmt::print(out, "  top fields: {}\n", top.empty() ? "none" : top);
  std::string ignored;
  const json by_rule = l.value("ignored_by_rule", json::object());  // items() needs it alive
  for (const auto& [rule, n] : by_rule.items()) {
    ignored += fmt::format("{}{} by {}", ignored.empty() ? "" : ", ", n.dump(), rule);
  }
  if (!ignored.empty()) fmt::print(out, "  ignored: {}\n", ignored);
  const json noise = l.value("noise", json::object()).value("fields", json::array());
  if (!noise.empty()) {
    std::vector<std::string> names;
    for (const json& f : noise) names.push_back(f.get<std::string>());
    fmt::print(out, "  noise (differed between two V1 runs): {}\n", fmt::join(names, ", "));
  }
  const json& lat = month["latency_ms"];
  const json& verdicts = month["verdicts"];
  fmt::print(out,
             "  month: {} pairs (pass {}, warn {}, block {}), consistency {}; latency ms V1 p50 {} "
             "p95 {}, V2 p50 {} p95 {}\n",
             month.value("runs", 0), verdicts.value("pass", 0), verdicts.value("warn", 0),
             verdicts.value("block", 0), percent(month.value("consistency", json())),
             ms(lat["v1"]["p50"]), ms(lat["v1"]["p95"]), ms(lat["v2"]["p50"]),
             ms(lat["v2"]["p95"]));
  fmt::print(out, "  files: {}/{{v1.json, v2.json, diff.json, runs.jsonl, summary.md}}\n",
             m["dir"].get<std::string>());
}

}  // namespace

int reconcile_show(CommandContext& ctx) {
  std::string month;
  std::string module;
  bool as_json = false;
  po::options_description desc("Options");
  desc.add_options()  //
      ("target-month", po::value(&month)->required(),
       "the target month, YYYYMM (or 'unscoped' for tasks without one)")  //
      ("module", po::value(&module), "show one module only")              //
      ("json", po::bool_switch(&as_json), "print JSON");
  if (!ctx.parse(desc)) return kExitOk;
  if (month != migration::kUnscoped && !migration::is_target_month(month)) {
    throw UsageError(fmt::format(
        "reconcile show: --target-month expects a month as YYYYMM (e.g. 202602, year >= 1970, "
        "month 01..12) or 'unscoped', got '{}'",
        month));
  }
  if (!module.empty() && !migration::is_module_id(module)) {
    throw UsageError(fmt::format(
        "reconcile show: --module expects a module id ([a-z][a-z0-9_]*), got '{}'", module));
  }
  std::error_code ec;
  const fs::path month_dir =
      (migration::reconcile_root(fs::absolute(ctx.global.state_dir, ec)) / month)
          .lexically_normal();
  std::vector<std::string> modules = migration::modules_with_records(month_dir);
  if (modules.empty()) {
    throw RuntimeError(fmt::format(
        "reconcile show: no reconciliation records for {} (nothing under {}): run the module in "
        "shadow mode first",
        month, month_dir.string()));
  }
  if (!module.empty()) {
    if (std::find(modules.begin(), modules.end(), module) == modules.end()) {
      throw RuntimeError(
          fmt::format("reconcile show: no reconciliation records for module '{}' "
                      "in {} (modules with records: {})",
                      module, month, fmt::join(modules, ", ")));
    }
    modules = {module};
  }
  json per_module = json::array();
  for (const std::string& m : modules) per_module.push_back(module_report(month_dir / m, m));
  if (as_json) {
    json doc{{"target_month", month}, {"dir", month_dir.string()}, {"modules", per_module}};
    ctx.out << doc.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
    return kExitOk;
  }
  fmt::print(ctx.out, "reconciliation {} ({})\n", month, month_dir.string());
  for (const json& r : per_module) {
    ctx.out << "\n";
    print_module(ctx.out, r);
  }
  return kExitOk;
}

}  // namespace agentsys::cli
