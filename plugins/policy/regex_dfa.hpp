#pragma once
// Whole-string matching of an argument pattern with a deterministic automaton: one table lookup
// per byte, no backtracking, no allocation. Built once when the policy is loaded, for the
// patterns it can translate exactly; Pattern keeps std::regex for the others.
//
// What is translated (ECMAScript, as std::regex reads it, byte by byte):
//   - literal bytes; '.'; escapes \d \D \w \W \s \S \f \n \r \t \v and escaped punctuation;
//     bracket expressions [...] and [^...] (not empty, no '[' inside);
//   - concatenation, alternation '|', groups (...) and (?:...);
//   - quantifiers * + ? {n} {n,} {n,m}, greedy or lazy (the same for a whole-string match),
//     except on a subexpression that can match the empty string and may repeat;
//   - '^' at the start and '$' at the end of a top-level alternative (no-ops for a whole match).
// Everything else (back-references, \b \B, lookahead, \x \u \c escapes, POSIX classes, empty
// brackets, anchors elsewhere, unmatched ']' '}' '{') is refused, as are patterns over 256 byte
// positions, 4096 states or 65536 transitions.
//
// The set of bytes a '.', an escape or a bracket expression accepts is not re-implemented: it is
// read from std::regex itself when compiling (each of the 256 bytes is matched against the atom
// alone), so locale-dependent classes, ranges and libstdc++'s reading of '.' (not '\n', '\r')
// agree by construction. Which strings a pattern matches as a whole does not depend on the
// order in which a backtracking matcher tries alternatives, so the automaton and
// std::regex_match accept the same strings.
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace agentsys::policy {

class RegexDfa {
 public:
  /// The automaton for `pattern` (which std::regex with ECMAScript syntax accepted), or nullopt
  /// when the pattern uses something listed above as refused.
  [[nodiscard]] static std::optional<RegexDfa> compile(std::string_view pattern);

  /// True when the whole of `text` matches, exactly as std::regex_match would answer.
  [[nodiscard]] bool matches(std::string_view text) const noexcept {
    uint32_t state = start_;
    for (const char c : text) {
      state = next_[state * classes_ + byte_class_[static_cast<unsigned char>(c)]];
      if (state == kDead) return false;
    }
    return accepting_[state] != 0;
  }

  /// Number of states (the dead state included), for tests.
  [[nodiscard]] size_t states() const noexcept { return accepting_.size(); }

 private:
  static constexpr uint16_t kDead = 0;
  std::array<uint8_t, 256> byte_class_{};  // bytes that no position tells apart share a class
  uint32_t classes_ = 1;
  uint16_t start_ = kDead;
  std::vector<uint16_t> next_;      // [state * classes_ + class] -> state
  std::vector<uint8_t> accepting_;  // per state
};

}  // namespace agentsys::policy
