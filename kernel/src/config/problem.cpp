#include "config/problem.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <tuple>

namespace agentsys::config {

std::string format_problem(const Problem& p) {
  std::string out = p.file;
  if (!out.empty() && p.line > 0) {
    out += fmt::format(":{}", p.line);
    if (p.column > 0) out += fmt::format(":{}", p.column);
  }
  if (!out.empty()) out += ": ";
  if (!p.path.empty()) out += p.path + ": ";
  out += p.rule + ": " + p.message;
  return out;
}

nlohmann::json to_json(const Problem& p) {
  auto or_null = [](int v) { return v > 0 ? nlohmann::json(v) : nlohmann::json(nullptr); };
  return {{"file", p.file}, {"line", or_null(p.line)}, {"column", or_null(p.column)},
          {"path", p.path}, {"rule", p.rule},          {"message", p.message}};
}

void sort_problems(std::vector<Problem>& problems) {
  auto key = [](const Problem& p) {
    return std::tie(p.file, p.line, p.column, p.path, p.rule, p.message);
  };
  std::stable_sort(problems.begin(), problems.end(),
                   [&](const Problem& a, const Problem& b) { return key(a) < key(b); });
  problems.erase(std::unique(problems.begin(), problems.end(),
                             [&](const Problem& a, const Problem& b) { return key(a) == key(b); }),
                 problems.end());
}

}  // namespace agentsys::config
