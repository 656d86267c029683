#pragma once
// The effective configuration: the layers merged, each value knowing where it came from, and
// the policy layers collected (not merged) for the policy plugin.
//
// Layers, later winning (scalars replace, tables merge key by key, arrays replace):
//   built-in defaults < env/ENV.toml < modules/*.toml (by file name) < routes/*.toml (their
//   [[routes]] concatenated by file name) < the plugins' folders, by folder name (FOLDER/*.toml,
//   each under /FOLDER/FILE_STEM) < command line (--state-dir, then each --set).
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/problem.hpp"
#include "config/source_map.hpp"

namespace agentsys::config {

class SchemaSet;

/// A configuration folder a plugin declares (ABI 1.3): config/NAME/*.toml, each file checked
/// against the plugin's schema and merged under /NAME/FILE_STEM.
struct DomainFolder {
  std::string name;
  std::string schema_json;  ///< Empty: the files only have to parse.
  std::vector<std::string> declared_by;
};

struct ConfigRequest {
  std::string env = "dev";
  std::filesystem::path config_dir;    ///< Already chosen (see find_config_dir).
  std::vector<std::string> overrides;  ///< `--set KEY=VALUE` arguments, in order.
  /// `--state-dir` when given on the command line: kernel.state_dir, source "--state-dir".
  std::optional<std::filesystem::path> state_dir;
  /// The folders the loaded plugins declare.
  std::vector<DomainFolder> domain_folders = {};
};

class ConfigError : public std::runtime_error {
 public:
  enum class Kind {
    usage,    ///< Unknown environment, bad --set, no configuration directory: exit 2.
    invalid,  ///< The files break their schemas or do not parse: problems() says how.
  };
  ConfigError(Kind kind, const std::string& message, std::vector<Problem> problems = {})
      : std::runtime_error(message), kind_(kind), problems_(std::move(problems)) {}
  [[nodiscard]] Kind kind() const { return kind_; }
  [[nodiscard]] const std::vector<Problem>& problems() const { return problems_; }

 private:
  Kind kind_;
  std::vector<Problem> problems_;
};

/// A file read for the configuration.
struct ConfigFile {
  std::filesystem::path path;  ///< Absolute.
  std::string display;         ///< As printed (display_path).
  std::string layer;           ///< "env", "modules", "routes", "policy" or a plugin's folder.
  bool parsed = false;         ///< False when it did not parse (and contributed nothing).
  SourceMap positions;         ///< Where each value of the file is (for locating problems).
};

class EffectiveConfig {
 public:
  [[nodiscard]] const std::string& env() const { return env_; }
  [[nodiscard]] const std::filesystem::path& config_dir() const { return config_dir_; }

  /// The merged tree: {"kernel": {...}, "runner": {...}, "retry": {...}, "output": {...},
  /// "plugins": {...}, "modules": {NAME: {...}}, "routes": [...], and per plugin folder
  /// FOLDER: {FILE_STEM: {...}}}.
  [[nodiscard]] const nlohmann::json& values() const { return values_; }

  /// The value at a JSON pointer ("/runner/max_concurrency"), or null when there is none.
  [[nodiscard]] nlohmann::json value(std::string_view pointer) const;

  /// Where the value at `pointer` came from: "default", "config/env/prod.toml:12:3", "--set"
  /// or "--state-dir". For a table, the source of its first value; "" when nothing is there.
  [[nodiscard]] std::string source_of(std::string_view pointer) const;

  /// Source of every leaf (scalar, array of scalars, empty table) by JSON pointer.
  [[nodiscard]] const std::map<std::string, std::string, std::less<>>& sources() const {
    return sources_;
  }

  /// A problem about the value at `pointer`, located at its source.
  [[nodiscard]] Problem problem_at(std::string_view pointer, std::string rule,
                                   std::string message) const;

  /// The policy layers in order, for the policy plugin to merge (deny-overrides):
  /// [{"name": "base"|ENV|"module:FILE_STEM", "source": FILE, "document": {...}}].
  [[nodiscard]] const nlohmann::json& policy_layers() const { return policy_layers_; }

  /// {"state_dir", "output_dir", "config_dir", "repo_root", "home"} as absolute paths;
  /// repo_root is the directory holding the configuration directory, home is $HOME (left out
  /// when unset). Policy files refer to them as ${NAME}.
  [[nodiscard]] nlohmann::json policy_vars() const;

  /// The policy plugin's on_create config, and the input of its `validate` action:
  /// {"env", "vars": policy_vars(), "layers": policy_layers()}.
  [[nodiscard]] nlohmann::json policy_config() const;

  /// Every file read, in layer order.
  [[nodiscard]] const std::vector<ConfigFile>& files() const { return files_; }

  /// The file with this display name, or null.
  [[nodiscard]] const ConfigFile* file(std::string_view display) const;

  /// The plugins' folders that were read (sorted by name), and the problems of their schemas.
  [[nodiscard]] const std::vector<DomainFolder>& domain_folders() const { return folders_; }

 private:
  friend EffectiveConfig load_config(const ConfigRequest&, std::vector<Problem>&);

  std::string env_;
  std::filesystem::path config_dir_;
  nlohmann::json values_ = nlohmann::json::object();
  std::map<std::string, std::string, std::less<>> sources_;
  nlohmann::json policy_layers_ = nlohmann::json::array();
  std::vector<ConfigFile> files_;
  std::vector<DomainFolder> folders_;
};

/// Loads the configuration of `request.env`. Throws ConfigError: `usage` for an unknown
/// environment (naming the available ones), a bad --set or a missing directory; `invalid`
/// with every problem found when a file does not parse or breaks its schema.
EffectiveConfig load_config(const ConfigRequest& request);

/// The same, but problems in the files are appended to `problems` instead of thrown: a file
/// that does not parse is left out, one that breaks its schema is still merged. For preflight,
/// which reports everything at once. Still throws ConfigError(usage).
EffectiveConfig load_config(const ConfigRequest& request, std::vector<Problem>& problems);

/// The schema a file (relative to the configuration directory) is held to: its kernel
/// folder's, or a declared plugin folder's (named after the folder); "" when none.
std::string schema_of(const std::filesystem::path& relative, const SchemaSet& schemas,
                      const std::vector<DomainFolder>& folders);

/// Adds each folder's schema to `schemas` under the folder's name; a schema that is not JSON
/// or does not compile is a problem (rule schema.plugin) naming the plugin.
void add_folder_schemas(const std::vector<DomainFolder>& folders, SchemaSet& schemas,
                        std::vector<Problem>& problems);

/// The environments of a configuration directory: the stems of env/*.toml, sorted.
std::vector<std::string> available_envs(const std::filesystem::path& config_dir);

}  // namespace agentsys::config
