#pragma once
// Where the configuration directory is, and how file names are shown to the operator.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace agentsys::config {

/// The configuration directory and why it was chosen.
struct ConfigDirChoice {
  std::filesystem::path dir;  ///< Absolute, normalised; empty when none was found.
  std::string reason;         ///< e.g. "--config-dir", "$AGENTSYS_CONFIG_DIR", "./config".
  std::vector<std::filesystem::path> tried;  ///< Candidates looked at, in order.
};

/// First match of: `explicit_dir` (--config-dir) > `env_value` ($AGENTSYS_CONFIG_DIR) >
/// `cwd`/config when it has env/ > `exe_dir`/../../config when it has env/ (the build tree:
/// build/bin/agentsys -> config/) > `exe_dir`/../etc/agentsys when it has env/ (installed).
/// An explicit or environment choice is taken as given, existing or not (the loader then
/// says what is missing); the others must hold an env/ folder.
ConfigDirChoice find_config_dir(const std::optional<std::filesystem::path>& explicit_dir,
                                const char* env_value, const std::filesystem::path& cwd,
                                const std::filesystem::path& exe_dir);

/// find_config_dir with the process's working directory and executable.
ConfigDirChoice find_config_dir(const std::optional<std::filesystem::path>& explicit_dir);

/// `file` relative to the working directory when it lies below it ("config/env/dev.toml"),
/// else absolute, so that every location printed can be opened from where the command ran.
std::string display_path(const std::filesystem::path& file);

}  // namespace agentsys::config
