#include "checks/report_checks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include <openssl/evp.h>

namespace agentsys::reports::checks {
using json = nlohmann::json;

namespace {

bool blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c) != 0; });
}

/// The N of every $N placeholder outside quoted strings and identifiers.
std::set<int> placeholders(const std::string& sql) {
  std::set<int> found;
  char quote = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '$' && i + 1 < sql.size() &&
               std::isdigit(static_cast<unsigned char>(sql[i + 1]))) {
      int n = 0;
      while (i + 1 < sql.size() && std::isdigit(static_cast<unsigned char>(sql[i + 1])) &&
             n < 1000) {
        n = n * 10 + (sql[++i] - '0');
      }
      found.insert(n);
    }
  }
  return found;
}

std::vector<std::string> strings_of(const json& v) {
  std::vector<std::string> out;
  if (!v.is_array()) return out;
  for (const json& s : v) {
    if (s.is_string()) out.push_back(s.get<std::string>());
  }
  return out;
}

bool contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

void check_queries(const std::string& base, const json& report, Findings& findings) {
  const json& queries = report.contains("queries") ? report["queries"] : json();
  if (!queries.is_array()) return;
  std::set<std::string> names;
  for (size_t i = 0; i < queries.size(); ++i) {
    const json& q = queries[i];
    if (!q.is_object()) continue;
    std::string at = pointer_append(pointer_append(base, "queries"), std::to_string(i));
    if (q.contains("name") && q["name"].is_string() &&
        !names.insert(q["name"].get<std::string>()).second) {
      findings.problem(pointer_append(at, "name"), "report.query_name",
                       fmt::format("query name '{}' is used twice in this report",
                                   q["name"].get<std::string>()));
    }
    if (!q.contains("sql") || !q["sql"].is_string()) continue;
    std::string sql = q["sql"];
    if (blank(sql)) {
      findings.problem(pointer_append(at, "sql"), "report.query_sql", "the query's SQL is empty");
      continue;
    }
    size_t params = q.contains("params") && q["params"].is_array() ? q["params"].size() : 0;
    std::set<int> used = placeholders(sql);
    std::set<int> expected;
    for (size_t n = 1; n <= params; ++n) expected.insert(static_cast<int>(n));
    if (used != expected) {
      findings.problem(
          pointer_append(at, "params"), "report.params",
          fmt::format("the SQL uses placeholders {{{}}} but params lists {} value{} ($1..${} "
                      "are bound to params in order)",
                      fmt::join(used, ", "), params, params == 1 ? "" : "s", params));
    }
  }
}

void check_transform(const std::string& base, const json& report, Findings& findings) {
  if (!report.contains("transform") || !report["transform"].is_object()) return;
  const json& t = report["transform"];
  std::vector<std::string> group_by = strings_of(t.value("group_by", json()));
  std::vector<std::string> metrics;
  const json& list = t.contains("metrics") ? t["metrics"] : json();
  for (size_t i = 0; list.is_array() && i < list.size(); ++i) {
    const json& m = list[i];
    if (!m.is_object() || !m.contains("name") || !m["name"].is_string()) continue;
    std::string at = pointer_append(pointer_append(pointer_append(base, "transform"), "metrics"),
                                    std::to_string(i));
    std::string name = m["name"];
    for (const std::string& operand : strings_of(m.value("of", json()))) {
      if (!contains(metrics, operand)) {
        findings.problem(
            pointer_append(at, "of"), "report.metric",
            fmt::format("metric '{}' uses '{}', which is not a metric defined before it", name,
                        operand));
      }
    }
    if (contains(metrics, name) || contains(group_by, name)) {
      findings.problem(
          pointer_append(at, "name"), "report.metric",
          fmt::format("metric name '{}' is already a metric or a group_by field", name));
    }
    metrics.push_back(name);
  }
  for (const std::string& key : strings_of(report.value("key_fields", json()))) {
    if (!contains(group_by, key)) {
      findings.problem(pointer_append(base, "key_fields"), "report.fields",
                       fmt::format("key field '{}' is not one of transform.group_by", key));
    }
  }
  for (const std::string& value : strings_of(report.value("value_fields", json()))) {
    if (!contains(metrics, value)) {
      findings.problem(pointer_append(base, "value_fields"), "report.fields",
                       fmt::format("value field '{}' is not a metric of transform.metrics", value));
    }
  }
}

}  // namespace

void check_reports(const json& reports, Findings& findings) {
  if (!reports.is_object()) return;
  for (const auto& [stem, report] : reports.items()) {
    if (!report.is_object()) continue;
    std::string base = pointer_append("/reports", stem);
    if (report.contains("name") && report["name"] != stem) {
      findings.problem(
          pointer_append(base, "name"), "report.name",
          fmt::format("the report is named {} but its file is reports/{}.toml: they must be the "
                      "same",
                      report["name"].dump(), stem));
    }
    check_queries(base, report, findings);
    check_transform(base, report, findings);
  }
}

void ask_report_sql(const json& reports, Findings& findings) {
  if (!reports.is_object()) return;
  for (const auto& [stem, report] : reports.items()) {
    if (!report.is_object() || !report.contains("queries") || !report["queries"].is_array()) {
      continue;
    }
    const json& queries = report["queries"];
    for (size_t i = 0; i < queries.size(); ++i) {
      const json& q = queries[i];
      if (!q.is_object() || !q.contains("sql") || !q["sql"].is_string() ||
          blank(q["sql"].get<std::string>())) {
        continue;
      }
      std::string at =
          pointer_append(pointer_append(pointer_append(pointer_append("/reports", stem), "queries"),
                                        std::to_string(i)),
                         "sql");
      findings.ask_policy(at, "report.sql_policy", "in the read_only SQL context",
                          {{"kind", "sql"}, {"sql", q["sql"]}, {"context", "read_only"}});
    }
  }
}

std::string report_rule_version(const json& definition) {
  const std::string canonical = definition.dump();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(canonical.data(), canonical.size(), digest, &len, EVP_sha256(), nullptr) != 1) {
    return {};
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < 8 && i < len; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xF];
  }
  return hex;
}

json report_versions(const json& reports) {
  json out = json::object();
  if (!reports.is_object()) return out;
  for (const auto& [stem, report] : reports.items()) out[stem] = report_rule_version(report);
  return out;
}

}  // namespace agentsys::reports::checks
