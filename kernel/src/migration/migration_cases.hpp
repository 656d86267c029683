#pragma once
// The tasks a migration command runs for a module and a target month, from the module's
// `migration` table: one task with input {target_month}, or one per key of a configuration
// section (`cases_from = "SECTION"`: one per entry of that section, e.g. one per file of a plugin
// folder), or one per line of a JSON Lines file (`cases_file = "PATH"`, `{target_month}` in it
// replaced: e.g. a month's request log, one input object a line).
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace agentsys::migration {

struct MigrationCase {
  std::string id;  ///< the section key ("ops_monthly"), the line's "id" (else "line N"), or "all"
  nlohmann::json input;  ///< the task input, target_month included
};

/// `config` is the effective configuration's JSON (with `modules` and the named sections); a
/// relative `cases_file` is relative to `base_dir` (the folder holding the configuration
/// directory). Throws std::runtime_error naming the module and the key (or the file and line)
/// when the table or the file is unusable.
std::vector<MigrationCase> migration_cases(const nlohmann::json& config, const std::string& module,
                                           const std::string& target_month,
                                           const std::filesystem::path& base_dir = {});

/// The modules of `domain` (`domain = "..."` in their module table), sorted.
std::vector<std::string> domain_modules(const nlohmann::json& config, const std::string& domain);

/// The modules a migration acts on by default: those with a `domain`, a `v1_plugin` and a
/// `v2_plugin` in their module table, in name order.
std::vector<std::string> migratable_modules(const nlohmann::json& config);

}  // namespace agentsys::migration
