#include "plugin/plugin_set.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "plugin/plugin_paths.hpp"

namespace agentsys {
namespace fs = std::filesystem;

void PluginSet::load(const std::vector<fs::path>& dirs) {
  std::set<fs::path> seen;
  for (const auto& lib : libraries) seen.insert(lib->path());
  for (const fs::path& file : find_plugin_files(dirs)) {
    std::error_code ec;
    if (seen.contains(fs::absolute(file, ec).lexically_normal())) continue;
    LoadResult loaded = PluginLibrary::load(file);
    if (!loaded) {
      refusals.push_back({file, loaded.error});
      continue;
    }
    seen.insert(loaded.library->path());
    libraries.push_back(std::move(loaded.library));
  }
}

std::vector<DeclaredFolder> PluginSet::config_folders(std::vector<std::string>* conflicts) const {
  std::vector<DeclaredFolder> out;
  for (const auto& lib : libraries) {
    const PluginDescriptor& d = lib->descriptor();
    for (const ConfigFolderSpec& f : d.config_folders) {
      auto it = std::find_if(out.begin(), out.end(),
                             [&](const DeclaredFolder& o) { return o.folder.name == f.name; });
      if (it == out.end()) {
        out.push_back({f, {d.name}});
      } else if (it->folder.schema_json == f.schema_json) {
        it->declared_by.push_back(d.name);
      } else if (conflicts != nullptr) {
        conflicts->push_back(fmt::format(
            "plugins '{}' and '{}' both declare the configuration folder {}/ with different "
            "schemas: the first one's is used",
            it->declared_by.front(), d.name, f.name));
      }
    }
  }
  return out;
}

std::vector<DeclaredCommand> PluginSet::commands() const {
  std::vector<DeclaredCommand> out;
  for (const auto& lib : libraries) {
    for (const CommandDecl& c : lib->descriptor().commands) {
      bool taken = std::any_of(out.begin(), out.end(), [&](const DeclaredCommand& o) {
        return o.command.noun == c.noun && o.command.verb == c.verb;
      });
      if (!taken) out.push_back({c, lib->descriptor().name});
    }
  }
  return out;
}

}  // namespace agentsys
