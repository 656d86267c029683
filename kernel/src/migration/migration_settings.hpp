#pragma once
// What the migration layer reads from the effective configuration: the red lines ([migration]
// in the environment file) and every module's comparison rules ([modules.NAME.compare]).
#include <map>
#include <string>

#include "config/config_loader.hpp"
#include "migration/compare_rules.hpp"
#include "migration/red_lines.hpp"

namespace agentsys::migration {

struct MigrationSettings {
  RedLineSettings red_lines;
  /// Per module: how its V1 and V2 results are compared in shadow runs. A module without an
  /// entry compares with the defaults (every field exact, a difference blocks).
  std::map<std::string, CompareRules> compare_rules;
};

/// Reads the settings. Throws config::ConfigError (invalid) when a module's comparison rules
/// are wrong (the first problem in the message, all in problems()).
MigrationSettings migration_settings(const config::EffectiveConfig& config);

}  // namespace agentsys::migration
