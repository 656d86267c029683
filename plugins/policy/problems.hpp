#pragma once
// Problems found in a policy configuration: each names the layer's source file, the field as a
// JSON pointer, the rule broken and a message. Validation collects all of them, not the first.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace agentsys::policy {

struct Problem {
  std::string source;   ///< the layer's source, e.g. "config/policy/prod.toml", or "<config>"
  std::string pointer;  ///< JSON pointer of the field, e.g. "/command/allow/2/args/0"
  std::string rule;     ///< what was broken: "type", "regex", "unknown_field", ...
  std::string message;

  /// "config/policy/prod.toml: command.allow[2].args[0]: invalid regex '(': ..."
  [[nodiscard]] std::string text() const;
};

/// "/command/allow/2/args" -> "command.allow[2].args"; "" -> "(document)".
[[nodiscard]] std::string dotted_path(const std::string& pointer);

class Problems {
 public:
  void add(std::string source, std::string pointer, std::string rule, std::string message);
  [[nodiscard]] bool empty() const { return list_.empty(); }
  [[nodiscard]] const std::vector<Problem>& list() const { return list_; }
  /// Every problem's text, one per line.
  [[nodiscard]] std::string text() const;
  /// [{"source", "path", "rule", "message"}, ...] as `validate` returns it.
  [[nodiscard]] nlohmann::json to_json() const;

 private:
  std::vector<Problem> list_;
};

}  // namespace agentsys::policy
