#include "pattern.hpp"

#include <re2/re2.h>

namespace agentsys::policy {

struct CompiledRegex {
  explicit CompiledRegex(const std::string& pattern) : regex(pattern, options()) {}
  static RE2::Options options() {
    RE2::Options o;
    o.set_log_errors(false);  // errors are reported, with the rule, by compile()
    return o;
  }
  RE2 regex;
};

namespace {

/// Names the common causes in the words operators know.
std::string regex_message(const RE2& re) {
  switch (re.error_code()) {
    case RE2::ErrorMissingParen:
    case RE2::ErrorUnexpectedParen: return "missing )";
    case RE2::ErrorMissingBracket: return "missing ]";
    case RE2::ErrorRepeatSize: return "bad {} repetition";
    case RE2::ErrorRepeatArgument:
    case RE2::ErrorRepeatOp: return "nothing to repeat";
    case RE2::ErrorBadEscape: return "bad escape";
    case RE2::ErrorBadCharRange: return "bad character range";
    default: return re.error();
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
  auto re = std::make_shared<const CompiledRegex>(*text);
  if (!re->regex.ok()) {
    error = "invalid regex '" + p.source_ + "': " + regex_message(re->regex);
    return std::nullopt;
  }
  if (now) {
    p.regex_ = std::move(re);
  } else {
    p.dynamic_ = field.value;
  }
  return p;
}

bool Pattern::matches(std::string_view text, const VarScope& scope) const {
  if (regex_) return RE2::FullMatch(text, regex_->regex);
  if (!dynamic_) return false;
  std::string missing;
  auto expanded = dynamic_->expand(scope, Escape::regex, missing);
  if (!expanded) return false;
  const CompiledRegex re(*expanded);
  // An escaped value cannot make the pattern invalid; fail closed anyway.
  return re.regex.ok() && RE2::FullMatch(text, re.regex);
}

}  // namespace agentsys::policy
