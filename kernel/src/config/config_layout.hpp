#pragma once
// Which folder of the configuration directory holds which kind of file, checked against which
// schema. Adding a kind of configuration file is one entry here plus its schema file.
#include <array>
#include <filesystem>
#include <string_view>

namespace agentsys::config {

struct ConfigFolder {
  std::string_view folder;  ///< Below the configuration directory, e.g. "env".
  std::string_view schema;  ///< Checked against schema/<schema>.schema.json.
};

inline constexpr std::array<ConfigFolder, 6> kConfigFolders = {{
    {"env", "env"},
    {"modules", "module"},
    {"routes", "route"},
    {"policy", "policy"},
    {"reports", "report"},
    {"runbook", "runbook"},
}};

/// The folder entry for a file given relative to the configuration directory, by its first
/// path component; null when the folder has no schema.
const ConfigFolder* folder_of(const std::filesystem::path& relative_file);

/// Where the schemas are, and the file of schema `name`.
inline constexpr std::string_view kSchemaFolder = "schema";
std::filesystem::path schema_file(const std::filesystem::path& config_dir, std::string_view name);

}  // namespace agentsys::config
