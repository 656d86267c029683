// agentsys batch FILE: run the tasks of a JSON-lines file.
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/command.hpp"
#include "cli/run_output.hpp"
#include "util/json_depth.hpp"

namespace agentsys::cli {
namespace po = boost::program_options;
using json = nlohmann::json;

namespace {

constexpr size_t kChunk = 64;  // tasks acknowledged per commit

/// One line of the batch file: {"module", "action", "input", "idempotency_key",
/// "timeout_seconds", "dry_run", "retry"}.
TaskSpec parse_line(const std::string& file, size_t line_no, const std::string& line) {
  auto where = [&] { return fmt::format("{}:{}", file, line_no); };
  // The line holds the task with its input one level down.
  if (json_depth(line, kMaxJsonDepth + 1) > kMaxJsonDepth + 1) {
    throw UsageError(fmt::format("{}: the input nests arrays and objects more than {} levels deep",
                                 where(), kMaxJsonDepth));
  }
  json j = json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    throw UsageError(fmt::format("{}: not a JSON object", where()));
  }
  for (const auto& [key, value] : j.items()) {
    static const std::vector<std::string> known = {"module",          "action",          "input",
                                                   "idempotency_key", "timeout_seconds", "dry_run",
                                                   "retry",           "trace_id"};
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      throw UsageError(fmt::format("{}: unknown field '{}'", where(), key));
    }
  }
  TaskSpec spec;
  if (!j.contains("module") || !j["module"].is_string()) {
    throw UsageError(fmt::format("{}: 'module' (a string) is required", where()));
  }
  spec.module = j["module"];
  if (j.contains("action")) spec.action = j.value("action", "run");
  spec.input_json = j.contains("input") ? j["input"].dump() : "{}";
  spec.idempotency_key = j.value("idempotency_key", "");
  spec.trace_id = j.value("trace_id", "");
  spec.dry_run = j.value("dry_run", false);
  if (j.contains("timeout_seconds")) {
    if (!j["timeout_seconds"].is_number() || j["timeout_seconds"].get<double>() <= 0) {
      throw UsageError(fmt::format("{}: 'timeout_seconds' must be a positive number", where()));
    }
    spec.timeout = std::chrono::milliseconds(
        std::max<int64_t>(1, static_cast<int64_t>(j["timeout_seconds"].get<double>() * 1000)));
  }
  if (j.contains("retry")) {
    try {
      spec.retry = RetryPolicy::from_json(j["retry"]);
    } catch (const std::invalid_argument& e) {
      throw UsageError(fmt::format("{}: {}", where(), e.what()));
    }
  }
  return spec;
}

}  // namespace

int batch_run(CommandContext& ctx) {
  std::string file;
  bool as_json = false;
  po::options_description desc("Options");
  desc.add_options()("file", po::value<std::string>(&file),
                     "JSON-lines file, one task per line: {\"module\", \"action\", \"input\", "
                     "\"idempotency_key\", \"timeout_seconds\", \"dry_run\", \"retry\"}")(
      "json", po::bool_switch(&as_json), "print JSON lines instead of text");
  po::positional_options_description pos;
  pos.add("file", 1);
  if (!ctx.parse(desc, pos)) return 0;
  if (file.empty()) throw UsageError("batch: missing FILE (usage: " + ctx.usage + ")");
  std::ifstream in(file);
  if (!in) throw UsageError(fmt::format("batch: cannot read '{}'", file));

  std::vector<TaskSpec> specs;
  std::vector<size_t> line_numbers;
  size_t line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    specs.push_back(parse_line(file, line_no, line));
    line_numbers.push_back(line_no);
  }

  std::unique_ptr<Kernel> kernel = ctx.make_kernel(false, true);
  for (const TaskSpec& s : specs) {
    if (!kernel->registry().binding(s.module)) {
      throw UsageError(
          fmt::format("batch: unknown module '{}' (see 'agentsys module list')", s.module));
    }
  }
  Runner& runner = kernel->runner();
  std::vector<Submission> futures;
  for (size_t start = 0; start < specs.size(); start += kChunk) {
    size_t end = std::min(specs.size(), start + kChunk);
    std::vector<TaskSpec> chunk(specs.begin() + static_cast<std::ptrdiff_t>(start),
                                specs.begin() + static_cast<std::ptrdiff_t>(end));
    std::vector<Submission> acked;
    try {
      acked = runner.submit_batch(std::move(chunk));
    } catch (const std::invalid_argument& e) {
      throw UsageError(fmt::format("batch: {}", e.what()));
    }
    // Printed only after the commit: a line here is a promise that the run is durable.
    for (size_t i = 0; i < acked.size(); ++i) {
      const std::string& run_id = acked[i].run_id;
      if (as_json) {
        ctx.out << json{{"event", "acknowledged"},
                        {"line", line_numbers[start + i]},
                        {"run_id", run_id.empty() ? json(nullptr) : json(run_id)}}
                       .dump()
                << "\n";
      } else {
        fmt::print(ctx.out, "acknowledged line {} as {}\n", line_numbers[start + i],
                   run_id.empty() ? "(not recorded)" : run_id);
      }
      futures.push_back(acked[i]);
    }
    ctx.out.flush();
  }
  size_t ok = 0;
  for (size_t i = 0; i < futures.size(); ++i) {
    const RunResult& r = futures[i].result.get();
    ok += r.ok() ? 1 : 0;
    if (as_json) {
      nlohmann::ordered_json j = run_result_json(r);
      j["event"] = "finished";
      j["line"] = line_numbers[i];
      ctx.out << j.dump() << "\n";
    } else {
      fmt::print(ctx.out, "line {}: {}\n", line_numbers[i], run_summary(r));
    }
    ctx.out.flush();
  }
  if (!as_json) {
    fmt::print(ctx.out, "{} task(s): {} succeeded, {} did not\n", futures.size(), ok,
               futures.size() - ok);
  }
  return finish(ctx, *kernel, ok == futures.size() ? 0 : 1);
}

}  // namespace agentsys::cli
