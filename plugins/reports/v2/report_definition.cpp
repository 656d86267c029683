#include "report_definition.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <set>
#include <stdexcept>

namespace agentsys::reports {
using json = nlohmann::json;

namespace {

[[noreturn]] void bad(const std::string& report, const std::string& problem) {
  throw std::invalid_argument("report '" + report + "': " + problem);
}

std::string string_at(const std::string& report, const json& obj, const char* key,
                      bool required = true) {
  if (!obj.contains(key)) {
    if (required) bad(report, std::string("missing '") + key + "'");
    return {};
  }
  if (!obj[key].is_string()) bad(report, std::string("'") + key + "' must be a string");
  return obj[key].get<std::string>();
}

std::vector<std::string> strings_at(const std::string& report, const json& obj, const char* key,
                                    bool required = true) {
  std::vector<std::string> out;
  if (!obj.contains(key)) {
    if (required) bad(report, std::string("missing '") + key + "'");
    return out;
  }
  if (!obj[key].is_array()) bad(report, std::string("'") + key + "' must be an array of strings");
  for (const json& item : obj[key]) {
    if (!item.is_string()) bad(report, std::string("'") + key + "' must be an array of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

const std::set<std::string> kOps = {"count",          "count_if",   "sum",   "avg",
                                    "count_distinct", "percentile", "ratio", "change_pct"};

Metric parse_metric(const std::string& report, const json& m, const std::set<std::string>& before) {
  if (!m.is_object()) bad(report, "every transform metric must be a table");
  Metric out;
  out.name = string_at(report, m, "name");
  out.op = string_at(report, m, "op");
  const std::string where = "metric '" + out.name + "'";
  if (kOps.count(out.op) == 0) {
    bad(report, where + ": unknown op '" + out.op +
                    "' (known: count, count_if, sum, avg, count_distinct, percentile, ratio, "
                    "change_pct)");
  }
  if (m.contains("where")) {
    if (!m["where"].is_object()) bad(report, where + ": 'where' must be a table");
    out.where = m["where"];
  } else if (out.op == "count_if") {
    bad(report, where + ": count_if needs 'where'");
  }
  if (out.op == "sum" || out.op == "avg" || out.op == "count_distinct" || out.op == "percentile") {
    out.field = string_at(report, m, "field");
  }
  if (out.op == "percentile") {
    if (!m.contains("p") || !m["p"].is_number_integer() || m["p"].get<int64_t>() < 1 ||
        m["p"].get<int64_t>() > 100) {
      bad(report, where + ": 'p' must be an integer 1..100");
    }
    out.p = m["p"].get<int>();
  }
  if (out.op == "ratio" || out.op == "change_pct") {
    out.of = strings_at(report, m, "of");
    if (out.of.size() != 2) bad(report, where + ": 'of' must name two earlier metrics");
    for (const std::string& name : out.of) {
      if (before.count(name) == 0) {
        bad(report, where + ": 'of' names '" + name + "', which is not an earlier metric");
      }
    }
  }
  return out;
}

}  // namespace

std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

std::string rule_version(const json& definition) {
  const std::string canonical = definition.dump();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(canonical.data(), canonical.size(), digest, &len, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex.substr(0, 16);
}

Definition parse_definition(const std::string& name, const json& j) {
  if (!j.is_object()) bad(name, "the definition must be a table");
  Definition d;
  d.name = name;
  if (j.contains("name") && j["name"] != name) {
    bad(name, "'name' is " + j["name"].dump() + " but the report is configured as '" + name + "'");
  }
  d.title = string_at(name, j, "title", false);
  if (d.title.empty()) d.title = name;
  d.description = string_at(name, j, "description", false);
  d.schedule = string_at(name, j, "schedule", false);
  if (!j.contains("queries") || !j["queries"].is_array() || j["queries"].empty()) {
    bad(name, "'queries' must be a non-empty array of tables");
  }
  for (const json& q : j["queries"]) {
    if (!q.is_object()) bad(name, "'queries' must be a non-empty array of tables");
    Query query{string_at(name, q, "name"), string_at(name, q, "sql"),
                strings_at(name, q, "params", false)};
    d.queries.push_back(std::move(query));
  }
  if (!j.contains("transform") || !j["transform"].is_object()) bad(name, "missing 'transform'");
  const json& t = j["transform"];
  d.group_by = strings_at(name, t, "group_by");
  if (!t.contains("metrics") || !t["metrics"].is_array()) bad(name, "missing transform 'metrics'");
  std::set<std::string> seen(d.group_by.begin(), d.group_by.end());
  std::set<std::string> metric_names;
  for (const json& m : t["metrics"]) {
    Metric metric = parse_metric(name, m, metric_names);
    if (!seen.insert(metric.name).second) {
      bad(name, "metric name '" + metric.name + "' is used twice (or is a group_by field)");
    }
    metric_names.insert(metric.name);
    d.metrics.push_back(std::move(metric));
  }
  d.key_fields = strings_at(name, j, "key_fields");
  for (const std::string& k : d.key_fields) {
    if (std::find(d.group_by.begin(), d.group_by.end(), k) == d.group_by.end()) {
      bad(name, "key field '" + k + "' is not a transform group_by field");
    }
  }
  d.value_fields = strings_at(name, j, "value_fields");
  for (const std::string& v : d.value_fields) {
    if (metric_names.count(v) == 0) bad(name, "value field '" + v + "' is not a metric");
  }
  d.outputs = strings_at(name, j, "outputs", false);
  if (!j.contains("outputs")) d.outputs = {"csv", "md", "json"};
  for (const std::string& o : d.outputs) {
    if (o != "csv" && o != "md" && o != "json") {
      bad(name, "unknown output '" + o + "' (known: csv, md, json)");
    }
  }
  d.rule_version = rule_version(j);
  d.source = j;
  return d;
}

std::map<std::string, Definition> parse_definitions(const json& reports) {
  std::map<std::string, Definition> out;
  if (reports.is_null()) return out;
  if (!reports.is_object()) {
    throw std::invalid_argument("'reports' must be a table of report definitions");
  }
  for (const auto& [name, definition] : reports.items()) {
    out.emplace(name, parse_definition(name, definition));
  }
  return out;
}

}  // namespace agentsys::reports
