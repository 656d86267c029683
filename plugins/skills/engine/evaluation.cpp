#include "evaluation.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace agentsys::skills {
using json = nlohmann::json;

namespace {

[[noreturn]] void bad_line(const std::filesystem::path& file, size_t line, const std::string& why) {
  throw std::runtime_error(file.string() + ":" + std::to_string(line) + ": " + why);
}

LabelledQuery parse_line(const std::filesystem::path& file, size_t line, const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    bad_line(file, line,
             "not a JSON object (one {\"query\": \"...\", \"expected\": NAME|null} a line)");
  }
  if (!j.contains("query") || !j["query"].is_string() || j["query"].get<std::string>().empty()) {
    bad_line(file, line, "'query' must be a non-empty string");
  }
  if (!j.contains("expected") || !(j["expected"].is_string() || j["expected"].is_null())) {
    bad_line(file, line, "'expected' must be a skill name or null (no skill fits)");
  }
  LabelledQuery q;
  q.query = j["query"].get<std::string>();
  if (j["expected"].is_string()) q.expected = j["expected"].get<std::string>();
  if (j.contains("tenant") && j["tenant"].is_string()) q.tenant = j["tenant"].get<std::string>();
  return q;
}

std::optional<double> ratio(size_t part, size_t whole) {
  if (whole == 0) return std::nullopt;
  return static_cast<double>(part) / static_cast<double>(whole);
}

}  // namespace

std::vector<LabelledQuery> read_queries(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error(file.string() + ": cannot be read");
  std::vector<LabelledQuery> out;
  std::string text;
  for (size_t line = 1; std::getline(in, text); ++line) {
    if (!text.empty() && text.back() == '\r') text.pop_back();
    const size_t first = text.find_first_not_of(" \t");
    if (first == std::string::npos || text[first] == '#') continue;
    out.push_back(parse_line(file, line, text));
  }
  return out;
}

Evaluation evaluate(const Router& router, const std::vector<LabelledQuery>& queries) {
  Evaluation e;
  e.n = queries.size();
  size_t right = 0, with_skill = 0, in_top3 = 0, none_given = 0, none_right = 0, none_expected = 0;
  double reciprocal = 0;
  for (const LabelledQuery& q : queries) {
    RouteAnswer a = router.route({q.query, q.tenant, kEvalDepth});
    QueryOutcome o{q.query, q.expected, a.skill, std::nullopt, a.confidence};
    if (q.expected) {
      ++with_skill;
      for (size_t i = 0; i < a.candidates.size(); ++i) {
        if (a.candidates[i].skill == *q.expected) {
          o.rank = i + 1;
          break;
        }
      }
      if (o.rank && *o.rank <= 3) ++in_top3;
      if (o.rank) reciprocal += 1.0 / static_cast<double>(*o.rank);
    } else {
      ++none_expected;
    }
    if (o.got == o.expected) ++right;
    if (!o.got) {
      ++none_given;
      if (!o.expected) ++none_right;
    }
    e.per_query.push_back(std::move(o));
  }
  e.top1_accuracy = e.n == 0 ? 0 : static_cast<double>(right) / static_cast<double>(e.n);
  e.top3_recall = ratio(in_top3, with_skill);
  if (with_skill > 0) e.mrr = reciprocal / static_cast<double>(with_skill);
  e.no_skill_precision = ratio(none_right, none_given);
  e.no_skill_recall = ratio(none_right, none_expected);
  return e;
}

}  // namespace agentsys::skills
