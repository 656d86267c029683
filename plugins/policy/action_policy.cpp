#include "action_policy.hpp"

#include <algorithm>

namespace agentsys::policy {

bool ActionPolicy::Rule::matches(const ActionRequest& r) const {
  const bool action = std::any_of(actions.begin(), actions.end(),
                                  [&](const std::string& a) { return a == "*" || a == r.action; });
  if (!action) return false;
  if (!modules) return true;
  return std::any_of(modules->begin(), modules->end(),
                     [&](const std::string& m) { return m == "*" || m == r.module; });
}

void ActionPolicy::build(const std::vector<LayerDoc>& layers) {
  high_risk_ = {"publish", "rollback", "bulk_write"};
  for (const auto& doc : layers) {
    if (!doc.action) continue;
    declared_ = true;
    high_risk_.insert(doc.action->high_risk.begin(), doc.action->high_risk.end());
    if (doc.action->require_approval.value_or(false)) {
      require_approval_ = true;
      approval_layers_.push_back(doc.name);
    }
    for (const auto& r : doc.action->deny) deny_.push_back({r.id, doc.name, r.actions, r.modules});
    for (const auto& r : doc.action->approve) {
      approve_.push_back({r.id, doc.name, r.actions, r.modules});
    }
  }
}

Decision ActionPolicy::decide(const ActionRequest& request) const {
  const std::string what =
      "action '" + request.action + "'" +
      (request.module.empty() ? std::string() : " of module '" + request.module + "'");
  if (!declared_) {
    return Decision::deny("default.deny",
                          "no policy layer declares actions; " + what + " is denied by default");
  }
  for (const auto& r : deny_) {
    if (r.matches(request)) {
      return Decision::deny(r.id, what + " is denied by " + r.id + " (" + r.layer + ")");
    }
  }
  for (const auto& r : approve_) {
    if (r.matches(request)) {
      return Decision::needs_approval(
          r.id, what + " needs a human approval (" + r.id + ", " + r.layer + ")");
    }
  }
  if (high_risk_.contains(request.action)) {
    if (require_approval_) {
      return Decision::needs_approval(
          "action.high_risk", what + " is high-risk and layer '" + approval_layers_.front() +
                                  "' requires an approval for high-risk actions");
    }
    return Decision::allow("action.allow",
                           what + " is high-risk, but no policy layer requires an approval here");
  }
  return Decision::allow("action.allow", what + " is not high-risk and no rule restricts it");
}

nlohmann::json ActionPolicy::describe() const {
  auto rules = [](const std::vector<Rule>& list) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : list) {
      out.push_back({{"id", r.id},
                     {"layer", r.layer},
                     {"actions", r.actions},
                     {"modules", r.modules ? nlohmann::json(*r.modules) : nlohmann::json()}});
    }
    return out;
  };
  return {{"declared", declared_},
          {"high_risk", std::vector<std::string>(high_risk_.begin(), high_risk_.end())},
          {"require_approval", require_approval_},
          {"deny", rules(deny_)},
          {"approve", rules(approve_)}};
}

}  // namespace agentsys::policy
