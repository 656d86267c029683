#include "skills_json.hpp"

#include <cmath>

namespace agentsys::skills {
using json = nlohmann::json;

namespace {

json optional_text(const std::string& text) { return text.empty() ? json() : json(text); }

template <typename T>
json optional_value(const std::optional<T>& value) {
  return value ? json(*value) : json();
}

json optional_ratio(const std::optional<double>& value) {
  return value ? json(rounded(*value)) : json();
}

}  // namespace

double rounded(double value) { return std::round(value * 10000.0) / 10000.0; }

json skill_json(const Skill& s) {
  return {{"name", s.name},
          {"description", s.description},
          {"path", s.file.string()},
          {"license", optional_text(s.license)},
          {"compatibility", optional_text(s.compatibility)},
          {"metadata", s.metadata},
          {"allowed_tools", s.allowed_tools}};
}

json finding_json(const Finding& f) {
  return {{"file", f.file},
          {"line", f.line},
          {"field", f.field},
          {"severity", f.severity == Severity::error ? "error" : "warning"},
          {"message", f.message}};
}

json answer_json(const RouteAnswer& a) {
  json candidates = json::array();
  for (const Candidate& c : a.candidates) {
    candidates.push_back({{"skill", c.skill}, {"score", rounded(c.score)}, {"why", c.why}});
  }
  return {{"skill", optional_value(a.skill)},
          {"confidence", rounded(a.confidence)},
          {"candidates", std::move(candidates)}};
}

json evaluation_json(const Evaluation& e) {
  json per_query = json::array();
  for (const QueryOutcome& q : e.per_query) {
    per_query.push_back({{"query", q.query},
                         {"expected", optional_value(q.expected)},
                         {"got", optional_value(q.got)},
                         {"rank", optional_value(q.rank)}});
  }
  return {{"n", e.n},
          {"top1_accuracy", rounded(e.top1_accuracy)},
          {"top3_recall", optional_ratio(e.top3_recall)},
          {"mrr", optional_ratio(e.mrr)},
          {"no_skill_precision", optional_ratio(e.no_skill_precision)},
          {"no_skill_recall", optional_ratio(e.no_skill_recall)},
          {"per_query", std::move(per_query)}};
}

}  // namespace agentsys::skills
