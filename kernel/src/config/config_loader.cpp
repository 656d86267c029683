#include "config/config_loader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <regex>

#include "config/config_defaults.hpp"
#include "config/config_layout.hpp"
#include "config/config_overrides.hpp"
#include "config/config_paths.hpp"
#include "config/layer_merge.hpp"
#include "config/schema_validator.hpp"
#include "config/toml_to_json.hpp"

namespace agentsys::config {
namespace fs = std::filesystem;
using json = nlohmann::json;

/// The schema a file's folder holds it to: a kernel folder's, or a plugin folder's (named
/// after the folder); "" when there is none to check.
std::string schema_of(const fs::path& relative, const SchemaSet& schemas,
                      const std::vector<DomainFolder>& folders) {
  if (const ConfigFolder* folder = folder_of(relative)) {
    return schemas.contains(folder->schema) ? std::string(folder->schema) : std::string();
  }
  std::string top = top_folder(relative);
  bool declared = std::any_of(folders.begin(), folders.end(),
                              [&](const DomainFolder& f) { return f.name == top; });
  return declared && schemas.contains(top) ? top : std::string();
}

namespace {

/// The plugins' folders by name, each once.
std::vector<DomainFolder> sorted_folders(std::vector<DomainFolder> folders) {
  std::sort(folders.begin(), folders.end(),
            [](const DomainFolder& a, const DomainFolder& b) { return a.name < b.name; });
  folders.erase(
      std::unique(folders.begin(), folders.end(),
                  [](const DomainFolder& a, const DomainFolder& b) { return a.name == b.name; }),
      folders.end());
  return folders;
}

}  // namespace

void add_folder_schemas(const std::vector<DomainFolder>& folders, SchemaSet& schemas,
                        std::vector<Problem>& problems) {
  for (const DomainFolder& f : folders) {
    if (f.schema_json.empty()) continue;
    std::string plugin = f.declared_by.empty() ? std::string("?") : f.declared_by.front();
    json schema = json::parse(f.schema_json, nullptr, false);
    std::string why = schema.is_discarded() ? std::string("it is not valid JSON")
                                            : schemas.add(f.name, std::move(schema));
    if (!why.empty()) {
      problems.push_back({"", 0, 0, "/" + f.name, "schema.plugin",
                          fmt::format("the schema plugin '{}' gives for {}/ is unusable: {}",
                                      plugin, f.name, why)});
    }
  }
}

namespace {

std::vector<fs::path> toml_files(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".toml" && it->is_regular_file(ec)) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string location(const ConfigFile& f, const std::string& pointer) {
  SourcePos pos = f.positions.locate(pointer);
  if (pos.line == 0) return f.display;
  return fmt::format("{}:{}:{}", f.display, pos.line, pos.column);
}

/// Reads one file of `layer`, checks it against its folder's schema, and returns its document
/// (null when it did not parse).
json read_layer_file(const fs::path& config_dir, const fs::path& path, const std::string& layer,
                     const SchemaSet& schemas, const std::vector<DomainFolder>& folders,
                     std::vector<ConfigFile>& files, std::vector<Problem>& problems) {
  ConfigFile f{path, display_path(path), layer, false, {}};
  ParsedToml parsed = parse_toml_file(path, f.display);
  if (!parsed.ok) {
    problems.push_back(parsed.error);
    files.push_back(std::move(f));
    return nullptr;
  }
  f.parsed = true;
  f.positions = std::move(parsed.positions);
  std::string schema = schema_of(path.lexically_relative(config_dir), schemas, folders);
  if (!schema.empty()) {
    auto found = to_problems(schemas.validate(schema, parsed.document), f.display, &f.positions);
    problems.insert(problems.end(), found.begin(), found.end());
  }
  files.push_back(std::move(f));
  return std::move(parsed.document);
}

/// The schema of the whole merged tree: the env schema's keys plus "modules" and "routes"
/// from theirs, by reference so that each keeps resolving its own definitions.
json effective_schema(const SchemaSet& schemas, const std::vector<DomainFolder>& folders) {
  json properties = json::object();
  if (const json* env = schemas.document("env"); env != nullptr && env->contains("properties")) {
    for (const auto& [key, sub] : (*env)["properties"].items()) {
      properties[key] = {{"$ref", pointer_append("env.schema.json#/properties", key)}};
    }
  }
  if (schemas.contains("module")) {
    properties["modules"] = {{"$ref", "module.schema.json#/properties/modules"}};
  }
  if (schemas.contains("route")) {
    properties["routes"] = {{"$ref", "route.schema.json#/properties/routes"}};
  }
  for (const DomainFolder& folder : folders) {
    json files = {{"type", "object"}};
    if (schemas.contains(folder.name)) {
      files["additionalProperties"] = {{"$ref", folder.name + ".schema.json"}};
    }
    properties[folder.name] = files;
  }
  return {{"$schema", "http://json-schema.org/draft-07/schema#"},
          {"type", "object"},
          {"properties", properties},
          {"additionalProperties", false}};
}

}  // namespace

json EffectiveConfig::value(std::string_view pointer) const {
  try {
    return values_.at(json::json_pointer(std::string(pointer)));
  } catch (const json::exception&) {
    return nullptr;
  }
}

std::string EffectiveConfig::source_of(std::string_view pointer) const {
  if (auto it = sources_.find(pointer); it != sources_.end()) return it->second;
  std::string below = std::string(pointer) + "/";
  if (auto it = sources_.lower_bound(below);
      it != sources_.end() && it->first.compare(0, below.size(), below) == 0) {
    return it->second;
  }
  return {};
}

Problem EffectiveConfig::problem_at(std::string_view pointer, std::string rule,
                                    std::string message) const {
  Problem p;
  p.path = std::string(pointer);
  p.rule = std::move(rule);
  p.message = std::move(message);
  // A source is "FILE:LINE:COL", "FILE", "default", "--set" or "--state-dir".
  std::string source = source_of(pointer);
  static const std::regex kLocated(R"(^(.*):(\d+):(\d+)$)");
  std::smatch m;
  if (std::regex_match(source, m, kLocated)) {
    p.file = m[1];
    p.line = std::stoi(m[2]);
    p.column = std::stoi(m[3]);
  } else {
    p.file = source;
  }
  return p;
}

json EffectiveConfig::policy_vars() const {
  std::error_code ec;
  fs::path cwd = fs::current_path(ec);
  auto absolute = [&](const char* pointer) {
    json v = value(pointer);
    fs::path p = v.is_string() ? fs::path(v.get<std::string>()) : fs::path();
    return (p.is_absolute() ? p : cwd / p).lexically_normal().string();
  };
  json vars = {{"state_dir", absolute("/kernel/state_dir")},
               {"output_dir", absolute("/output/dir")},
               {"config_dir", config_dir_.string()},
               {"repo_root", config_dir_.parent_path().string()}};
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    vars["home"] = home;
  }
  return vars;
}

json EffectiveConfig::policy_config() const {
  return {{"env", env_}, {"vars", policy_vars()}, {"layers", policy_layers_}};
}

const ConfigFile* EffectiveConfig::file(std::string_view display) const {
  for (const ConfigFile& f : files_) {
    if (f.display == display) return &f;
  }
  return nullptr;
}

std::vector<std::string> available_envs(const fs::path& config_dir) {
  std::vector<std::string> envs;
  for (const fs::path& f : toml_files(config_dir / "env")) envs.push_back(f.stem().string());
  return envs;
}

EffectiveConfig load_config(const ConfigRequest& request) {
  std::vector<Problem> problems;
  EffectiveConfig config = load_config(request, problems);
  if (!problems.empty()) {
    sort_problems(problems);
    // The message first: the order in which arguments are evaluated is unspecified, and the
    // vector may be moved from before problems.size() is read.
    std::string message = fmt::format(
        "the configuration of environment '{}' has {} problem{} (run "
        "agentsys preflight --env {} for the full report)",
        request.env, problems.size(), problems.size() == 1 ? "" : "s", request.env);
    throw ConfigError(ConfigError::Kind::invalid, message, std::move(problems));
  }
  return config;
}

EffectiveConfig load_config(const ConfigRequest& request, std::vector<Problem>& problems) {
  const fs::path& dir = request.config_dir;
  std::error_code ec;
  if (dir.empty() || !fs::is_directory(dir / "env", ec)) {
    throw ConfigError(ConfigError::Kind::usage,
                      fmt::format("no configuration directory: '{}' has no env/ folder (pass "
                                  "--config-dir DIR or set AGENTSYS_CONFIG_DIR)",
                                  dir.string()));
  }
  // The name becomes a file name: no separators, no "..".
  static const std::regex kEnvName("^[A-Za-z0-9_][A-Za-z0-9_.-]*$");
  fs::path env_file = dir / "env" / (request.env + ".toml");
  if (!std::regex_match(request.env, kEnvName) || !fs::is_regular_file(env_file, ec)) {
    std::vector<std::string> envs = available_envs(dir);
    throw ConfigError(ConfigError::Kind::usage,
                      fmt::format("unknown environment '{}': there is no {}; available: {}",
                                  request.env, display_path(env_file),
                                  envs.empty() ? "none" : fmt::to_string(fmt::join(envs, ", "))));
  }
  std::vector<Override> overrides;
  for (const std::string& text : request.overrides) {
    try {
      overrides.push_back(parse_override(text));
    } catch (const std::invalid_argument& e) {
      throw ConfigError(ConfigError::Kind::usage, e.what());
    }
  }

  EffectiveConfig config;
  config.env_ = request.env;
  config.config_dir_ = dir;
  size_t problems_before = problems.size();
  SchemaSet schemas = SchemaSet::load(dir / kSchemaFolder, problems);
  for (size_t i = problems_before; i < problems.size(); ++i) {
    problems[i].file = display_path(problems[i].file);
  }

  config.folders_ = sorted_folders(request.domain_folders);
  add_folder_schemas(config.folders_, schemas, problems);

  config.values_ = default_config();
  for (const DomainFolder& f : config.folders_) config.values_[f.name] = json::object();
  record_leaves(
      config.values_, "", [](const std::string&) { return std::string("default"); },
      config.sources_);
  auto merge_file = [&](const json& doc) {
    const ConfigFile& f = config.files_.back();
    merge_layer(
        config.values_, doc, [&f](const std::string& p) { return location(f, p); },
        config.sources_);
  };

  // env/ENV.toml
  json env_doc =
      read_layer_file(dir, env_file, "env", schemas, config.folders_, config.files_, problems);
  if (env_doc.is_object()) merge_file(env_doc);

  // modules/*.toml: the [policy] table of a module file is a policy layer, not a value.
  for (const fs::path& path : toml_files(dir / "modules")) {
    json doc =
        read_layer_file(dir, path, "modules", schemas, config.folders_, config.files_, problems);
    if (!doc.is_object()) continue;
    if (doc.contains("policy")) {
      config.policy_layers_.push_back({{"name", "module:" + path.stem().string()},
                                       {"source", config.files_.back().display},
                                       {"document", doc["policy"]}});
      doc.erase("policy");
    }
    merge_file(doc);
  }

  // routes/*.toml: one layer, every file's [[routes]] in file order.
  json routes = json::array();
  std::vector<std::pair<size_t, size_t>> origin;  // combined index -> (file, index in file)
  for (const fs::path& path : toml_files(dir / "routes")) {
    json doc =
        read_layer_file(dir, path, "routes", schemas, config.folders_, config.files_, problems);
    if (!doc.is_object() || !doc.contains("routes") || !doc["routes"].is_array()) continue;
    for (size_t i = 0; i < doc["routes"].size(); ++i) {
      routes.push_back(doc["routes"][i]);
      origin.emplace_back(config.files_.size() - 1, i);
    }
  }
  if (!routes.empty()) {
    auto route_source = [&](const std::string& p) {
      // "/routes/N/rest" -> "/routes/M/rest" of the file route N came from.
      constexpr size_t kStart = std::string_view("/routes/").size();
      size_t end = p.find('/', kStart);
      size_t n = std::stoul(p.substr(kStart, end - kStart));
      std::string rest = end == std::string::npos ? "" : p.substr(end);
      const ConfigFile& f = config.files_[origin[n].first];
      return location(f, pointer_append("/routes", std::to_string(origin[n].second)) + rest);
    };
    merge_layer(config.values_, json{{"routes", routes}}, route_source, config.sources_);
  }

  // The plugins' folders: each file is one entry, /FOLDER/FILE_STEM.
  for (const DomainFolder& domain : config.folders_) {
    const std::string& folder = domain.name;
    for (const fs::path& path : toml_files(dir / folder)) {
      json doc =
          read_layer_file(dir, path, folder, schemas, config.folders_, config.files_, problems);
      if (!doc.is_object()) continue;
      const ConfigFile& f = config.files_.back();
      std::string stem = path.stem().string();
      std::string prefix = pointer_append(std::string("/") + folder, stem);
      auto source = [&f, &prefix](const std::string& p) {
        return location(f, p.size() > prefix.size() ? p.substr(prefix.size()) : "");
      };
      merge_layer(config.values_, json{{folder, {{stem, doc}}}}, source, config.sources_);
    }
  }

  // Command line: --state-dir, then each --set in order.
  if (request.state_dir) {
    merge_layer(
        config.values_, json{{"kernel", {{"state_dir", request.state_dir->string()}}}},
        [](const std::string&) { return std::string("--state-dir"); }, config.sources_);
  }
  if (!overrides.empty()) {
    merge_layer(
        config.values_, overrides_document(overrides),
        [](const std::string&) { return std::string("--set"); }, config.sources_);
  }

  // policy/base.toml, policy/ENV.toml, then the module files' [policy] tables (narrowest).
  json module_layers = std::move(config.policy_layers_);
  config.policy_layers_ = json::array();
  for (const std::string& name : {std::string("base"), request.env}) {
    fs::path path = dir / "policy" / (name + ".toml");
    if (!fs::is_regular_file(path, ec)) continue;
    json doc =
        read_layer_file(dir, path, "policy", schemas, config.folders_, config.files_, problems);
    if (!doc.is_object()) continue;
    config.policy_layers_.push_back(
        {{"name", name}, {"source", config.files_.back().display}, {"document", doc}});
  }
  for (json& layer : module_layers) config.policy_layers_.push_back(std::move(layer));

  // The files held their schemas, so only the command line can have broken the merged tree.
  if (problems.size() == problems_before && (!overrides.empty() || request.state_dir) &&
      schemas.contains("env")) {
    SchemaSet merged = std::move(schemas);
    if (merged.add("effective", effective_schema(merged, config.folders_)).empty()) {
      for (const SchemaViolation& v : merged.validate("effective", config.values_)) {
        problems.push_back(config.problem_at(v.pointer, "schema." + v.keyword, v.message));
      }
    }
  }
  return config;
}

}  // namespace agentsys::config
