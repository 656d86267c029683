// agentsys run MODULE
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/command.hpp"
#include "cli/run_output.hpp"

namespace agentsys::cli {
namespace po = boost::program_options;

namespace {

/// Removes the options `desc` does not know from `args` and returns them as task input fields:
/// `--target-month 202602` -> {"target_month": "202602"}; a flag without a value is true.
nlohmann::json take_input_fields(const po::options_description& desc,
                                 std::vector<std::string>& args) {
  nlohmann::json fields = nlohmann::json::object();
  std::vector<std::string> kept;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.size() < 3 || a.rfind("--", 0) != 0) {
      kept.push_back(a);
      continue;
    }
    std::string name = a.substr(2);
    std::optional<std::string> value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    if (name == "help" || desc.find_nothrow(name, false) != nullptr) {
      kept.push_back(a);
      continue;
    }
    if (!value && i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0) value = args[++i];
    std::replace(name.begin(), name.end(), '-', '_');
    if (fields.contains(name)) throw UsageError("run: --" + a.substr(2) + " is given twice");
    fields[name] = value ? nlohmann::json(*value) : nlohmann::json(true);
  }
  args = std::move(kept);
  return fields;
}

}  // namespace

int run_task(CommandContext& ctx) {
  TaskSpec spec;
  std::string input = "{}";
  std::string retry;
  double timeout_seconds = 0;
  bool as_json = false;
  po::options_description desc("Options");
  desc.add_options()                                                                        //
      ("module", po::value<std::string>(&spec.module), "the module id")                     //
      ("action", po::value<std::string>(&spec.action)->default_value("run"), "the action")  //
      ("input", po::value<std::string>(&input)->default_value("{}"),
       "task input: inline JSON, or @FILE to read it from a file")  //
      ("idempotency-key", po::value<std::string>(&spec.idempotency_key),
       "run at most once per key: the same key and input return the stored result; the same "
       "key with another input is an idempotency_conflict")  //
      ("timeout", po::value<double>(&timeout_seconds),
       "per-attempt timeout in seconds (default 300)")  //
      ("retry", po::value<std::string>(&retry),
       "retry policy JSON: {\"initial_interval_ms\", \"backoff_coefficient\", "
       "\"maximum_interval_ms\", \"maximum_attempts\", \"non_retryable_error_codes\"} "
       "(default 1000, 2.0, 60000, 3, [])")  //
      ("trace-id", po::value<std::string>(&spec.trace_id),
       "continue this W3C trace (32 hex chars) instead of starting one")  //
      ("dry-run", po::bool_switch(&spec.dry_run),
       "run the plugin with dry_run set: side effects are recorded as \"would do\", not done")  //
      ("json", po::bool_switch(&as_json), "print the result as JSON");
  po::positional_options_description pos;
  pos.add("module", 1);
  const nlohmann::json fields = take_input_fields(desc, ctx.args);
  std::optional<po::variables_map> vm = ctx.parse(desc, pos);
  if (!vm) return 0;
  if (spec.module.empty()) throw UsageError("run: missing MODULE (usage: " + ctx.usage + ")");
  if (spec.action.empty()) throw UsageError("run: --action must not be empty");
  if (vm->count("timeout") != 0U) {
    if (!std::isfinite(timeout_seconds) || timeout_seconds <= 0) {
      throw UsageError(fmt::format("run: --timeout must be a positive number of seconds, not {}",
                                   timeout_seconds));
    }
    spec.timeout = std::chrono::milliseconds(
        std::max<int64_t>(1, static_cast<int64_t>(std::llround(timeout_seconds * 1000))));
  }
  if (!retry.empty()) {
    try {
      spec.retry =
          RetryPolicy::from_json(nlohmann::json::parse(read_json_argument("retry", retry)));
    } catch (const std::invalid_argument& e) {
      throw UsageError(fmt::format("--retry: {}", e.what()));
    }
  }
  spec.input_json = read_json_argument("input", input);
  if (!fields.empty()) {
    nlohmann::json merged = nlohmann::json::parse(spec.input_json);
    if (!merged.is_object()) {
      throw UsageError("run: --input must be a JSON object when task fields such as --" +
                       fields.begin().key() + " are given");
    }
    merged.update(fields);
    spec.input_json = merged.dump();
  }

  std::unique_ptr<Kernel> kernel = ctx.make_kernel(false, true);
  RunResult result;
  try {
    result = kernel->runner().run(spec);
  } catch (const std::invalid_argument& e) {
    throw UsageError(fmt::format("run: {}", e.what()));
  }
  // Tasks the run submitted (a scheduler's jobs) run to their end before the process does.
  kernel->runner().wait_idle();
  if (as_json) {
    ctx.out << run_result_json(result).dump(2) << "\n";
  } else if (result.ok()) {
    nlohmann::json output = nlohmann::json::parse(result.output_json, nullptr, false);
    fmt::print(ctx.out, "{}\ntrace {}\n{}\n", run_summary(result), result.trace_id,
               output.is_discarded() ? result.output_json : output.dump(2));
  }
  if (!result.ok()) fmt::print(ctx.err, "agentsys: error: {}\n", run_summary(result));
  return finish(ctx, *kernel, result.ok() ? 0 : 1);
}

}  // namespace agentsys::cli
