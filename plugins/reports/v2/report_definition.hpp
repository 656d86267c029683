#pragma once
// A report definition (config/reports/NAME.toml, docs/reports.md) as the V2 plugins receive it:
// the TOML converted to JSON, under the plugin configuration's "reports" table.
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace agentsys::reports {

struct Query {
  std::string name;
  std::string sql;
  std::vector<std::string> params;  ///< month parameter names, bound to $1..$N in order
};

struct Metric {
  std::string name;
  std::string op;  ///< count, count_if, sum, avg, count_distinct, percentile, ratio, change_pct
  std::string field;
  nlohmann::json where = nlohmann::json::object();  ///< FIELD -> VALUE, all must match
  std::vector<std::string> of;                      ///< ratio, change_pct: [A, B]
  int p = 0;                                        ///< percentile: 1..100
};

struct Definition {
  std::string name;
  std::string title;
  std::string description;
  std::string schedule;
  std::vector<Query> queries;
  std::vector<std::string> group_by;
  std::vector<Metric> metrics;
  std::vector<std::string> key_fields;
  std::vector<std::string> value_fields;
  std::vector<std::string> outputs;  ///< csv, md, json
  std::string rule_version;          ///< docs/reports.md, "Rule version"
  nlohmann::json source;             ///< the definition as configured
};

/// Reads and checks one definition; throws std::invalid_argument naming the report and the
/// problem. `name` is the key it is configured under (the file stem).
Definition parse_definition(const std::string& name, const nlohmann::json& json);

/// Every definition of a "reports" table (NAME -> definition), by name.
std::map<std::string, Definition> parse_definitions(const nlohmann::json& reports);

/// First 16 hex characters of SHA-256 of the canonical JSON (sorted keys, no whitespace).
std::string rule_version(const nlohmann::json& definition);

/// "a, b, c".
std::string join(const std::vector<std::string>& items, const std::string& separator = ", ");

}  // namespace agentsys::reports
