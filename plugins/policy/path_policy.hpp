#pragma once
// Path decisions: is this path readable / writable? The path is checked for NUL, invalid UTF-8,
// control characters and percent-encoded traversal, canonicalised (path_canon.hpp), then:
//   1. any layer's deny rule covering it (root or component name) -> deny with that rule;
//   2. every layer that declares allow rules for this access must have one whose root holds
//      the canonical path -> otherwise deny "path.outside_roots";
//   3. no layer declares allow rules for this access -> "default.deny".
#include <bitset>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "decision.hpp"
#include "policy_document.hpp"
#include "problems.hpp"
#include "root_list.hpp"

namespace agentsys::policy {

class PathPolicy {
 public:
  /// A deny rule's component pattern ("*.pem", ".ssh", "id_rsa*").
  struct Glob {
    enum class Shape { literal, suffix, prefix, general };
    Shape shape = Shape::literal;
    std::string text;  // the literal, the suffix, the prefix or the fnmatch pattern
    static Glob compile(const std::string& pattern);
    [[nodiscard]] bool matches(std::string_view component) const;
  };

  /// A deny rule's component patterns, with the bytes a matching component can start or end
  /// with, so that most components are ruled out with two table lookups.
  struct Names {
    std::vector<Glob> globs;
    std::bitset<256> first;  // literal and prefix globs: their first byte
    std::bitset<256> last;   // suffix globs: their last byte
    bool general = false;    // a glob that the two tables cannot rule out
    void add(const std::string& pattern);
    /// True when a glob matches `component`, which is not empty.
    [[nodiscard]] bool matches(std::string_view component) const;
  };

  void build(const std::vector<LayerDoc>& layers, const Vars& fixed, Problems& problems);

  [[nodiscard]] Decision decide(const PathRequest& request, const VarScope& scope,
                                bool use_filesystem) const;
  [[nodiscard]] nlohmann::json describe() const;

 private:
  struct Rule {
    std::string id;
    std::string layer;
    bool read = false;
    bool write = false;
    RootList roots;
    Names names;
    [[nodiscard]] bool covers(Access a) const { return a == Access::read ? read : write; }
  };
  struct Layer {
    std::string name;
    bool constrains_read = false;
    bool constrains_write = false;
    std::vector<Rule> allow;
  };
  std::vector<Layer> layers_;  // only the layers that declare path.allow
  std::vector<Rule> deny_;
};

}  // namespace agentsys::policy
