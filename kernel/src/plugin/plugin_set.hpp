#pragma once
// The plugin files of a search path, loaded (descriptors read, nothing created yet), and what
// they add to the kernel through the seam: configuration folders and CLI commands.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "plugin/plugin_library.hpp"

namespace agentsys {

/// A plugin file the kernel would not load, and why.
struct PluginRefusal {
  std::filesystem::path file;
  std::string reason;
};

/// A configuration folder and the plugins that declare it.
struct DeclaredFolder {
  ConfigFolderSpec folder;
  std::vector<std::string> declared_by;  ///< Plugin names, in load order.
};

/// A CLI command and the plugin that serves it.
struct DeclaredCommand {
  CommandDecl command;
  std::string plugin;
};

struct PluginSet {
  std::vector<std::shared_ptr<const PluginLibrary>> libraries;
  std::vector<PluginRefusal> refusals;

  /// Loads every plugin file of `dirs` (find_plugin_files order) not loaded yet, keeping the
  /// refused ones' reasons.
  void load(const std::vector<std::filesystem::path>& dirs);

  /// The folders the loaded plugins declare, first declaration first; a folder declared again
  /// with a different schema is refused (a refusal naming both plugins) and keeps the first.
  [[nodiscard]] std::vector<DeclaredFolder> config_folders(
      std::vector<std::string>* conflicts = nullptr) const;

  /// The commands the loaded plugins serve; the first plugin to declare NOUN VERB serves it.
  [[nodiscard]] std::vector<DeclaredCommand> commands() const;
};

}  // namespace agentsys
