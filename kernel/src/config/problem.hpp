#pragma once
// A configuration problem: what is wrong, where (file, line, column, JSON pointer) and which
// rule it breaks. Every check of the configuration reports in this one shape, so preflight
// can print all of them at once and tools can read them as JSON.
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace agentsys::config {

struct Problem {
  std::string file;  ///< As shown to the operator (see display_path); "" when not in a file.
  int line = 0;      ///< 1-based; 0 when unknown.
  int column = 0;    ///< 1-based; 0 when unknown.
  std::string path;  ///< JSON pointer into the file's document ("" for the whole file).
  std::string rule;  ///< e.g. "toml.syntax", "schema.required", "module.plugin_loads".
  std::string message;
};

/// `FILE:LINE:COL: PATH: RULE: message`, leaving out the parts that are unknown.
std::string format_problem(const Problem& p);

/// {"file", "line", "column", "path", "rule", "message"} (line/column null when unknown).
nlohmann::json to_json(const Problem& p);

/// Sorted by file, line, column, then the rest, without exact duplicates.
void sort_problems(std::vector<Problem>& problems);

}  // namespace agentsys::config
