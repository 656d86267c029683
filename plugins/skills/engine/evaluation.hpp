#pragma once
// `skills eval`: how well the router answers a labelled set of requests. Each query's expected
// answer is a skill name, or null when no skill fits.
//   top1_accuracy       share of all queries answered right (null expected: right when the
//                       answer is no skill)
//   top3_recall, mrr    over the queries with a skill: the expected skill among the first three
//                       candidates; the mean of 1/rank (rank within the first 10, else 0),
//                       whatever the threshold decided
//   no_skill_precision  of the "no skill" answers, the share that were right (null: none given)
//   no_skill_recall     of the null-expected queries, the share answered "no skill" (null: none)
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "router.hpp"

namespace agentsys::skills {

struct LabelledQuery {
  std::string query;
  std::optional<std::string> expected;
  std::string tenant;  ///< optional "tenant" member
};

/// Reads FILE.jsonl: one {"query": "...", "expected": NAME | null} a line (blank lines and lines
/// starting with '#' aside). Throws std::runtime_error as "FILE:LINE: message".
std::vector<LabelledQuery> read_queries(const std::filesystem::path& file);

struct QueryOutcome {
  std::string query;
  std::optional<std::string> expected;
  std::optional<std::string> got;
  std::optional<size_t> rank;  ///< 1-based rank of `expected` among the candidates
  double confidence = 0;
};

struct Evaluation {
  size_t n = 0;
  double top1_accuracy = 0;
  std::optional<double> top3_recall;
  std::optional<double> mrr;
  std::optional<double> no_skill_precision;
  std::optional<double> no_skill_recall;
  std::vector<QueryOutcome> per_query;
};

/// The rank depth MRR looks at.
inline constexpr size_t kEvalDepth = 10;

Evaluation evaluate(const Router& router, const std::vector<LabelledQuery>& queries);

}  // namespace agentsys::skills
