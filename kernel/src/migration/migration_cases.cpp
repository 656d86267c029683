#include "migration/migration_cases.hpp"

#include <fmt/format.h>

#include <fstream>
#include <stdexcept>

namespace agentsys::migration {
using json = nlohmann::json;

namespace {

/// `object[key]` when `object` is an object holding it, else null (no temporaries: GCC 12 warns
/// about iterating json::value()'s copies).
const json& member(const json& object, const std::string& key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

/// One case per non-blank line of a JSON Lines file: the line's members join `base`.
std::vector<MigrationCase> file_cases(const std::string& module, const std::filesystem::path& file,
                                      const json& base) {
  std::ifstream in(file);
  if (!in) {
    throw std::runtime_error(fmt::format(
        "module '{}': migration.cases_file '{}' cannot be read (one JSON object a line; is the "
        "month's file there?)",
        module, file.string()));
  }
  std::vector<MigrationCase> cases;
  std::string text;
  for (size_t line = 1; std::getline(in, text); ++line) {
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    json row = json::parse(text, nullptr, false);
    if (row.is_discarded() || !row.is_object()) {
      throw std::runtime_error(
          fmt::format("{}:{}: not a JSON object (module '{}', migration.cases_file)", file.string(),
                      line, module));
    }
    json input = base;
    for (auto& [key, value] : row.items()) input[key] = value;
    const json& id = member(row, "id");
    cases.push_back(
        {id.is_string() ? id.get<std::string>() : fmt::format("line {}", line), std::move(input)});
  }
  if (cases.empty()) {
    throw std::runtime_error(
        fmt::format("module '{}': migration.cases_file '{}' has no case", module, file.string()));
  }
  return cases;
}

}  // namespace

std::vector<MigrationCase> migration_cases(const json& config, const std::string& module,
                                           const std::string& target_month,
                                           const std::filesystem::path& base_dir) {
  const json& table = member(member(member(config, "modules"), module), "migration");
  json base = member(table, "input").is_object() ? member(table, "input") : json::object();
  base["target_month"] = target_month;
  if (const json& file = member(table, "cases_file"); file.is_string()) {
    std::string path = file.get<std::string>();
    for (size_t at = path.find("{target_month}"); at != std::string::npos;
         at = path.find("{target_month}")) {
      path.replace(at, 14, target_month);
    }
    std::filesystem::path resolved(path);
    if (resolved.is_relative()) resolved = base_dir / resolved;
    return file_cases(module, resolved, base);
  }
  const json& from = member(table, "cases_from");
  if (!from.is_string()) return {{"all", base}};

  const std::string section = from.get<std::string>();
  const json& field_value = member(table, "case_field");
  const std::string field = field_value.is_string() ? field_value.get<std::string>() : section;
  const json& keys = member(config, section);
  if (!keys.is_object() || keys.empty()) {
    throw std::runtime_error(fmt::format(
        "module '{}': migration.cases_from names section '{}', which the configuration does not "
        "have or is empty (check config/{}/)",
        module, section, section));
  }
  std::vector<MigrationCase> cases;
  for (auto it = keys.begin(); it != keys.end(); ++it) {
    json input = base;
    input[field] = it.key();
    cases.push_back({it.key(), std::move(input)});
  }
  return cases;
}

std::vector<std::string> domain_modules(const json& config, const std::string& domain) {
  std::vector<std::string> modules;
  const json& all = member(config, "modules");
  if (!all.is_object()) return modules;
  for (auto it = all.begin(); it != all.end(); ++it) {
    const json& d = member(*it, "domain");
    if (d.is_string() && d.get<std::string>() == domain) modules.push_back(it.key());
  }
  return modules;  // json objects iterate in key order
}

std::vector<std::string> migratable_modules(const json& config) {
  std::vector<std::string> modules;
  const json& all = member(config, "modules");
  if (!all.is_object()) return modules;
  for (auto it = all.begin(); it != all.end(); ++it) {
    if (member(*it, "domain").is_string() && member(*it, "v1_plugin").is_string() &&
        member(*it, "v2_plugin").is_string()) {
      modules.push_back(it.key());
    }
  }
  return modules;
}

}  // namespace agentsys::migration
