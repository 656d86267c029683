#include "config/config_paths.hpp"

#include <cstdlib>

#include <boost/dll/runtime_symbol_info.hpp>

namespace agentsys::config {
namespace fs = std::filesystem;

namespace {

fs::path absolute_normal(const fs::path& p, const fs::path& cwd) {
  return (p.is_absolute() ? p : cwd / p).lexically_normal();
}

bool has_env_folder(const fs::path& dir) {
  std::error_code ec;
  return fs::is_directory(dir / "env", ec);
}

}  // namespace

ConfigDirChoice find_config_dir(const std::optional<fs::path>& explicit_dir, const char* env_value,
                                const fs::path& cwd, const fs::path& exe_dir) {
  ConfigDirChoice choice;
  if (explicit_dir && !explicit_dir->empty()) {
    choice.dir = absolute_normal(*explicit_dir, cwd);
    choice.reason = "--config-dir";
    choice.tried.push_back(choice.dir);
    return choice;
  }
  if (env_value != nullptr && *env_value != '\0') {
    choice.dir = absolute_normal(env_value, cwd);
    choice.reason = "$AGENTSYS_CONFIG_DIR";
    choice.tried.push_back(choice.dir);
    return choice;
  }
  const std::pair<fs::path, const char*> candidates[] = {
      {cwd / "config", "./config"},
      {exe_dir / ".." / ".." / "config", "<exe>/../../config"},
      {exe_dir / ".." / "etc" / "agentsys", "<exe>/../etc/agentsys"},
  };
  for (const auto& [dir, reason] : candidates) {
    fs::path normal = absolute_normal(dir, cwd);
    choice.tried.push_back(normal);
    if (has_env_folder(normal)) {
      choice.dir = normal;
      choice.reason = reason;
      return choice;
    }
  }
  return choice;
}

ConfigDirChoice find_config_dir(const std::optional<fs::path>& explicit_dir) {
  std::error_code ec;
  fs::path cwd = fs::current_path(ec);
  boost::dll::fs::error_code dll_ec;
  fs::path exe = boost::dll::program_location(dll_ec);
  fs::path exe_dir = dll_ec ? cwd : exe.parent_path();
  return find_config_dir(explicit_dir, std::getenv("AGENTSYS_CONFIG_DIR"), cwd, exe_dir);
}

std::string display_path(const fs::path& file) {
  std::error_code ec;
  fs::path cwd = fs::current_path(ec);
  fs::path abs = absolute_normal(file, cwd);
  if (ec) return abs.string();
  fs::path rel = abs.lexically_relative(cwd);
  if (rel.empty() || *rel.begin() == "..") return abs.string();
  return rel.string();
}

}  // namespace agentsys::config
