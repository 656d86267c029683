#pragma once
// One problem the skill parser found, located the way a compiler locates one:
// `FILE:LINE: FIELD: message`, so that editors and CI annotate it.
#include <string>
#include <vector>

namespace agentsys::skills {

enum class Severity {
  warning,  ///< the skill loads: a lenient reading, an unknown field, a cosmetic rule
  error,    ///< the skill is invalid and skipped
};

struct Finding {
  std::string file;   ///< the SKILL.md (or folder) it is about
  int line = 0;       ///< 1-based; 0 when the problem has no line (a missing file)
  std::string field;  ///< the front-matter field ("name", "metadata.owner"), or "file"
  std::string message;
  Severity severity = Severity::error;

  /// `FILE:LINE: FIELD: message`, with `warning: ` before the message for a warning.
  [[nodiscard]] std::string text() const;
};

[[nodiscard]] bool has_error(const std::vector<Finding>& findings);

}  // namespace agentsys::skills
