#include "migration/compare_checks.hpp"

#include <algorithm>

#include "config/source_map.hpp"

namespace agentsys::migration {
using config::pointer_append;
using json = nlohmann::json;

std::map<std::string, CompareRules> compare_rules_of(const config::EffectiveConfig& config,
                                                     std::vector<config::Problem>& problems) {
  std::map<std::string, CompareRules> out;
  // value() returns a copy: keep it alive for the whole loop.
  const json modules = config.value("/modules");
  if (!modules.is_object()) return out;
  for (const auto& [name, module] : modules.items()) {
    if (!module.is_object() || !module.contains("compare")) continue;
    const std::string base = pointer_append(pointer_append("/modules", name), "compare");
    std::vector<RuleProblem> found;
    out[name] = parse_compare_rules(module["compare"], found);
    for (const RuleProblem& p : found) {
      // What the schema already reported there (an unknown method, a negative bound) is not
      // reported twice.
      const std::string at = base + p.path;
      if (std::any_of(problems.begin(), problems.end(), [&](const config::Problem& q) {
            return q.path == at && q.rule.rfind("schema.", 0) == 0;
          })) {
        continue;
      }
      problems.push_back(config.problem_at(at, p.rule, p.message));
    }
  }
  return out;
}

void check_compare_rules(const config::EffectiveConfig& config,
                         std::vector<config::Problem>& problems) {
  static_cast<void>(compare_rules_of(config, problems));
}

}  // namespace agentsys::migration
