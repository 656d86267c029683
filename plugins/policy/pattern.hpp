#pragma once
// An argument pattern: an ECMAScript regular expression that must match the WHOLE argument.
// Placeholders are substituted regex-escaped (so a path with dots matches only itself). A
// pattern whose placeholders are all fixed is compiled once; the others on each use. A pattern
// compiled once is matched with a deterministic automaton (regex_dfa.hpp) when it can be
// translated exactly -- every shipped pattern can -- and with std::regex otherwise.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "placeholder.hpp"
#include "policy_document.hpp"
#include "regex_dfa.hpp"

namespace agentsys::policy {

/// std::regex, kept out of the headers: GCC 12 reports false -Wmaybe-uninitialized inside
/// <regex> under the sanitizers, so only pattern.cpp includes it (with that warning off).
struct CompiledRegex;

class Pattern {
 public:
  /// Compiles `field`; on an invalid regex returns nullopt and sets `error` to the reason.
  static std::optional<Pattern> compile(const TemplateField& field, const Vars& fixed,
                                        std::string& error);

  /// True when `text` matches entirely. A placeholder without a value for this call makes the
  /// pattern match nothing.
  [[nodiscard]] bool matches(std::string_view text, const VarScope& scope) const;
  [[nodiscard]] const std::string& source() const { return source_; }
  /// True when matched with the automaton rather than std::regex.
  [[nodiscard]] bool uses_automaton() const { return automaton_ != nullptr; }

 private:
  std::string source_;
  std::shared_ptr<const RegexDfa> automaton_;   // compiled (fixed placeholders only)...
  std::shared_ptr<const CompiledRegex> regex_;  // ...or, when it cannot be translated, this
  std::optional<Template> dynamic_;             // compiled per use
};

}  // namespace agentsys::policy
