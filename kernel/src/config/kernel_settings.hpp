#pragma once
// Turns the effective configuration into the kernel's options: durability, runner limits and
// retries, per-module defaults, modes and plugin configuration, the output directory, the
// databases plugins may query, and the policy every side effect is decided by.
#include "config/config_loader.hpp"
#include "kernel.hpp"

namespace agentsys::config {

/// Applies `config` to `options` (whose state_dir and plugin_dirs the caller has set: the
/// configuration's plugin directories are appended). Relative paths are taken from the current
/// directory, as the policy's placeholders are. What the layers above read for themselves
/// (migration's red lines and comparison rules: migration/migration_settings.hpp) is left.
void apply_config(const EffectiveConfig& config, KernelOptions& options);

/// A path value of the configuration made absolute from the current directory (the empty path
/// when `value` is not a string).
std::filesystem::path absolute_path(const nlohmann::json& value);

}  // namespace agentsys::config
