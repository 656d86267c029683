// agentsys runs list | show | recover, and agentsys events
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/command.hpp"
#include "cli/run_output.hpp"
#include "cli/table.hpp"

namespace agentsys::cli {
namespace po = boost::program_options;
using json = nlohmann::ordered_json;

RunStore* existing_store(Kernel& kernel) {
  std::error_code ec;
  if (!std::filesystem::exists(StateStore::database_path(kernel.options().state_dir), ec)) {
    return nullptr;
  }
  return &kernel.runs();
}

namespace {

json nullable(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

json parsed(const std::string& text) {
  if (text.empty()) return nullptr;
  json j = json::parse(text, nullptr, false);
  return j.is_discarded() ? json(text) : j;
}

json row_json(const RunRow& r) {
  return json{{"run_id", r.run_id},
              {"task_id", r.task_id},
              {"trace_id", r.trace_id},
              {"module", r.module},
              {"action", r.action},
              {"status", r.status},
              {"error_code", nullable(r.error_code)},
              {"message", nullable(r.message)},
              {"attempts", r.attempts},
              {"impl", nullable(r.impl)},
              {"plugin", nullable(r.plugin)},
              {"plugin_version", nullable(r.plugin_version)},
              {"latency_ms", r.latency_ms},
              {"idempotency_key", nullable(r.idempotency_key)},
              {"dry_run", r.dry_run},
              {"timeout_ms", r.timeout_ms},
              {"retry_policy", parsed(r.retry_policy)},
              {"input", parsed(r.input)},
              {"output", parsed(r.output)},
              {"key_fields", parsed(r.key_fields)},
              {"created_at", r.created_at},
              {"updated_at", r.updated_at}};
}

json event_json(const EventRow& e) {
  return json{{"id", e.id},
              {"ts", e.ts},
              {"type", e.type},
              {"trace_id", nullable(e.trace_id)},
              {"run_id", nullable(e.run_id)},
              {"module", nullable(e.module)},
              {"impl", nullable(e.impl)},
              {"attempt", e.attempt},
              {"data", parsed(e.data)}};
}

void print_events(std::ostream& out, const std::vector<EventRow>& events) {
  Table table({"TS", "EVENT", "RUN", "MODULE", "IMPL", "ATTEMPT", "DATA"});
  for (const EventRow& e : events) {
    table.add({e.ts, e.type, e.run_id.empty() ? "-" : e.run_id, e.module.empty() ? "-" : e.module,
               e.impl.empty() ? "-" : e.impl, std::to_string(e.attempt),
               e.data.empty() ? "" : e.data});
  }
  table.print(out);
}

}  // namespace

int runs_list(CommandContext& ctx) {
  RunFilter filter;
  bool as_json = false;
  po::options_description desc("Options");
  desc.add_options()("module", po::value<std::string>(&filter.module), "only this module")(
      "status", po::value<std::string>(&filter.status), "only runs in this status")(
      "limit", po::value<int64_t>(&filter.limit)->default_value(100), "at most this many runs")(
      "json", po::bool_switch(&as_json), "print JSON");
  if (!ctx.parse(desc)) return 0;
  if (!filter.status.empty()) parse_status_option(filter.status);
  if (filter.limit <= 0) throw UsageError("runs list: --limit must be positive");

  std::unique_ptr<Kernel> kernel = ctx.make_kernel(true);
  RunStore* store = existing_store(*kernel);
  std::vector<RunRow> rows = store != nullptr ? store->list_runs(filter) : std::vector<RunRow>{};
  if (as_json) {
    json doc = json::array();
    for (const RunRow& r : rows) doc.push_back(row_json(r));
    ctx.out << doc.dump(2) << "\n";
    return 0;
  }
  Table table(
      {"RUN", "MODULE", "ACTION", "STATUS", "ERROR", "ATTEMPTS", "IMPL", "LATENCY_MS", "CREATED"});
  for (const RunRow& r : rows) {
    table.add({r.run_id, r.module, r.action, r.status, r.error_code.empty() ? "-" : r.error_code,
               std::to_string(r.attempts), r.impl.empty() ? "-" : r.impl,
               fmt::format("{:.2f}", r.latency_ms), r.created_at});
  }
  table.print(ctx.out);
  return 0;
}

int runs_show(CommandContext& ctx) {
  std::string run_id;
  bool as_json = false;
  po::options_description desc("Options");
  desc.add_options()("run", po::value<std::string>(&run_id), "the run id")(
      "json", po::bool_switch(&as_json), "print JSON");
  po::positional_options_description pos;
  pos.add("run", 1);
  if (!ctx.parse(desc, pos)) return 0;
  if (run_id.empty()) throw UsageError("runs show: missing RUN_ID (usage: " + ctx.usage + ")");

  std::unique_ptr<Kernel> kernel = ctx.make_kernel(true);
  RunStore* store = existing_store(*kernel);
  std::optional<RunRow> row = store != nullptr ? store->find_run(run_id) : std::nullopt;
  if (!row) {
    throw UsageError(fmt::format("runs show: no run '{}' in {} (see 'agentsys runs list')", run_id,
                                 kernel->options().state_dir.string()));
  }
  std::vector<AttemptRow> attempts = store->attempts(run_id);
  std::vector<EventRow> events = store->events(run_id);
  if (as_json) {
    json doc{{"run", row_json(*row)}, {"attempts", json::array()}, {"events", json::array()}};
    for (const AttemptRow& a : attempts) {
      doc["attempts"].push_back({{"attempt", a.attempt},
                                 {"status", a.status},
                                 {"error_code", nullable(a.error_code)},
                                 {"message", nullable(a.message)},
                                 {"impl", nullable(a.impl)},
                                 {"plugin", nullable(a.plugin)},
                                 {"started_at", a.started_at},
                                 {"finished_at", nullable(a.finished_at)},
                                 {"latency_ms", a.latency_ms}});
    }
    for (const EventRow& e : events) doc["events"].push_back(event_json(e));
    ctx.out << doc.dump(2) << "\n";
    return 0;
  }
  const RunRow& r = *row;
  fmt::print(
      ctx.out,
      "run:        {}\ntask:       {}\ntrace:      {}\nmodule:     {} (action {})\nstatus:     "
      "{}{}\nimpl:       {}\nattempts:   {}\nlatency:    {:.2f} ms\nidempotency: {}\ndry run:    "
      "{}\ncreated:    {}\nupdated:    {}\n",
      r.run_id, r.task_id, r.trace_id, r.module, r.action, r.status,
      r.error_code.empty() ? "" : fmt::format(" ({}: {})", r.error_code, r.message),
      r.impl.empty() ? "-" : fmt::format("{} ({} {})", r.impl, r.plugin, r.plugin_version),
      r.attempts, r.latency_ms, r.idempotency_key.empty() ? "-" : r.idempotency_key,
      r.dry_run ? "yes" : "no", r.created_at, r.updated_at);
  fmt::print(ctx.out, "input:      {}\noutput:     {}\n\nAttempts:\n", r.input,
             r.output.empty() ? "-" : r.output);
  Table table({"#", "STATUS", "ERROR", "IMPL", "STARTED", "LATENCY_MS", "MESSAGE"});
  for (const AttemptRow& a : attempts) {
    table.add({std::to_string(a.attempt), a.status, a.error_code.empty() ? "-" : a.error_code,
               a.impl.empty() ? "-" : a.impl, a.started_at, fmt::format("{:.2f}", a.latency_ms),
               a.message});
  }
  table.print(ctx.out);
  ctx.out << "\nEvents:\n";
  print_events(ctx.out, events);
  return 0;
}

int runs_recover(CommandContext& ctx) {
  bool as_json = false;
  po::options_description desc("Options");
  desc.add_options()("json", po::bool_switch(&as_json), "print JSON");
  if (!ctx.parse(desc)) return 0;
  // Configured: a recovered run gets its module's configuration and policy, as a new run does.
  std::unique_ptr<Kernel> kernel = ctx.make_kernel(false, true, true, RecoveryScope::everything);
  kernel->runner();  // starting the runner runs the recovery pass
  json doc = json::array();
  size_t ok = 0;
  for (const Submission& s : kernel->recovered()) {
    const RunResult& r = s.result.get();
    ok += r.ok() ? 1 : 0;
    if (as_json) {
      doc.push_back(run_result_json(r));
    } else {
      fmt::print(ctx.out, "{}\n", run_summary(r));
    }
  }
  if (as_json) {
    ctx.out << doc.dump(2) << "\n";
  } else {
    fmt::print(ctx.out, "recovered {} run(s): {} succeeded\n", kernel->recovered().size(), ok);
  }
  return finish(ctx, *kernel, 0);
}

int events_list(CommandContext& ctx) {
  std::string run_id;
  int64_t limit = 1000;
  bool as_json = false;
  po::options_description desc("Options");
  desc.add_options()("run", po::value<std::string>(&run_id), "only this run's events")(
      "limit", po::value<int64_t>(&limit)->default_value(1000), "at most the last N events")(
      "json", po::bool_switch(&as_json), "print JSON");
  if (!ctx.parse(desc)) return 0;
  if (limit <= 0) throw UsageError("events: --limit must be positive");
  std::unique_ptr<Kernel> kernel = ctx.make_kernel(true);
  RunStore* store = existing_store(*kernel);
  if (!run_id.empty() && (store == nullptr || !store->find_run(run_id))) {
    throw UsageError(fmt::format("events: no run '{}' (see 'agentsys runs list')", run_id));
  }
  std::vector<EventRow> events = store != nullptr ? store->events(run_id) : std::vector<EventRow>{};
  if (events.size() > static_cast<size_t>(limit)) {
    events.erase(events.begin(), events.end() - limit);
  }
  if (as_json) {
    json doc = json::array();
    for (const EventRow& e : events) doc.push_back(event_json(e));
    ctx.out << doc.dump(2) << "\n";
  } else {
    print_events(ctx.out, events);
  }
  return 0;
}

}  // namespace agentsys::cli
