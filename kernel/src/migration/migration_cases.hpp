#pragma once
// The tasks a migration command runs for a module and a target month, from the module's
// `migration` table: one task with input {target_month}, or one per key of a configuration
// section (`cases_from = "SECTION"`: one per entry of that section, e.g. one per file of a plugin
// folder).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace agentsys::migration {

struct MigrationCase {
  std::string id;        ///< the section key ("ops_monthly"), or "all" for the single task
  nlohmann::json input;  ///< the task input, target_month included
};

/// `config` is the effective configuration's JSON (with `modules` and the named sections).
/// Throws std::runtime_error naming the module and the key when the table is unusable.
std::vector<MigrationCase> migration_cases(const nlohmann::json& config, const std::string& module,
                                           const std::string& target_month);

/// The modules of `domain` (`domain = "..."` in their module table), sorted.
std::vector<std::string> domain_modules(const nlohmann::json& config, const std::string& domain);

/// The modules a migration acts on by default: those with a `domain`, a `v1_plugin` and a
/// `v2_plugin` in their module table, in name order.
std::vector<std::string> migratable_modules(const nlohmann::json& config);

}  // namespace agentsys::migration
