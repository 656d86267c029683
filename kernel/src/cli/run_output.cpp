#include "cli/run_output.hpp"

#include <fmt/format.h>

#include "plugin/plugin_library.hpp"

namespace agentsys::cli {
using json = nlohmann::ordered_json;

namespace {

json parsed_or_null(const std::string& text) {
  if (text.empty()) return nullptr;
  json j = json::parse(text, nullptr, false);
  return j.is_discarded() ? json(text) : j;
}

}  // namespace

json run_result_json(const RunResult& r) {
  return json{{"run_id", r.run_id.empty() ? json(nullptr) : json(r.run_id)},
              {"task_id", r.task_id},
              {"trace_id", r.trace_id},
              {"module", r.module},
              {"action", r.action},
              {"status", to_string(r.status)},
              {"error_code",
               r.error_code == ErrorCode::none ? json(nullptr) : json(to_string(r.error_code))},
              {"retryable", r.error_code == ErrorCode::none ? json(nullptr)
                                                            : json(info(r.error_code).retryable)},
              {"message", r.message.empty() ? json(nullptr) : json(r.message)},
              {"attempts", r.attempts},
              {"impl", r.impl == AS_IMPL_NONE ? json(nullptr) : json(to_string(r.impl))},
              {"plugin", r.plugin.empty() ? json(nullptr) : json(r.plugin)},
              {"plugin_version", r.plugin_version.empty() ? json(nullptr) : json(r.plugin_version)},
              {"latency_ms", r.latency_ms},
              {"replayed", r.replayed},
              {"output", parsed_or_null(r.output_json)},
              {"key_fields", parsed_or_null(r.key_fields_json)}};
}

std::string run_summary(const RunResult& r) {
  std::string via = r.plugin.empty() ? std::string()
                                     : fmt::format(" via {} ({} {})", to_string(r.impl), r.plugin,
                                                   r.plugin_version);
  std::string id = r.run_id.empty() ? "(not recorded)" : r.run_id;
  std::string text =
      fmt::format("run {} {}: {}{}, {} attempt{}, {:.2f} ms", id, to_string(r.status), r.module,
                  via, r.attempts, r.attempts == 1 ? "" : "s", r.latency_ms);
  if (r.replayed) text += " (stored result: idempotency key replay)";
  if (r.error_code != ErrorCode::none) {
    text += fmt::format("; error {} ({}): {}", to_string(r.error_code),
                        info(r.error_code).retryable ? "retryable" : "not retryable", r.message);
  }
  return text;
}

}  // namespace agentsys::cli
