#include "finding.hpp"

#include <algorithm>

namespace agentsys::skills {

std::string Finding::text() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line);
  out += ": " + field + ": ";
  if (severity == Severity::warning) out += "warning: ";
  return out + message;
}

bool has_error(const std::vector<Finding>& findings) {
  return std::any_of(findings.begin(), findings.end(),
                     [](const Finding& f) { return f.severity == Severity::error; });
}

}  // namespace agentsys::skills
