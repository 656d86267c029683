// agentsys policy check | log: ask the policy plugin for a decision, and read the decision log.
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <boost/program_options/parsers.hpp>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/command.hpp"
#include "cli/table.hpp"
#include "config/config_loader.hpp"
#include "host/http_url.hpp"
#include "policy/policy_gate.hpp"

namespace agentsys::cli {
namespace po = boost::program_options;
using json = nlohmann::json;

namespace {

/// Exit code of a check that did not allow: the command worked, the answer is "no".
constexpr int kNotAllowed = 3;

/// The decide request for `--kind`/`--input`/`--context` (see docs/policy.md).
json request_for(const std::string& kind, const std::string& input, const std::string& context) {
  if (kind == "command") {
    json argv;
    if (!input.empty() && input.front() == '[') {
      argv = json::parse(input, nullptr, false);
      if (!argv.is_array()) throw UsageError("--input: a command given as JSON must be an array");
    } else {
      argv = po::split_unix(input);  // shell-like words: quotes group, nothing is expanded
    }
    if (argv.empty()) throw UsageError("--input: the command line is empty");
    if (!context.empty()) throw UsageError("--context is not used with --kind command");
    return {{"kind", "command"}, {"argv", argv}};
  }
  if (kind == "path") {
    std::string access = context.empty() ? "read" : context;
    if (access != "read" && access != "write") {
      throw UsageError(fmt::format("--context for --kind path is read or write, got '{}'", access));
    }
    return {{"kind", "path"}, {"path", input}, {"access", access}};
  }
  if (kind == "sql") {
    return {{"kind", "sql"}, {"sql", input}, {"context", context.empty() ? "read_only" : context}};
  }
  if (kind == "action") {
    json r{{"kind", "action"}, {"action", input}};
    if (!context.empty()) r["module"] = context;
    return r;
  }
  if (kind == "http") {
    // "METHOD URL", or a bare URL for a GET; split by the HTTP client's own URL parser.
    const size_t space = input.find(' ');
    const std::string method = space == std::string::npos ? "GET" : input.substr(0, space);
    const std::string url = space == std::string::npos ? input : input.substr(space + 1);
    if (!context.empty()) throw UsageError("--context is not used with --kind http");
    HttpTarget target;
    if (std::string problem = parse_http_url(url, target); !problem.empty()) {
      throw UsageError(fmt::format("--input: '{}': {}", url, problem));
    }
    return http_policy_request(method, target);
  }
  throw UsageError(
      fmt::format("--kind must be one of command, path, sql, action, http; got '{}'", kind));
}

}  // namespace

int policy_check(CommandContext& ctx) {
  std::string kind;
  std::string input;
  std::string context;
  bool as_json = false;
  po::options_description desc("Options");
  desc.add_options()                                                                  //
      ("kind", po::value(&kind)->required(), "command | path | sql | action | http")  //
      ("input", po::value(&input)->required(),
       "command line (or a JSON array of argv), path, SQL text, action name, or 'METHOD URL'")  //
      ("context", po::value(&context),
       "path: read|write (default read); sql: the SQL context (default read_only); action: "
       "the module")  //
      ("json", po::bool_switch(&as_json), "print JSON");
  if (!ctx.parse(desc)) return 0;
  json request = request_for(kind, input, context);

  std::unique_ptr<Kernel> kernel = ctx.make_kernel(false, true);
  PolicyDecision d;
  try {
    d = kernel->policy().decide(request, nullptr, "cli");
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  kernel->runs().sync();  // the decision is in the log before we answer

  if (as_json) {
    ctx.out << d.detail.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
  } else {
    fmt::print(ctx.out, "{}  (rule {})\n  {}\n", d.decision, d.rule, d.reason);
  }
  return d.allowed() ? 0 : kNotAllowed;
}

int policy_log(CommandContext& ctx) {
  std::string run_id;
  bool as_json = false;
  po::options_description desc("Options");
  desc.add_options()                                                        //
      ("run", po::value(&run_id), "only the decisions taken for this run")  //
      ("json", po::bool_switch(&as_json), "print JSON");
  if (!ctx.parse(desc)) return 0;
  std::unique_ptr<Kernel> kernel = ctx.make_kernel(true);
  std::vector<DecisionRow> rows;
  if (RunStore* store = existing_store(*kernel)) rows = store->decisions(run_id);

  if (as_json) {
    json out = json::array();
    for (const DecisionRow& d : rows) {
      json input = json::parse(d.input, nullptr, false);
      out.push_back({{"id", d.id},
                     {"ts", d.ts},
                     {"trace_id", d.trace_id.empty() ? json() : json(d.trace_id)},
                     {"run_id", d.run_id.empty() ? json() : json(d.run_id)},
                     {"plugin", d.plugin},
                     {"kind", d.kind},
                     {"input_digest", d.input_digest},
                     {"input", input.is_discarded() ? json(d.input) : input},
                     {"decision", d.decision},
                     {"rule", d.rule},
                     {"reason", d.reason}});
    }
    ctx.out << out.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
    return 0;
  }
  Table table({"TS", "KIND", "DECISION", "RULE", "RUN", "REASON"});
  for (const DecisionRow& d : rows) {
    table.add({d.ts, d.kind, d.decision, d.rule, d.run_id.empty() ? "-" : d.run_id, d.reason});
  }
  table.print(ctx.out);
  fmt::print(ctx.out, "{} decision(s)\n", rows.size());
  return 0;
}

}  // namespace agentsys::cli
