#include "config/runbook_checks.hpp"

#include <fmt/format.h>

#include <optional>

#include "config/source_map.hpp"
#include "task/error_code.hpp"

namespace agentsys::config {
using json = nlohmann::json;

namespace {

std::string known_codes() {
  std::vector<std::string_view> names;
  for (const ErrorCodeInfo& c : all_error_codes()) {
    if (c.code != ErrorCode::none) names.push_back(c.name);
  }
  return fmt::format("{}", fmt::join(names, ", "));
}

void check_steps(const EffectiveConfig& config, const std::string& at, const json& steps,
                 std::vector<Problem>& problems) {
  if (!steps.is_array()) return;
  for (size_t i = 0; i < steps.size(); ++i) {
    const json& step = steps[i];
    if (!step.is_object() || !step.value("action", json()).is_string()) continue;
    const std::string action = step["action"];
    const std::string here = pointer_append(pointer_append(at, "steps"), std::to_string(i));
    const bool backoff = step.contains("backoff_s");
    if (action == "retry_with_backoff" && !backoff) {
      problems.push_back(config.problem_at(
          pointer_append(here, "action"), "runbook.step",
          "retry_with_backoff needs backoff_s: the seconds to wait after the first failure"));
    } else if (action != "retry_with_backoff" && backoff) {
      problems.push_back(config.problem_at(
          pointer_append(here, "backoff_s"), "runbook.step",
          fmt::format("backoff_s only goes with action retry_with_backoff, not {}", action)));
    }
  }
}

}  // namespace

void check_runbooks(const EffectiveConfig& config, const std::set<std::string>& served_modules,
                    std::vector<Problem>& problems) {
  // value() returns a copy: keep it alive for the whole loop.
  const json runbooks = config.value("/runbook");
  if (!runbooks.is_object()) return;
  const json modules = config.value("/modules");
  for (const auto& [stem, runbook] : runbooks.items()) {
    if (!runbook.is_object()) continue;
    const std::string base = pointer_append("/runbook", stem);
    if (runbook.value("module", json()).is_string()) {
      const std::string module = runbook["module"];
      if (!(modules.is_object() && modules.contains(module)) && !served_modules.contains(module)) {
        problems.push_back(config.problem_at(
            pointer_append(base, "module"), "runbook.module",
            fmt::format("no module '{}': not in config/modules and served by no loaded plugin",
                        module)));
      }
    }
    const json entries = runbook.value("entries", json::object());
    if (!entries.is_object()) continue;
    for (const auto& [code, entry] : entries.items()) {
      const std::string at = pointer_append(pointer_append(base, "entries"), code);
      std::optional<ErrorCode> parsed = parse_error_code(code);
      if (!parsed || *parsed == ErrorCode::none) {
        problems.push_back(config.problem_at(
            at, "runbook.error_code",
            fmt::format("'{}' is not an error code a run can end with (docs/errors.md): {}", code,
                        known_codes())));
      }
      if (entry.is_object()) check_steps(config, at, entry.value("steps", json()), problems);
    }
  }
}

json runbook_summary(const EffectiveConfig& config) {
  json out = json::object();
  const json runbooks = config.value("/runbook");
  if (!runbooks.is_object()) return out;
  for (const auto& [stem, runbook] : runbooks.items()) {
    if (!runbook.is_object()) continue;
    json codes = json::array();
    const json entries = runbook.value("entries", json::object());  // outlives the loop
    for (const auto& [code, entry] : entries.items()) codes.push_back(code);
    out[stem] = {{"module", runbook.value("module", json())}, {"entries", codes}};
  }
  return out;
}

}  // namespace agentsys::config
