#pragma once
// One plugin shared library, loaded from a private copy and validated against the ABI.
#include <agentsys/abi.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <boost/dll/shared_library.hpp>

namespace agentsys {

/// A configuration folder a plugin reads (ABI 1.3 `as_config_folder`).
struct ConfigFolderSpec {
  std::string name;
  std::string schema_json;  ///< Empty when the plugin gives no schema.
};

/// A CLI command a plugin serves (ABI 1.3 `as_command_spec`).
struct CommandDecl {
  std::string noun;
  std::string verb;
  std::string usage;
  std::string summary;
};

/// The kernel's own copy of a plugin's descriptor (strings copied, vtable size-checked).
struct PluginDescriptor {
  std::string name;
  std::string version;
  std::string description;
  std::string build_id;
  as_plugin_kind kind = AS_PLUGIN_KIND_DOMAIN;
  as_impl impl = AS_IMPL_NONE;
  std::vector<std::string> modules;
  bool thread_safe = false;
  uint32_t abi_major = 0;
  uint32_t abi_minor = 0;
  as_plugin_vtable vtable{};                     ///< Fields the plugin did not provide are NULL.
  std::vector<ConfigFolderSpec> config_folders;  ///< ABI 1.3; empty before.
  std::vector<CommandDecl> commands;             ///< ABI 1.3; empty before.
};

class PluginLibrary;

/// Outcome of loading one file: a library, or the one-line reason it was refused.
struct LoadResult {
  std::shared_ptr<const PluginLibrary> library;
  std::string error;
  explicit operator bool() const { return library != nullptr; }
};

/// A loaded, validated plugin library. Unloaded (and its private copy deleted) when the last
/// reference goes away, which is after the last instance created from it is destroyed.
class PluginLibrary {
 public:
  /// Loads `file` from a private copy, calls its entry and validates the descriptor.
  /// Never throws: every failure is a `LoadResult::error` naming the reason.
  static LoadResult load(const std::filesystem::path& file);

  ~PluginLibrary();
  PluginLibrary(const PluginLibrary&) = delete;
  PluginLibrary& operator=(const PluginLibrary&) = delete;

  [[nodiscard]] const PluginDescriptor& descriptor() const { return descriptor_; }
  /// The file the plugin was loaded from (not the private copy).
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  PluginLibrary() = default;

  std::filesystem::path path_;
  std::filesystem::path private_copy_;
  boost::dll::shared_library library_;
  PluginDescriptor descriptor_;
};

std::string_view to_string(as_plugin_kind kind);
std::string_view to_string(as_impl impl);

/// True for ids of plugins and modules: [a-z][a-z0-9_]*, at most 64 characters.
bool is_valid_identifier(std::string_view id);

}  // namespace agentsys
