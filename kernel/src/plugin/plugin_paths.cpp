#include "plugin/plugin_paths.hpp"

#include <algorithm>
#include <sstream>
#include <string>

#include <boost/dll/runtime_symbol_info.hpp>

namespace agentsys {
namespace fs = std::filesystem;

fs::path default_plugin_dir() {
  boost::dll::fs::error_code ec;
  fs::path exe = boost::dll::program_location(ec);
  if (ec) return fs::path("lib/agentsys/plugins");
  return (exe.parent_path() / ".." / "lib" / "agentsys" / "plugins").lexically_normal();
}

std::vector<fs::path> plugin_search_path(const std::vector<fs::path>& explicit_dirs,
                                         const char* env_value) {
  if (!explicit_dirs.empty()) return explicit_dirs;
  if (env_value != nullptr && *env_value != '\0') {
    std::vector<fs::path> dirs;
    std::stringstream in(env_value);
    for (std::string item; std::getline(in, item, ':');) {
      if (!item.empty()) dirs.emplace_back(item);
    }
    if (!dirs.empty()) return dirs;
  }
  return {default_plugin_dir()};
}

std::vector<fs::path> find_plugin_files(const std::vector<fs::path>& dirs) {
  std::vector<fs::path> files;
  for (const fs::path& dir : dirs) {
    std::error_code ec;
    std::vector<fs::path> in_dir;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().extension() == ".so") in_dir.push_back(it->path());
    }
    std::sort(in_dir.begin(), in_dir.end());
    files.insert(files.end(), in_dir.begin(), in_dir.end());
  }
  return files;
}

}  // namespace agentsys
