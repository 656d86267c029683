#include "migration/truth.hpp"

namespace agentsys::migration {
using json = nlohmann::json;

namespace {

/// The side's values of `field`: one per key_fields row, else the top-level member.
json values_of(std::string_view result, const std::string& field) {
  const json r = json::parse(result, nullptr, false);
  if (!r.is_object()) return json::array();
  const json& kf = r.contains("key_fields") ? r["key_fields"] : json();
  if (kf.is_object() && kf.contains("rows") && kf["rows"].is_array()) {
    json values = json::array();
    for (const json& row : kf["rows"]) {
      values.push_back(row.is_object() && row.contains(field) ? row[field] : json());
    }
    return values;
  }
  return json::array({r.contains(field) ? r[field] : json()});
}

bool all_equal(const json& values, const json& expected) {
  if (values.empty()) return false;
  for (const json& v : values) {
    if (v != expected) return false;
  }
  return true;
}

json shown(const json& values) { return values.size() == 1 ? values[0] : values; }

}  // namespace

json judge_truth(const TruthSpec& spec, const json& expected, std::string_view v1_result,
                 std::string_view v2_result) {
  const json v1 = values_of(v1_result, spec.field);
  const json v2 = values_of(v2_result, spec.field);
  const bool v1_right = all_equal(v1, expected);
  const bool v2_right = all_equal(v2, expected);
  const char* right = v1_right && v2_right ? "both" : v1_right ? "v1" : v2_right ? "v2" : "neither";
  return {{"field", spec.field},
          {"expected", expected},
          {"v1", shown(v1)},
          {"v2", shown(v2)},
          {"right", right}};
}

}  // namespace agentsys::migration
