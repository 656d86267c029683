#pragma once
// Preflight checks of the modules' comparison rules (`[modules.NAME.compare]`, see
// migration/compare_rules.hpp) beyond their schema: what only makes sense across keys (a
// tolerance without a bound, normalise steps on another method, a grade that contradicts the
// method, duplicate or unreachable rules, a rule on a key field).
#include <map>
#include <string>
#include <vector>

#include "config/config_loader.hpp"
#include "config/problem.hpp"
#include "migration/compare_rules.hpp"

namespace agentsys::migration {

/// Rules compare.* (compare.tolerance, compare.normalise, compare.option, compare.grade,
/// compare.name, compare.unreachable, compare.key_field, compare.field, ...), each located at
/// its file, line and field.
void check_compare_rules(const config::EffectiveConfig& config,
                         std::vector<config::Problem>& problems);

/// Every module's rules (modules without a compare table are left out: they get the defaults).
/// Appends the problems, as check_compare_rules does.
std::map<std::string, CompareRules> compare_rules_of(const config::EffectiveConfig& config,
                                                     std::vector<config::Problem>& problems);

}  // namespace agentsys::migration
