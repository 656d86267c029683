#include "runbook.hpp"

#include <stdexcept>

namespace agentsys::reports {
using json = nlohmann::json;

namespace {

[[noreturn]] void bad(const std::string& where, const std::string& problem) {
  throw std::invalid_argument("runbook " + where + ": " + problem);
}

std::string text(const json& object, const char* key, const std::string& where,
                 bool required = true) {
  const json v = object.value(key, json());
  if (v.is_null() && !required) return {};
  if (!v.is_string() || (required && v.get<std::string>().empty())) {
    bad(where, std::string("'") + key + "' must be a non-empty string");
  }
  return v.get<std::string>();
}

Risk parse_risk(const json& v, const std::string& where) {
  if (v == "low") return Risk::low;
  if (v == "high") return Risk::high;
  bad(where, "'risk' must be \"low\" or \"high\", not " + v.dump());
}

StepAction parse_action(const json& v, const std::string& where) {
  if (v == "retry") return StepAction::retry;
  if (v == "retry_with_backoff") return StepAction::retry_with_backoff;
  if (v == "notify") return StepAction::notify;
  bad(where, "'action' must be retry, retry_with_backoff or notify, not " + v.dump());
}

RunbookEntry parse_entry(const std::string& code, const json& e, const std::string& where) {
  if (!e.is_object()) bad(where, "an entry must be a table");
  RunbookEntry entry;
  entry.error_code = code;
  entry.description = text(e, "description", where);
  const Risk risk = parse_risk(e.value("risk", json()), where);
  entry.rollback_point = text(e, "rollback_point", where);
  if (entry.rollback_point != "none" && entry.rollback_point != "last_published_output") {
    bad(where, "'rollback_point' must be none or last_published_output, not '" +
                   entry.rollback_point + "'");
  }
  const json attempts = e.value("max_attempts", json());
  if (!attempts.is_number_integer() || attempts.get<int64_t>() < 1 ||
      attempts.get<int64_t>() > 20) {
    bad(where, "'max_attempts' must be an integer 1..20, not " + attempts.dump());
  }
  entry.max_attempts = attempts.get<int>();
  const json steps = e.value("steps", json());
  if (!steps.is_array() || steps.empty()) bad(where, "'steps' must be a non-empty array");
  for (size_t i = 0; i < steps.size(); ++i) {
    const std::string at = where + ".steps[" + std::to_string(i) + "]";
    const json& s = steps[i];
    if (!s.is_object()) bad(at, "a step must be a table");
    RunbookStep step;
    step.action = parse_action(s.value("action", json()), at);
    step.risk = s.contains("risk") ? parse_risk(s["risk"], at) : risk;
    step.description = text(s, "description", at, false);
    if (step.action == StepAction::retry_with_backoff) {
      const json b = s.value("backoff_s", json());
      if (!b.is_number_integer() || b.get<int64_t>() < 1 || b.get<int64_t>() > 604800) {
        bad(at, "retry_with_backoff needs 'backoff_s', an integer 1..604800, not " + b.dump());
      }
      step.backoff_s = b.get<int64_t>();
    } else if (s.contains("backoff_s")) {
      bad(at, "'backoff_s' only goes with action retry_with_backoff");
    }
    entry.steps.push_back(std::move(step));
  }
  return entry;
}

}  // namespace

const RunbookEntry* Runbook::find(std::string_view error_code) const {
  auto it = entries.find(error_code);
  return it == entries.end() ? nullptr : &it->second;
}

Runbook parse_runbook(const std::string& name, const json& j) {
  const std::string where = "'" + name + "'";
  if (!j.is_object()) bad(where, "must be a table");
  Runbook rb;
  rb.name = name;
  rb.module = text(j, "module", where);
  const json entries = j.value("entries", json());
  if (!entries.is_object() || entries.empty()) bad(where, "'entries' must be a non-empty table");
  for (const auto& [code, e] : entries.items()) {
    rb.entries.emplace(code, parse_entry(code, e, where + " entry '" + code + "'"));
  }
  return rb;
}

std::string_view to_string(Risk risk) { return risk == Risk::high ? "high" : "low"; }

std::string_view to_string(StepAction action) {
  switch (action) {
    case StepAction::retry: return "retry";
    case StepAction::retry_with_backoff: return "retry_with_backoff";
    case StepAction::notify: return "notify";
  }
  return "notify";
}

bool is_retry(StepAction action) { return action != StepAction::notify; }

}  // namespace agentsys::reports
