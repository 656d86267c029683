// agentsys golden record | replay: V1's results as the reference, and V2 replayed against them.
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/command.hpp"
#include "cli/migrate_support.hpp"
#include "cli/table.hpp"
#include "host/call_frame.hpp"
#include "migration/golden.hpp"
#include "migration/migration_extension.hpp"
#include "migration/reconciler.hpp"
#include "migration/target_month.hpp"
#include "task/ids.hpp"
#include "util/time.hpp"

namespace agentsys::cli {
namespace po = boost::program_options;
using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

namespace {

struct GoldenArgs {
  std::string module;
  std::string target_month;
  bool json = false;
};

void add_golden_options(po::options_description& desc, GoldenArgs& a, bool month_required) {
  desc.add_options()("module", po::value<std::string>(&a.module), "the module (required)")(
      "target-month", po::value<std::string>(&a.target_month),
      month_required ? "the month, YYYYMM (required)" : "only this month, YYYYMM")(
      "json", po::bool_switch(&a.json), "print JSON");
}

void check_golden_args(std::string_view command, const GoldenArgs& a, bool month_required) {
  if (a.module.empty()) throw UsageError(fmt::format("{}: missing --module MODULE", command));
  if (a.target_month.empty() && month_required) {
    throw UsageError(fmt::format("{}: missing --target-month YYYYMM", command));
  }
  if (!a.target_month.empty()) {
    if (std::string p = migration::target_month_problem(a.target_month); !p.empty()) {
      throw UsageError(fmt::format("{}: --target-month: {}", command, p));
    }
  }
}

}  // namespace

int golden_record(CommandContext& ctx) {
  GoldenArgs a;
  po::options_description desc("Options");
  add_golden_options(desc, a, true);
  if (!ctx.parse(desc)) return 0;
  check_golden_args("golden record", a, true);
  config::EffectiveConfig config = load_effective_config(ctx.global, ctx.err);
  std::unique_ptr<Kernel> kernel = ctx.make_kernel(false, true);
  if (!kernel->registry().binding(a.module)) {
    throw UsageError(fmt::format("golden record: unknown module '{}'", a.module));
  }
  const std::filesystem::path state_dir = kernel->options().host.state_dir;
  ojson recorded = ojson::array();
  ojson missing = ojson::array();
  RunFilter filter;
  filter.module = a.module;
  filter.status = "succeeded";
  filter.limit = 5000;
  std::vector<RunRow> v1_runs;
  for (RunRow& row : kernel->runs().list_runs(filter)) {
    if (row.impl == "v1") v1_runs.push_back(std::move(row));  // newest first
  }
  for (const migration::MigrationCase& c : cases_or_throw(config, a.module, a.target_month)) {
    const RunRow* latest = nullptr;
    for (const RunRow& row : v1_runs) {
      if (json::parse(row.input, nullptr, false) == c.input) {
        latest = &row;
        break;
      }
    }
    if (latest == nullptr) {
      missing.push_back({{"case", c.id}, {"input", c.input}});
      continue;
    }
    json record{{"module", a.module},
                {"target_month", a.target_month},
                {"case", c.id},
                {"input", c.input},
                {"key_fields", json::parse(latest->key_fields.empty() ? "null" : latest->key_fields,
                                           nullptr, false)},
                {"output", json::parse(latest->output, nullptr, false)},
                {"v1_run_id", latest->run_id},
                {"plugin", latest->plugin},
                {"plugin_version", latest->plugin_version},
                {"latency_ms", latest->latency_ms},
                {"recorded_at", iso8601_now()}};
    migration::GoldenCase g = migration::write_golden(state_dir, a.module, a.target_month, record);
    recorded.push_back({{"case", c.id}, {"v1_run_id", latest->run_id}, {"file", g.file.string()}});
  }
  if (a.json) {
    ctx.out << ojson{{"module", a.module},
                     {"target_month", a.target_month},
                     {"recorded", recorded},
                     {"missing", missing}}
                   .dump(2)
            << "\n";
  } else {
    for (const auto& r : recorded) {
      fmt::print(ctx.out, "golden {} {}: V1 run {} -> {}\n", a.module, r["case"].get<std::string>(),
                 r["v1_run_id"].get<std::string>(), r["file"].get<std::string>());
    }
    for (const auto& m : missing) {
      fmt::print(ctx.out,
                 "no V1 result for {} {}: run it first (the shadow run does: bash "
                 "scripts/migration/v2_shadow_run.sh --target-month {})\n",
                 a.module, m["case"].get<std::string>(), a.target_month);
    }
  }
  if (recorded.empty()) {
    throw RuntimeError(fmt::format("golden record: no V1 result of {} for {} to record", a.module,
                                   a.target_month));
  }
  return finish(ctx, *kernel, missing.empty() ? 0 : 1);
}

int golden_replay(CommandContext& ctx) {
  GoldenArgs a;
  po::options_description desc("Options");
  add_golden_options(desc, a, false);
  if (!ctx.parse(desc)) return 0;
  check_golden_args("golden replay", a, false);
  std::unique_ptr<Kernel> kernel = ctx.make_kernel(false, true);
  std::optional<ModuleBinding> b = kernel->registry().binding(a.module);
  if (!b || !b->v2) {
    throw UsageError(fmt::format("golden replay: module '{}' has no V2 plugin loaded", a.module));
  }
  const std::filesystem::path state_dir = kernel->options().host.state_dir;
  std::vector<migration::GoldenCase> cases =
      migration::golden_cases(state_dir, a.module, a.target_month);
  if (cases.empty()) {
    throw RuntimeError(fmt::format(
        "golden replay: no golden record of {}{}: record one first (agentsys golden record "
        "--module {} --target-month YYYYMM)",
        a.module, a.target_month.empty() ? "" : " for " + a.target_month, a.module));
  }
  kernel->runner();  // turns the host services on (policy) for the replayed calls
  const migration::CompareRules& rules =
      migration::migration_of(*kernel).reconciliation().rules(a.module);
  ojson results = ojson::array();
  int64_t fields = 0;
  int64_t matched = 0;
  bool blocked = false;
  Table table({"CASE", "MONTH", "V2", "CONSISTENCY", "BLOCK", "WARN", "IGNORE", "VERDICT"});
  for (const migration::GoldenCase& g : cases) {
    // V2 replays the input sandboxed like a shadow: its side effects outside its run
    // directory are only recorded.
    const std::string run_id = new_time_ordered_id("replay");
    const std::string input = g.input.dump();
    const std::string trace = new_trace_id();
    CallSpec spec;
    spec.module = a.module;
    spec.input_json = input;
    spec.trace_id = trace;
    spec.run_id = run_id;
    spec.task_id = run_id;
    spec.shadow = true;
    spec.deadline_unix_ms = unix_ms_now() + 600000;
    CallFrame frame(spec);
    Invocation inv = ModuleRegistry::call(*b->v2, frame);

    migration::ReconcileInput in;
    in.module = a.module;
    in.target_month = g.record.value("target_month", "");
    in.run_id = run_id;
    in.trace_id = trace;
    in.kind = "replay";
    in.v1 = {g.record.value("v1_run_id", ""), "succeeded", "", g.record.value("latency_ms", 0.0),
             g.record.value("output", json::object()).dump()};
    in.v2.run_id = run_id;
    in.v2.status = inv.outcome.status == AS_OK ? "succeeded" : "failed";
    in.v2.error_code =
        inv.outcome.status == AS_OK ? "" : std::string(to_string(from_status(inv.outcome.status)));
    in.v2.latency_ms = inv.latency_ms;
    in.v2.result_json = inv.outcome.status == AS_OK ? inv.outcome.output : "";
    migration::ReconcileRecord rec = migration::reconcile(in, rules, state_dir);
    fields += rec.comparison.fields_compared;
    matched += rec.comparison.matched;
    blocked = blocked || rec.verdict == migration::Verdict::block;
    const auto& d = rec.comparison.by_grade;
    results.push_back({{"case", g.record.value("case", "")},
                       {"target_month", in.target_month},
                       {"v2_status", in.v2.status},
                       {"consistency_pct", rec.consistency ? ojson(*rec.consistency) : ojson()},
                       {"differences", {{"block", d[0]}, {"warn", d[1]}, {"ignore", d[2]}}},
                       {"verdict", std::string(to_string(rec.verdict))},
                       {"diff", rec.diff.string()}});
    table.add({g.record.value("case", ""), in.target_month, in.v2.status,
               rec.consistency ? fmt::format("{:.2f}%", *rec.consistency) : "-",
               std::to_string(d[0]), std::to_string(d[1]), std::to_string(d[2]),
               std::string(to_string(rec.verdict))});
  }
  const double consistency = fields > 0 ? 100.0 * static_cast<double>(matched) / fields : 100.0;
  if (a.json) {
    ctx.out << ojson{{"module", a.module},
                     {"consistency_pct", consistency},
                     {"fields_compared", fields},
                     {"cases", results}}
                   .dump(2)
            << "\n";
  } else {
    table.print(ctx.out);
    fmt::print(ctx.out, "replay of {} against {} golden case(s): key-field consistency {:.2f}%{}\n",
               a.module, cases.size(), consistency, blocked ? " (block differences)" : "");
  }
  return finish(ctx, *kernel, blocked ? 1 : 0);
}

}  // namespace agentsys::cli
