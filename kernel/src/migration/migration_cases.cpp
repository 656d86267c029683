#include "migration/migration_cases.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace agentsys::migration {
using json = nlohmann::json;

std::vector<MigrationCase> migration_cases(const json& config, const std::string& module,
                                           const std::string& target_month) {
  const json settings = config.value("modules", json::object()).value(module, json::object());
  const json table = settings.value("migration", json::object());
  json base = table.value("input", json::object());
  base["target_month"] = target_month;
  if (!table.contains("cases_from")) return {{"all", base}};

  const std::string section = table["cases_from"].get<std::string>();
  const std::string field = table.value("case_field", section);
  const json keys = config.value(section, json());
  if (!keys.is_object() || keys.empty()) {
    throw std::runtime_error(fmt::format(
        "module '{}': migration.cases_from names section '{}', which the configuration does not "
        "have or is empty (check config/{}/)",
        module, section, section));
  }
  std::vector<MigrationCase> cases;
  for (const auto& [key, value] : keys.items()) {
    json input = base;
    input[field] = key;
    cases.push_back({key, std::move(input)});
  }
  return cases;
}

std::vector<std::string> domain_modules(const json& config, const std::string& domain) {
  std::vector<std::string> modules;
  for (const auto& [name, settings] : config.value("modules", json::object()).items()) {
    if (settings.is_object() && settings.value("domain", "") == domain) modules.push_back(name);
  }
  return modules;  // json objects iterate in key order
}

}  // namespace agentsys::migration
