#include "migration/migration_settings.hpp"

#include <cmath>

#include "config/problem.hpp"
#include "migration/compare_checks.hpp"

namespace agentsys::migration {
using json = nlohmann::json;

MigrationSettings migration_settings(const config::EffectiveConfig& config) {
  MigrationSettings s;
  const json table = config.value("/migration");
  const json migration = table.is_object() ? table : json::object();
  s.red_lines.consecutive_failures =
      migration.value("key_output_failures", s.red_lines.consecutive_failures);
  s.red_lines.watch_window =
      std::chrono::seconds(std::llround(migration.value("watch_window_h", 72.0) * 3600));

  std::vector<config::Problem> problems;
  s.compare_rules = compare_rules_of(config, problems);
  if (!problems.empty()) {
    std::string message = config::format_problem(problems.front());
    if (problems.size() > 1) {
      message += " (and " + std::to_string(problems.size() - 1) + " more: see agentsys preflight)";
    }
    throw config::ConfigError(config::ConfigError::Kind::invalid, message, std::move(problems));
  }
  for (const auto& [module, rules] : s.compare_rules) {
    s.red_lines.module_thresholds[module] = rules.consistency_threshold;
  }
  return s;
}

}  // namespace agentsys::migration
