// GCC 12 warns about std::function members of std::regex's NFA states being used
// uninitialised when building with the sanitizers (a known false positive).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "pattern.hpp"

#include <regex>

namespace agentsys::policy {

struct CompiledRegex {
  std::regex regex;
};

namespace {

constexpr auto kFlags = std::regex::ECMAScript;

/// libstdc++ messages are terse; name the common causes.
std::string regex_message(const std::regex_error& e) {
  switch (e.code()) {
    case std::regex_constants::error_paren: return "missing )";
    case std::regex_constants::error_brack: return "missing ]";
    case std::regex_constants::error_brace: return "bad {} repetition";
    case std::regex_constants::error_badrepeat: return "nothing to repeat";
    case std::regex_constants::error_escape: return "bad escape";
    case std::regex_constants::error_range: return "bad character range";
    default: return e.what();
  }
}

}  // namespace

std::optional<Pattern> Pattern::compile(const TemplateField& field, const Vars& fixed,
                                        std::string& error) {
  Pattern p;
  p.source_ = field.value.source();
  const bool now = field.value.resolvable_with(fixed);
  // For a per-call pattern, check the syntax with a neutral stand-in for each placeholder.
  Vars probe = fixed;
  for (const auto& name : field.value.names()) probe.try_emplace(name, std::string("x"));
  std::string missing;
  auto text = field.value.expand(VarScope{now ? &fixed : &probe, nullptr}, Escape::regex, missing);
  if (!text) {
    error = "placeholder '${" + missing + "}' names a list and cannot be used in a pattern";
    return std::nullopt;
  }
  try {
    std::regex re(*text, kFlags);  // validates the syntax, also where the automaton is used
    if (now) {
      if (auto dfa = RegexDfa::compile(*text)) {
        p.automaton_ = std::make_shared<const RegexDfa>(std::move(*dfa));
      } else {
        p.regex_ = std::make_shared<const CompiledRegex>(CompiledRegex{std::move(re)});
      }
    } else {
      p.dynamic_ = field.value;
    }
  } catch (const std::regex_error& e) {
    error = "invalid regex '" + p.source_ + "': " + regex_message(e);
    return std::nullopt;
  }
  return p;
}

bool Pattern::matches(std::string_view text, const VarScope& scope) const {
  if (automaton_) return automaton_->matches(text);
  if (regex_) return std::regex_match(text.begin(), text.end(), regex_->regex);
  if (!dynamic_) return false;
  std::string missing;
  auto expanded = dynamic_->expand(scope, Escape::regex, missing);
  if (!expanded) return false;
  try {
    const std::regex re(*expanded, kFlags);
    return std::regex_match(text.begin(), text.end(), re);
  } catch (const std::regex_error&) {
    return false;  // cannot happen for escaped values; fail closed anyway
  }
}

}  // namespace agentsys::policy
