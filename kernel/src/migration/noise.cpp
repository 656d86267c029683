#include "migration/noise.hpp"

#include "migration/comparator.hpp"

namespace agentsys::migration {
using json = nlohmann::json;

json Noise::to_json() const {
  return {{"fields", fields},
          {"rows_differing", rows_differing},
          {"rows_compared", rows_compared},
          {"rows_unmatched", rows_unmatched}};
}

Noise learn_noise(std::shared_ptr<const KeyTable> a, std::shared_ptr<const KeyTable> b) {
  const CompareRules exact;  // every field exact: any difference is noise
  const Comparison c = compare(std::move(a), std::move(b), exact);
  Noise noise;
  noise.rows_compared = c.rows_compared;
  noise.rows_unmatched = c.rows_only_v1 + c.rows_only_v2;
  // Differences of values in rows found in both runs (one-sided rows are not noise).
  std::vector<uint64_t> differing(c.fields.size(), 0);
  for (const Difference& d : c.differences) {
    if (d.kind == Difference::Kind::value) ++differing[d.field];
  }
  for (size_t f = 0; f < c.field_columns.size(); ++f) {
    if (differing[f] == 0) continue;
    noise.fields.push_back(c.fields[f]);
    noise.rows_differing[c.fields[f]] = differing[f];
  }
  return noise;
}

Noise learn_noise(const json& a, const json& b, const std::vector<std::string>& key) {
  return learn_noise(load_table(a, key), load_table(b, key));
}

Noise learn_noise_text(std::string_view a, std::string_view b,
                       const std::vector<std::string>& key) {
  return learn_noise(load_table_text(a, key), load_table_text(b, key));
}

CompareRules with_noise(const CompareRules& rules, const Noise& noise) {
  CompareRule rule;
  rule.name = std::string(kNoiseRuleName);
  rule.method = Method::ignore;
  rule.grade = Grade::ignore;
  rule.reason = "noise: the values differed between two V1 runs on the same input";
  for (const std::string& f : noise.fields) {
    if (rules.rule_for(f).method != Method::ignore) rule.fields.push_back(f);
  }
  if (rule.fields.empty()) return rules;
  CompareRules out = rules;
  out.rules.insert(out.rules.begin(), std::move(rule));
  return out;
}

}  // namespace agentsys::migration
