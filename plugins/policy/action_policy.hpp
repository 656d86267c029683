#pragma once
// Action decisions (release and other high-risk actions), in this order:
//   1. a deny rule of any layer naming the action (and the module, when the rule lists modules)
//      -> deny with its id;
//   2. an approve rule of any layer -> needs_approval with its id;
//   3. a high-risk action (publish, rollback, bulk_write, plus every layer's high_risk list)
//      while any layer says require_approval = true -> needs_approval "action.high_risk";
//   4. otherwise allow ("action.allow"); with no layer declaring [action] -> "default.deny".
// Layers only add: deny and approve rules and high-risk names accumulate, and once a layer
// requires approval a later layer cannot switch it off.
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "decision.hpp"
#include "policy_document.hpp"

namespace agentsys::policy {

class ActionPolicy {
 public:
  void build(const std::vector<LayerDoc>& layers);

  [[nodiscard]] Decision decide(const ActionRequest& request) const;
  [[nodiscard]] nlohmann::json describe() const;

 private:
  struct Rule {
    std::string id;
    std::string layer;
    std::vector<std::string> actions;
    std::optional<std::vector<std::string>> modules;
    [[nodiscard]] bool matches(const ActionRequest& r) const;
  };
  bool declared_ = false;
  bool require_approval_ = false;
  std::vector<std::string> approval_layers_;  // the layers that turned approval on
  std::set<std::string, std::less<>> high_risk_;
  std::vector<Rule> deny_;
  std::vector<Rule> approve_;
};

}  // namespace agentsys::policy
