#pragma once
// Where the kernel looks for plugins.
#include <filesystem>
#include <string_view>
#include <vector>

namespace agentsys {

/// `<directory of the running executable>/../lib/agentsys/plugins`, normalised. Holds in the
/// build tree (build/bin -> build/lib/agentsys/plugins) and after `cmake --install`.
std::filesystem::path default_plugin_dir();

/// The search path: `explicit_dirs` when given, else $AGENTSYS_PLUGIN_PATH (colon-separated)
/// when set, else the default directory.
std::vector<std::filesystem::path> plugin_search_path(
    const std::vector<std::filesystem::path>& explicit_dirs, const char* env_value);

/// Plugin files (`*.so`) directly inside each directory, sorted by name within a directory;
/// directories that do not exist are skipped.
std::vector<std::filesystem::path> find_plugin_files(
    const std::vector<std::filesystem::path>& dirs);

}  // namespace agentsys
