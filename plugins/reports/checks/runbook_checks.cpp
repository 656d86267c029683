#include "checks/runbook_checks.hpp"

#include <fmt/format.h>

namespace agentsys::reports::checks {
using json = nlohmann::json;

namespace {

void check_steps(const std::string& at, const json& steps, Findings& findings) {
  if (!steps.is_array()) return;
  for (size_t i = 0; i < steps.size(); ++i) {
    const json& step = steps[i];
    if (!step.is_object() || !step.value("action", json()).is_string()) continue;
    const std::string action = step["action"];
    const std::string here = pointer_append(pointer_append(at, "steps"), std::to_string(i));
    const bool backoff = step.contains("backoff_s");
    if (action == "retry_with_backoff" && !backoff) {
      findings.problem(
          pointer_append(here, "action"), "runbook.step",
          "retry_with_backoff needs backoff_s: the seconds to wait after the first failure");
    } else if (action != "retry_with_backoff" && backoff) {
      findings.problem(
          pointer_append(here, "backoff_s"), "runbook.step",
          fmt::format("backoff_s only goes with action retry_with_backoff, not {}", action));
    }
  }
}

void check_module(const std::string& base, const json& runbook, const KernelFacts& facts,
                  Findings& findings) {
  if (!runbook.value("module", json()).is_string()) return;
  const std::string module = runbook["module"];
  const bool configured = facts.modules.is_object() && facts.modules.contains(module);
  if (!configured && !facts.served.contains(module)) {
    findings.problem(
        pointer_append(base, "module"), "runbook.module",
        fmt::format("no module '{}': not in config/modules and served by no loaded plugin",
                    module));
  }
}

}  // namespace

void check_runbooks(const json& runbooks, const KernelFacts& facts, Findings& findings) {
  if (!runbooks.is_object()) return;
  for (const auto& [stem, runbook] : runbooks.items()) {
    if (!runbook.is_object()) continue;
    const std::string base = pointer_append("/runbook", stem);
    check_module(base, runbook, facts, findings);
    const json entries = runbook.value("entries", json::object());
    if (!entries.is_object()) continue;
    for (const auto& [code, entry] : entries.items()) {
      const std::string at = pointer_append(pointer_append(base, "entries"), code);
      if (!facts.error_codes.contains(code)) {
        findings.problem(
            at, "runbook.error_code",
            fmt::format("'{}' is not an error code a run can end with (docs/errors.md): {}", code,
                        fmt::join(facts.error_codes, ", ")));
      }
      if (entry.is_object()) check_steps(at, entry.value("steps", json()), findings);
    }
  }
}

json runbook_summary(const json& runbooks) {
  json out = json::object();
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

}  // namespace agentsys::reports::checks
