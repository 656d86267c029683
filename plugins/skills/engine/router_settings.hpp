#pragma once
// How skill_router ranks and decides, from configuration (config/skills/router.toml, checked
// against the folder's schema; docs/skills.md "Configuration"): the skills folder, the ranking
// weights, the confidence threshold below which the answer is no skill, rules that force or
// forbid a skill, tenant restrictions, disabled skills, and the glossary (config/skills/
// glossary.toml).
#include <cstddef>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "glossary.hpp"
#include "skill_index.hpp"
#include "tokenizer.hpp"

namespace agentsys::skills {

struct RouteRule {
  enum class Action { force, forbid };
  std::string name;
  std::string pattern;  ///< as configured (ECMAScript regular expression, case-insensitive)
  std::regex compiled;
  Action action = Action::force;
  std::string skill;
  std::vector<std::string> tenants;  ///< empty: every tenant
};

struct TenantPolicy {
  std::set<std::string> allow;  ///< empty: every skill not denied
  std::set<std::string> deny;
};

struct RouterSettings {
  std::string skills_dir;  ///< "" when not configured
  TokenizerOptions tokenizer;
  IndexOptions index;
  double threshold = 0.14;         ///< confidence below it: no skill
  double score_scale = 10.0;       ///< the score at which the score part of confidence is 1 - 1/e
  double coverage_exponent = 0.5;  ///< how strongly coverage weighs in confidence (0: not)
  size_t top = 3;
  std::vector<RouteRule> rules;
  std::map<std::string, TenantPolicy> tenants;
  std::set<std::string> disabled;
  std::shared_ptr<Glossary> glossary = std::make_shared<Glossary>();
};

/// Reads a skill plugin's configuration: `skills_dir` (the module's config table) and the
/// `skills` section ({"router": {...}, "glossary": {...}}: the files of config/skills/); {}
/// gives the defaults. Throws std::invalid_argument naming the key and what it expects.
RouterSettings parse_router_settings(const nlohmann::json& plugin_config);

}  // namespace agentsys::skills
