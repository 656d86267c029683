#pragma once
// Which folder of the configuration directory holds which kind of file, checked against which
// schema: the kernel's folders here; a plugin declares its own with their schemas (abi.h).
#include <array>
#include <filesystem>
#include <string>
#include <string_view>

namespace agentsys::config {

struct ConfigFolder {
  std::string_view folder;  ///< Below the configuration directory, e.g. "env".
  std::string_view schema;  ///< Checked against schema/<schema>.schema.json.
};

/// The kernel's own folders. Plugins add theirs through the seam (ABI 1.3 config folders).
inline constexpr std::array<ConfigFolder, 4> kConfigFolders = {{
    {"env", "env"},
    {"modules", "module"},
    {"routes", "route"},
    {"policy", "policy"},
}};

/// The folder entry for a file given relative to the configuration directory, by its first
/// path component; null when it is not one of the kernel's folders.
const ConfigFolder* folder_of(const std::filesystem::path& relative_file);

/// The first path component of a file given relative to the configuration directory.
std::string top_folder(const std::filesystem::path& relative_file);

/// Where the schemas are, and the file of schema `name`.
inline constexpr std::string_view kSchemaFolder = "schema";
std::filesystem::path schema_file(const std::filesystem::path& config_dir, std::string_view name);

}  // namespace agentsys::config
