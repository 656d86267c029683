// agentsys lineage show | export
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/command.hpp"

namespace agentsys::cli {
namespace po = boost::program_options;
using json = nlohmann::json;

namespace {

std::string text_of(const json& v) {
  if (v.is_null()) return "-";
  return v.is_string() ? v.get<std::string>() : v.dump();
}

void print_lineage(std::ostream& out, const json& l) {
  fmt::print(out, "run {} ({} {}, {})\njob {}\n", l.value("run_id", ""), l.value("event_type", ""),
             l.value("event_time", ""), l.value("openlineage_run_id", ""), l.value("job", ""));
  const json impl = l.value("implementation", json::object());
  fmt::print(out, "implementation {} {} {} (build {})\n", impl.value("impl", "-"),
             impl.value("plugin", "-"), impl.value("version", "-"),
             impl.value("build_id", "").empty() ? "-" : impl.value("build_id", ""));
  const json code = l.value("code_version", json());
  if (code.is_object()) {
    fmt::print(out, "code version: {} sha256 {} commit {}\n", code.value("path", "-"),
               code.value("sha256", "-"), text_of(code.value("git_commit", json())));
  }
  const json rule = l.value("rule_version", json());
  if (rule.is_object()) {
    fmt::print(out, "rule version: {} ({})\n", rule.value("rule_version", "-"),
               rule.value("definition", "-"));
  }
  const json rec = l.value("reconciliation", json());
  if (rec.is_object()) {  // a shadow pair's V1/V2 comparison (docs/reconciliation.md)
    const json consistency = rec.value("consistency", json());
    const json d = rec.value("differences", json::object());
    fmt::print(out,
               "reconciliation: {} (consistency {}, differences block {}, warn {}, ignore {}); "
               "V1 run {}, V2 run {}; diff {}\n",
               rec.value("verdict", "-"),
               consistency.is_number() ? fmt::format("{:.2f}%", consistency.get<double>()) : "n/a",
               d.value("block", 0), d.value("warn", 0), d.value("ignore", 0),
               rec.value("v1", json::object()).value("run_id", "-"),
               rec.value("v2", json::object()).value("run_id", "-"), rec.value("diff", "-"));
  }
  fmt::print(out, "inputs:\n");
  for (const json& d : l.value("inputs", json::array())) {
    fmt::print(out, "  {} {}\n", d.value("namespace", ""), d.value("name", ""));
    const json facets = d.value("facets", json::object());
    if (facets.contains("sql") && facets["sql"].contains("query")) {
      fmt::print(out, "    query: {}\n", facets["sql"]["query"].get<std::string>());
    }
  }
  fmt::print(out, "outputs:\n");
  for (const json& o : l.value("outputs", json::array())) fmt::print(out, "  {}\n", text_of(o));
}

}  // namespace

int lineage_show(CommandContext& ctx) {
  std::string target;
  bool as_json = false;
  po::options_description desc("Options");
  desc.add_options()                                                                //
      ("target", po::value(&target), "a report file (PATH) or a run id (run_...)")  //
      ("json", po::bool_switch(&as_json), "print JSON");
  po::positional_options_description pos;
  pos.add("target", 1);
  if (!ctx.parse(desc, pos)) return 0;
  if (target.empty()) throw UsageError("lineage show: missing PATH or RUN_ID");

  std::unique_ptr<Kernel> kernel = ctx.make_kernel(true);
  const bool is_run = target.rfind("run_", 0) == 0 && target.find('/') == std::string::npos;
  json lineage;
  try {
    lineage =
        kernel->lineage().ask("show", is_run ? json{{"run_id", target}} : json{{"path", target}});
  } catch (const std::invalid_argument& e) {
    throw RuntimeError(fmt::format("lineage show: {}", e.what()));
  } catch (const std::runtime_error& e) {
    throw RuntimeError(fmt::format("lineage show: {}", e.what()));
  }
  if (as_json) {
    ctx.out << lineage.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
  } else {
    print_lineage(ctx.out, lineage);
  }
  return 0;
}

int lineage_export(CommandContext& ctx) {
  std::string output;
  po::options_description desc("Options");
  desc.add_options()("output", po::value(&output),
                     "write the JSON lines to this file (atomically) instead of stdout");
  if (!ctx.parse(desc)) return 0;
  std::unique_ptr<Kernel> kernel = ctx.make_kernel(true);
  json answer;
  try {
    answer = kernel->lineage().ask("export", json::object());
  } catch (const std::exception& e) {
    throw RuntimeError(fmt::format("lineage export: {}", e.what()));
  }
  std::string lines;
  for (const json& e : answer.value("events", json::array())) {
    lines += e.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  }
  if (output.empty()) {
    ctx.out << lines;
    return 0;
  }
  const std::string tmp = output + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw UsageError(fmt::format("lineage export: cannot write '{}'", output));
    f << lines;
    if (!f.flush()) throw RuntimeError(fmt::format("lineage export: cannot write '{}'", tmp));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, output, ec);
  if (ec)
    throw RuntimeError(fmt::format("lineage export: cannot write '{}': {}", output, ec.message()));
  fmt::print(ctx.err, "lineage export: {} events written to {}\n",
             answer.value("events", json::array()).size(), output);
  return 0;
}

}  // namespace agentsys::cli
