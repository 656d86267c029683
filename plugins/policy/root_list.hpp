#pragma once
// A list of directory roots from a policy rule ("${state_dir}/runs", "/usr/share/zoneinfo").
// Roots whose placeholders are all fixed are expanded and canonicalised once (through the
// filesystem, so a root that is itself a symlink is compared by its target); the others are
// expanded and canonicalised on each decision with that call's vars.
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "placeholder.hpp"
#include "policy_document.hpp"

namespace agentsys::policy {

class RootList {
 public:
  /// Adds the roots of `fields`, expanding fixed placeholders now.
  void add(const std::vector<TemplateField>& fields, const Vars& fixed);

  /// Outcome of a containment test.
  enum class Match { inside, outside, unresolved };

  /// Whether canonical `path` lies within one of the roots. A root whose placeholder has no
  /// value for this call is skipped; if no root matched and one was skipped, the result is
  /// `unresolved` and `missing` names the placeholder.
  [[nodiscard]] Match contains(std::string_view path, const VarScope& scope, bool use_filesystem,
                               std::string& missing) const;

  [[nodiscard]] bool empty() const { return fixed_.empty() && dynamic_.empty(); }
  /// Canonical fixed roots and the dynamic templates, for describe.
  [[nodiscard]] nlohmann::json to_json() const;

 private:
  std::vector<std::string> fixed_;
  std::vector<Template> dynamic_;
};

}  // namespace agentsys::policy
