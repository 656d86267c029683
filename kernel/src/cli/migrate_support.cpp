#include "cli/migrate_support.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <ostream>
#include <set>

#include "cli/table.hpp"
#include "migration/target_month.hpp"

namespace agentsys::cli {
namespace po = boost::program_options;
using ojson = nlohmann::ordered_json;
using json = nlohmann::json;

void add_migrate_options(po::options_description& desc, MigrateArgs& args) {
  desc.add_options()("target-month", po::value<std::string>(&args.target_month),
                     "the month to migrate, YYYYMM (e.g. 202602)")(
      "domain", po::value<std::string>(&args.domain),
      "act on the modules of this domain (`domain` in their module table); default: every "
      "module with a domain, a V1 and a V2 plugin")(
      "module", po::value<std::vector<std::string>>(&args.modules),
      "act on this module only (repeatable; instead of --domain)")(
      "json", po::bool_switch(&args.json), "print JSON (and no progress)");
}

void check_migrate_args(std::string_view command, const MigrateArgs& args) {
  if (args.target_month.empty()) {
    throw UsageError(fmt::format("{}: missing --target-month YYYYMM", command));
  }
  if (std::string problem = migration::target_month_problem(args.target_month); !problem.empty()) {
    throw UsageError(fmt::format("{}: --target-month: {}", command, problem));
  }
}

std::vector<std::string> select_modules(std::string_view command,
                                        const config::EffectiveConfig& config,
                                        const MigrateArgs& args) {
  const json& values = config.values();
  if (!args.modules.empty()) {
    for (const std::string& m : args.modules) {
      if (!values.value("modules", json::object()).contains(m)) {
        throw UsageError(fmt::format(
            "{}: unknown module '{}': it has no table in config/modules/ (see 'agentsys "
            "config show')",
            command, m));
      }
    }
    return args.modules;
  }
  if (args.domain.empty()) {
    std::vector<std::string> modules = migration::migratable_modules(values);
    if (modules.empty()) {
      throw UsageError(fmt::format(
          "{}: no module in config/modules/ has a domain, a v1_plugin and a v2_plugin: name one "
          "with --module NAME",
          command));
    }
    return modules;
  }
  // A domain's modules that have both sides (a V2-only module, e.g. a parser, is not migrated).
  std::vector<std::string> modules;
  const std::vector<std::string> migratable = migration::migratable_modules(values);
  for (const std::string& m : migration::domain_modules(values, args.domain)) {
    if (std::find(migratable.begin(), migratable.end(), m) != migratable.end())
      modules.push_back(m);
  }
  if (modules.empty() && !migration::domain_modules(values, args.domain).empty()) {
    throw UsageError(fmt::format(
        "{}: no module of domain \"{}\" has both a v1_plugin and a v2_plugin: there is nothing "
        "to migrate",
        command, args.domain));
  }
  if (modules.empty()) {
    std::set<std::string> domains;
    const json all = values.value("modules", json::object());  // outlives the loop
    for (const auto& [name, m] : all.items()) {
      if (m.is_object() && m.value("domain", json()).is_string()) domains.insert(m["domain"]);
    }
    throw UsageError(fmt::format(
        "{}: no module has domain = \"{}\" in config/modules/ (configured domains: {}; or name "
        "a module with --module NAME)",
        command, args.domain, domains.empty() ? "none" : fmt::to_string(fmt::join(domains, ", "))));
  }
  return modules;
}

std::vector<migration::MigrationCase> cases_or_throw(const config::EffectiveConfig& config,
                                                     const std::string& module,
                                                     const std::string& target_month) {
  try {
    return migration::migration_cases(config.values(), module, target_month,
                                      config.policy_vars().value("repo_root", std::string()));
  } catch (const std::runtime_error& e) {
    throw RuntimeError(e.what());
  }
}

std::filesystem::path reconcile_month_dir(const Kernel& kernel, const std::string& target_month) {
  return kernel.options().host.state_dir / "reconcile" / target_month;
}

Progress::Progress(CommandContext& ctx, bool as_json)
    : err_(ctx.err), on_(!as_json && ::isatty(STDERR_FILENO) == 1) {}

void Progress::line(const std::string& text) {
  if (on_) err_ << text << std::endl;  // flushed: it is progress
}

namespace {

int rank(const std::string& verdict) { return verdict == "block" ? 2 : verdict == "warn" ? 1 : 0; }

}  // namespace

ShadowReport collect_shadow_report(Kernel& kernel, const std::vector<RunResult>& results,
                                   const std::vector<std::pair<std::string, std::string>>& labels) {
  // The comparisons' events are queued for the store's writer: read them after they land.
  kernel.runs().sync();
  ShadowReport report;
  struct Totals {
    int runs = 0, v1_ok = 0, v2_ok = 0, compared = 0;
    int64_t block = 0, warn = 0, ignore = 0, rows = 0, fields = 0, matched = 0;
    std::string verdict = "pass";
  };
  std::map<std::string, Totals> totals;
  for (size_t i = 0; i < results.size(); ++i) {
    const RunResult& r = results[i];
    Totals& t = totals[labels[i].first];
    ++t.runs;
    if (r.ok()) ++t.v1_ok;
    ojson run{{"module", labels[i].first},
              {"case", labels[i].second},
              {"run_id", r.run_id},
              {"v1_status", std::string(to_string(r.status))},
              {"v1_latency_ms", r.latency_ms}};
    json compared;
    for (const EventRow& e : kernel.runs().events(r.run_id)) {
      if (e.type == "shadow_compared") compared = json::parse(e.data, nullptr, false);
    }
    std::string verdict = "block";  // no comparison recorded: nothing proves V2 agrees
    if (compared.is_object()) {
      ++t.compared;
      verdict = compared.value("verdict", "block");
      if (compared.value("v2_status", "") == "succeeded") ++t.v2_ok;
      const json d = compared.value("differences", json::object());
      t.block += d.value("block", 0);
      t.warn += d.value("warn", 0);
      t.ignore += d.value("ignore", 0);
      t.rows += compared.value("rows_compared", 0);
      t.fields += compared.value("fields_compared", 0);
      t.matched += compared.value("matched", 0);
      run["v2_status"] = compared.value("v2_status", "");
      run["v2_latency_ms"] = compared.value("v2_latency_ms", 0.0);
      run["differences"] = d;
      run["rows_compared"] = compared.value("rows_compared", 0);
      run["diff"] = compared.value("diff", "");
    } else {
      run["v2_status"] = nullptr;
      run["note"] = "no comparison was recorded for this run";
    }
    run["verdict"] = verdict;
    if (rank(verdict) > rank(t.verdict)) t.verdict = verdict;
    if (rank(verdict) > rank(report.verdict)) report.verdict = verdict;
    report.runs.push_back(std::move(run));
  }
  for (const auto& [module, t] : totals) {
    report.modules.push_back(
        {{"module", module},
         {"runs", t.runs},
         {"v1_succeeded", t.v1_ok},
         {"v2_succeeded", t.v2_ok},
         {"compared", t.compared},
         {"rows_compared", t.rows},
         {"consistency_pct",
          t.fields > 0 ? ojson(100.0 * static_cast<double>(t.matched) / t.fields) : ojson()},
         {"differences", {{"block", t.block}, {"warn", t.warn}, {"ignore", t.ignore}}},
         {"verdict", t.verdict}});
  }
  return report;
}

void print_shadow_report(std::ostream& out, const ShadowReport& report,
                         const std::string& target_month) {
  fmt::print(out, "shadow run {}: {}\n", target_month, report.verdict);
  Table table({"MODULE", "RUNS", "V1 OK", "V2 OK", "ROWS", "CONSISTENCY", "BLOCK", "WARN", "IGNORE",
               "VERDICT"});
  for (const auto& m : report.modules) {
    const auto& d = m["differences"];
    table.add({m["module"].get<std::string>(), std::to_string(m["runs"].get<int>()),
               std::to_string(m["v1_succeeded"].get<int>()),
               std::to_string(m["v2_succeeded"].get<int>()),
               std::to_string(m["rows_compared"].get<int64_t>()),
               m["consistency_pct"].is_null()
                   ? "-"
                   : fmt::format("{:.2f}%", m["consistency_pct"].get<double>()),
               std::to_string(d["block"].get<int64_t>()), std::to_string(d["warn"].get<int64_t>()),
               std::to_string(d["ignore"].get<int64_t>()), m["verdict"].get<std::string>()});
  }
  table.print(out);
}

}  // namespace agentsys::cli
