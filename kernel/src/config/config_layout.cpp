#include "config/config_layout.hpp"

#include <string>

namespace agentsys::config {

std::string top_folder(const std::filesystem::path& relative_file) {
  return relative_file.empty() ? std::string() : relative_file.begin()->string();
}

const ConfigFolder* folder_of(const std::filesystem::path& relative_file) {
  if (relative_file.empty()) return nullptr;
  std::string first = top_folder(relative_file);
  for (const ConfigFolder& f : kConfigFolders) {
    if (f.folder == first) return &f;
  }
  return nullptr;
}

std::filesystem::path schema_file(const std::filesystem::path& config_dir, std::string_view name) {
  return config_dir / kSchemaFolder / (std::string(name) + ".schema.json");
}

}  // namespace agentsys::config
