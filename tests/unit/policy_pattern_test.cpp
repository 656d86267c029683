// Argument patterns: the automaton (regex_dfa.hpp) that replaces std::regex for the patterns it
// can translate must answer exactly as std::regex_match does, on anchors, empty strings,
// alternatives, counted repeats and bytes outside ASCII; the patterns it refuses keep std::regex.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // <regex> under the sanitizers
#endif

#include <random>
#include <regex>
#include <string>
#include <vector>

#include "pattern.hpp"
#include "policy_test_support.hpp"
#include "regex_dfa.hpp"

using namespace agentsys::policy;
using namespace agentsys::policy::test;

namespace {

// Patterns the automaton translates; each is checked against std::regex on every string below.
const std::vector<std::string> kTranslated = {
    // The shipped ones (config/policy/*.toml).
    "--[a-z][a-z0-9_-]*(=[A-Za-z0-9_./:@%+,=-]*)?|[A-Za-z0-9_./:@%+,=-]+",
    R"([0-9]{1,5}(\.[0-9]{1,3})?)",
    "rev-parse",
    "HEAD",
    R"([^\n]*)",
    // Anchors are no-ops at the ends of a top-level alternative.
    "^abc$",
    "^a|b$",
    "a|^b",
    "^$",
    "^",
    "$",
    "^(?:a|b)+$",
    // Empty pattern, empty groups and empty alternatives.
    "",
    "()",
    "(?:)",
    "a|",
    "|a",
    "a||b",
    "(|a)b",
    "(a|)",
    // Repeats: counted, open, lazy, nested (not nullable).
    "a{0}",
    "a{2}",
    "a{2,}",
    "a{1,3}",
    "a{0,2}b",
    "a*?",
    "a+?b",
    "a??",
    "(a+)+b",
    "(ab|a)(bc|c)?",
    "(a|ab)(c|bcd)(d*)",
    "(?:a|b){2,3}c*",
    "x(ab){2}y|x(a|b)*",
    // Classes, escapes and '.'.
    ".",
    ".*",
    ".+x",
    R"(\d+)",
    R"(\D)",
    R"(\w+)",
    R"(\W)",
    R"(\s*)",
    R"(\S+)",
    R"([\d-]+)",
    "[a-]",
    "[-a]",
    R"([\]a])",
    R"([\\])",
    "[^a-z]+",
    R"([\w.-]+@[\w.-]+)",
    R"(\.\*\+\?\(\)\[\]\{\}\|\^\$\\\/\-)",
    R"(\n|\t|\r|\f|\v)",
    // Bytes outside ASCII: std::regex<char> reads them one byte at a time.
    "é",
    "é+",
    "[é]",
    "café|caf",
    "\xff*",
    "[^\xc3]*",
    "[\xc3\xa9]+",
    ".é.",
    R"(€\d+)",
};

const std::vector<std::string> kStrings = {
    "",
    "a",
    "b",
    "c",
    "x",
    "y",
    "ab",
    "abc",
    "abcbcd",
    "abcd",
    "aab",
    "aa",
    "aaa",
    "aaaa",
    "abab",
    "xababy",
    "xabaay",
    "xaab",
    "ba",
    "bc",
    "abbc",
    "\n",
    "\r",
    "a\n",
    "\na",
    " ",
    "\t",
    "\f",
    "\v",
    "-",
    "--",
    "]",
    "\\",
    "a-z",
    "A",
    "Z9",
    "_",
    "é",
    "éé",
    "\xc3",
    "\xa9",
    "\xff",
    "\xff\xff",
    "\x80",
    "\x7f",
    std::string(1, '\0'),
    std::string("a\0b", 3),
    "café",
    "caf",
    "€12",
    "€",
    "xéx",
    "--target-month",
    "--target-month=202602",
    "--x=",
    "--x=a/b",
    "--X",
    "-x",
    "--",
    "---",
    "--a_b-c",
    "202602",
    "/srv/agentsys/var/runs/run_1/out.csv",
    "a b",
    "a;b",
    "1",
    "1.5",
    "1.",
    ".5",
    "12345.123",
    "123456",
    "12345.1234",
    "rev-parse",
    "rev-parsex",
    "HEAD",
    "head",
    "user@example.org",
    ".*+?()[]{}|^$\\/-",
    "a.b",
};

bool std_match(const std::regex& re, const std::string& s) {
  return std::regex_match(s.begin(), s.end(), re);
}

/// Every string of `kStrings` plus `random` strings over an alphabet that hits the patterns'
/// edges: the automaton and std::regex_match must agree on each.
void check_agrees(const std::string& pattern, int random = 2000) {
  CAPTURE(pattern);
  const std::regex re(pattern, std::regex::ECMAScript);
  const auto dfa = RegexDfa::compile(pattern);
  REQUIRE_MESSAGE(dfa, "the automaton refused a pattern it should translate");
  for (const auto& s : kStrings) {
    CAPTURE(s);
    CHECK(dfa->matches(s) == std_match(re, s));
  }
  static const std::string kAlphabet = std::string("aAbcdxyz09-_=./\n\r \t@") + "\xc3\xa9\xff";
  std::mt19937 rng(12345);
  std::uniform_int_distribution<size_t> length(0, 8);
  std::uniform_int_distribution<size_t> pick(0, kAlphabet.size() - 1);
  for (int n = 0; n < random; ++n) {
    std::string s(length(rng), ' ');
    for (auto& c : s) c = kAlphabet[pick(rng)];
    CAPTURE(s);
    CHECK(dfa->matches(s) == std_match(re, s));
  }
}

Pattern compile(const std::string& text) {
  std::string error;
  const auto field = TemplateField{*Template::parse(text, error), "/x"};
  auto p = Pattern::compile(field, Vars{}, error);
  REQUIRE_MESSAGE(p, error);
  return *p;
}

}  // namespace

TEST_CASE("policy pattern: the automaton agrees with std::regex_match") {
  for (const auto& pattern : kTranslated) check_agrees(pattern);
}

TEST_CASE("policy pattern: the automaton agrees on long arguments") {
  // Long inputs stay a walk over the table (libstdc++'s matcher recurses per byte).
  const auto dfa = RegexDfa::compile(R"([^\n]*)");
  REQUIRE(dfa);
  CHECK(dfa->matches(std::string(4096, 'x')));
  CHECK_FALSE(dfa->matches(std::string(4095, 'x') + "\n"));
  const auto opts = RegexDfa::compile("--[a-z][a-z0-9_-]*(=[A-Za-z0-9_./:@%+,=-]*)?");
  REQUIRE(opts);
  CHECK(opts->matches("--a=" + std::string(3000, '/')));
  CHECK_FALSE(opts->matches("--a=" + std::string(3000, '/') + " "));
}

TEST_CASE("policy pattern: constructs the automaton does not translate fall back to std::regex") {
  const std::vector<std::string> refused = {
      R"((a)\1)",        // back-reference
      R"(\bab)",         // word boundary
      R"(a\B)",          //
      "a(?=b)b",         // lookahead
      "a(?!c)b",         //
      R"(\x41)",         // hex escape
      R"(\u0041)",       //
      R"(\cJ)",          // control escape
      R"(\0)",           // NUL escape
      "[[:alpha:]]+",    // POSIX class
      "[]a]",            // empty class, then a stray ']'
      "[^]",             //
      "a^b",             // anchors that are not at the ends of the whole pattern
      "a$b",             //
      "(^a)",            //
      "(a$)",            //
      "(a*)*",           // repeating what may match nothing
      "(a?)+",           //
      "(|a){2}",         //
      "a{1001}",         // bound over the limit
      ".{300}",          // more than 256 positions
      "[ab]*a[ab]{12}",  // more than 4096 states
      "a}",              // stray brace
  };
  for (const auto& pattern : refused) {
    CAPTURE(pattern);
    CHECK_FALSE(RegexDfa::compile(pattern));
  }
  // Through Pattern they still match, with std::regex.
  const Pattern backref = compile(R"((a+)-\1)");
  CHECK_FALSE(backref.uses_automaton());
  CHECK(backref.matches("aa-aa", VarScope{}));
  CHECK_FALSE(backref.matches("aa-a", VarScope{}));
  const Pattern boundary = compile(R"(\bfoo\b.*)");
  CHECK_FALSE(boundary.uses_automaton());
  CHECK(boundary.matches("foo bar", VarScope{}));
  CHECK_FALSE(boundary.matches("foobar", VarScope{}));
  const Pattern blowup = compile("[ab]*a[ab]{12}");
  CHECK_FALSE(blowup.uses_automaton());
  CHECK(blowup.matches("bba" + std::string(12, 'b'), VarScope{}));
  CHECK_FALSE(blowup.matches("bbbbbbbbbbbbbbb", VarScope{}));
}

TEST_CASE("policy pattern: the automaton's table is bounded") {
  // 33 byte classes (32 letters told apart, everything else); the automaton must remember which
  // of the last n+1 letters were an 'a': 2^(n+1) states.
  const std::string letters =
      "(?:a|b|c|d|e|f|g|h|i|j|k|l|m|n|o|p|q|r|s|t|u|v|w|x|y|z|A|B|C|D|E|F)*";
  const auto small = RegexDfa::compile(letters + "a[a-zA-F]{9}");  // 1024 states x 33
  REQUIRE(small);
  CHECK(small->states() > 1024);
  check_agrees(letters + "a[a-zA-F]{9}", 300);
  CHECK_FALSE(RegexDfa::compile(letters + "a[a-zA-F]{10}"));  // 2048 x 33 > 65536
  const Pattern big = compile(letters + "a[a-zA-F]{10}");
  CHECK_FALSE(big.uses_automaton());
  CHECK(big.matches("bbba" + std::string(10, 'F'), VarScope{}));
  CHECK_FALSE(big.matches("bbbb" + std::string(10, 'F'), VarScope{}));
}

TEST_CASE("policy pattern: shipped argument patterns use the automaton") {
  for (const std::string name : {"base", "dev", "staging", "prod"}) {
    const json layer = shipped_layer(name);
    const json& command = layer["document"].value("command", json::object());
    for (const auto& rule : command.value("allow", json::array())) {
      std::vector<std::string> patterns;
      for (const auto& a : rule.value("args", json::array())) patterns.push_back(a);
      if (rule.contains("more_args")) patterns.push_back(rule["more_args"]);
      for (const auto& p : patterns) {
        CAPTURE(name);
        CAPTURE(p);
        CHECK(compile(p).uses_automaton());
        check_agrees(p, 500);
      }
    }
  }
}

TEST_CASE("policy pattern: placeholders are matched literally, fixed or per call") {
  Vars fixed{{"repo_root", std::string("/srv/a.b+c")}};
  std::string error;
  auto field = TemplateField{*Template::parse("${repo_root}/[a-z]+\\.py", error), "/x"};
  auto p = Pattern::compile(field, fixed, error);
  REQUIRE(p);
  CHECK(p->uses_automaton());
  const VarScope scope{&fixed, nullptr};
  CHECK(p->matches("/srv/a.b+c/report.py", scope));
  CHECK_FALSE(p->matches("/srv/aXb+c/report.py", scope));
  CHECK_FALSE(p->matches("/srv/a.bbc/report.py", scope));
  // A per-call placeholder: expanded and matched with std::regex on each use.
  auto run = TemplateField{*Template::parse("${run_dir}/out/.*", error), "/x"};
  auto q = Pattern::compile(run, fixed, error);
  REQUIRE(q);
  CHECK_FALSE(q->uses_automaton());
  const Vars call{{"run_dir", std::string("/r/run.1")}};
  CHECK(q->matches("/r/run.1/out/x.csv", VarScope{&fixed, &call}));
  CHECK_FALSE(q->matches("/r/runX1/out/x.csv", VarScope{&fixed, &call}));
  CHECK_FALSE(q->matches("/r/run.1/out/x.csv", VarScope{&fixed, nullptr}));
}
