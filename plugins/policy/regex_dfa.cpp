// GCC 12 warns about std::function members of std::regex's NFA states being used
// uninitialised when building with the sanitizers (a known false positive).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "regex_dfa.hpp"

#include <bitset>
#include <map>
#include <regex>
#include <string>
#include <utility>

namespace agentsys::policy {

namespace {

constexpr size_t kMaxPositions = 256;  // leaves of the expanded pattern (one byte each)
constexpr size_t kMaxStates = 4096;
constexpr size_t kMaxTable = 65536;  // transitions (states x byte classes): 128 KiB at most
constexpr int kMaxCount = 1000;      // the largest {n,m} bound read

using ByteSet = std::bitset<256>;

/// A set of positions; ordered, so that it can key the map of states.
struct Positions {
  std::array<uint64_t, kMaxPositions / 64> words{};
  void set(size_t p) { words[p / 64] |= uint64_t{1} << (p % 64); }
  [[nodiscard]] bool test(size_t p) const { return ((words[p / 64] >> (p % 64)) & 1U) != 0; }
  [[nodiscard]] bool any() const {
    for (const auto w : words) {
      if (w != 0) return true;
    }
    return false;
  }
  Positions& operator|=(const Positions& o) {
    for (size_t i = 0; i < words.size(); ++i) words[i] |= o.words[i];
    return *this;
  }
  [[nodiscard]] Positions operator&(const Positions& o) const {
    Positions r;
    for (size_t i = 0; i < words.size(); ++i) r.words[i] = words[i] & o.words[i];
    return r;
  }
  auto operator<=>(const Positions&) const = default;
};

/// The parsed pattern. A leaf is one byte out of `bytes`.
struct Ast {
  enum class Kind { leaf, cat, alt, repeat };
  Kind kind = Kind::cat;
  ByteSet bytes;          // leaf
  std::vector<Ast> kids;  // cat, alt; repeat: exactly one
  int min = 0;            // repeat
  int max = 0;            // repeat; -1: unbounded
};

bool nullable(const Ast& a) {
  switch (a.kind) {
    case Ast::Kind::leaf: return false;
    case Ast::Kind::cat:
      for (const auto& k : a.kids) {
        if (!nullable(k)) return false;
      }
      return true;
    case Ast::Kind::alt:
      for (const auto& k : a.kids) {
        if (nullable(k)) return true;
      }
      return false;
    case Ast::Kind::repeat: return a.min == 0 || nullable(a.kids[0]);
  }
  return false;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// Recursive descent over the translated subset; any other construct makes parse() fail.
class Parser {
 public:
  explicit Parser(std::string_view pattern) : p_(pattern) {}

  std::optional<Ast> parse() {
    Ast root;
    if (!alternation(root, true) || i_ != p_.size()) return std::nullopt;
    return root;
  }

 private:
  [[nodiscard]] bool at_end() const { return i_ >= p_.size(); }
  [[nodiscard]] char peek() const { return p_[i_]; }

  bool alternation(Ast& out, bool top) {
    out.kind = Ast::Kind::alt;
    while (true) {
      Ast seq;
      if (!sequence(seq, top)) return false;
      out.kids.push_back(std::move(seq));
      if (at_end() || peek() != '|') return true;
      ++i_;
    }
  }

  bool sequence(Ast& out, bool top) {
    out.kind = Ast::Kind::cat;
    if (top && !at_end() && peek() == '^') {
      ++i_;  // the match starts at the beginning anyway
      if (!at_end() && is_quantifier(peek())) return false;
    }
    while (!at_end() && peek() != '|' && peek() != ')') {
      if (top && peek() == '$' && (i_ + 1 == p_.size() || p_[i_ + 1] == '|')) {
        ++i_;  // the match ends at the end anyway
        break;
      }
      Ast atom_ast;
      if (!atom(atom_ast)) return false;
      if (!at_end() && is_quantifier(peek())) {
        int min = 0;
        int max = 0;
        if (!quantifier(min, max)) return false;
        // libstdc++ cuts short the iterations of a repeat that matched nothing; stay clear of it.
        if (nullable(atom_ast) && (max < 0 || max > 1)) return false;
        Ast rep;
        rep.kind = Ast::Kind::repeat;
        rep.min = min;
        rep.max = max;
        rep.kids.push_back(std::move(atom_ast));
        atom_ast = std::move(rep);
      }
      out.kids.push_back(std::move(atom_ast));
    }
    return true;
  }

  static bool is_quantifier(char c) { return c == '*' || c == '+' || c == '?' || c == '{'; }

  bool number(int& out) {
    if (at_end() || !is_digit(peek())) return false;
    out = 0;
    while (!at_end() && is_digit(peek())) {
      out = out * 10 + (peek() - '0');
      if (out > kMaxCount) return false;
      ++i_;
    }
    return true;
  }

  bool quantifier(int& min, int& max) {
    const char c = p_[i_++];
    if (c == '*') {
      min = 0;
      max = -1;
    } else if (c == '+') {
      min = 1;
      max = -1;
    } else if (c == '?') {
      min = 0;
      max = 1;
    } else {  // '{'
      if (!number(min)) return false;
      max = min;
      if (!at_end() && peek() == ',') {
        ++i_;
        max = -1;
        if (!at_end() && peek() != '}' && !number(max)) return false;
      }
      if (at_end() || peek() != '}') return false;
      ++i_;
      if (max >= 0 && max < min) return false;
    }
    if (!at_end() && peek() == '?') ++i_;       // lazy: the same strings match
    return at_end() || !is_quantifier(peek());  // a repeated quantifier: not ours
  }

  bool atom(Ast& out) {
    const char c = peek();
    if (c == '(') {
      ++i_;
      if (!at_end() && peek() == '?') {
        if (i_ + 1 >= p_.size() || p_[i_ + 1] != ':') return false;  // lookahead
        i_ += 2;
      }
      if (!alternation(out, false) || at_end() || peek() != ')') return false;
      ++i_;
      return true;
    }
    out.kind = Ast::Kind::leaf;
    if (c == '[') {
      size_t j = i_ + 1;
      if (j < p_.size() && p_[j] == '^') ++j;
      const size_t first = j;
      while (true) {
        if (j >= p_.size() || p_[j] == '[') return false;  // POSIX class, collating element
        if (p_[j] == ']') break;
        j += p_[j] == '\\' ? 2 : 1;
      }
      if (j == first) return false;  // [] or [^]
      const std::string_view text = p_.substr(i_, j + 1 - i_);
      i_ = j + 1;
      return probe(text, out.bytes);
    }
    if (c == '\\') {
      if (i_ + 1 >= p_.size()) return false;
      const char e = p_[i_ + 1];
      const bool letter_or_digit = is_digit(e) || (e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z');
      if (letter_or_digit && std::string_view("dDwWsSfnrtv").find(e) == std::string_view::npos) {
        return false;  // back-reference, \b \B, \x \u \c, or an escape std::regex reads its way
      }
      const std::string_view text = p_.substr(i_, 2);
      i_ += 2;
      return probe(text, out.bytes);
    }
    if (c == '.') {
      ++i_;
      return probe(".", out.bytes);
    }
    if (std::string_view("^$*+?{}[]()|").find(c) != std::string_view::npos) return false;
    out.bytes.set(static_cast<unsigned char>(c));  // a literal byte matches itself
    ++i_;
    return true;
  }

  /// The bytes that the one-byte atom `text` matches, asked of std::regex.
  bool probe(std::string_view text, ByteSet& out) {
    if (auto it = probed_.find(text); it != probed_.end()) {
      out = it->second;
      return true;
    }
    try {
      const std::regex re(text.begin(), text.end(), std::regex::ECMAScript);
      for (unsigned b = 0; b < 256; ++b) {
        const char ch = static_cast<char>(b);
        out.set(b, std::regex_match(&ch, &ch + 1, re));
      }
    } catch (const std::regex_error&) {
      return false;
    }
    probed_.emplace(std::string(text), out);
    return true;
  }

  std::string_view p_;
  size_t i_ = 0;
  std::map<std::string, ByteSet, std::less<>> probed_;
};

/// Glushkov's position automaton: each leaf is a position; follow[p] are the positions that may
/// come right after p.
class Positional {
 public:
  struct Info {
    bool nullable = true;
    Positions first;
    Positions last;
  };

  std::vector<ByteSet> bytes;     // per position
  std::vector<Positions> follow;  // per position
  bool ok = true;

  Info build(const Ast& a) {
    Info info;
    if (!ok) return info;
    switch (a.kind) {
      case Ast::Kind::leaf: {
        if (bytes.size() == kMaxPositions) {
          ok = false;
          return info;
        }
        const size_t p = bytes.size();
        bytes.push_back(a.bytes);
        follow.emplace_back();
        info.nullable = false;
        info.first.set(p);
        info.last.set(p);
        return info;
      }
      case Ast::Kind::cat:
        for (const auto& k : a.kids) append(info, build(k));
        return info;
      case Ast::Kind::alt:
        info.nullable = false;
        for (const auto& k : a.kids) {
          const Info i = build(k);
          info.nullable = info.nullable || i.nullable;
          info.first |= i.first;
          info.last |= i.last;
        }
        return info;
      case Ast::Kind::repeat: {
        const Ast& kid = a.kids[0];
        for (int n = 0; n < a.min; ++n) {
          Info copy = build(kid);
          if (a.max < 0 && n + 1 == a.min) loop(copy);  // x{n,} = x{n-1} x+
          append(info, copy);
        }
        if (a.max < 0 && a.min == 0) {
          Info copy = build(kid);  // x*
          loop(copy);
          copy.nullable = true;
          append(info, copy);
        }
        for (int n = a.min; n < a.max; ++n) {
          Info copy = build(kid);  // x{n,m} = x{n} x? ... x?
          copy.nullable = true;
          append(info, copy);
        }
        return info;
      }
    }
    return info;
  }

 private:
  void each(const Positions& set, auto&& f) const {
    for (size_t p = 0; p < bytes.size(); ++p) {
      if (set.test(p)) f(p);
    }
  }

  void append(Info& acc, const Info& next) {
    each(acc.last, [&](size_t p) { follow[p] |= next.first; });
    if (acc.nullable) acc.first |= next.first;
    if (next.nullable) {
      acc.last |= next.last;
    } else {
      acc.last = next.last;
    }
    acc.nullable = acc.nullable && next.nullable;
  }

  void loop(const Info& body) {
    each(body.last, [&](size_t p) { follow[p] |= body.first; });
  }
};

}  // namespace

std::optional<RegexDfa> RegexDfa::compile(std::string_view pattern) {
  auto ast = Parser(pattern).parse();
  if (!ast) return std::nullopt;
  Positional g;
  const Positional::Info root = g.build(*ast);
  if (!g.ok) return std::nullopt;
  const size_t n = g.bytes.size();

  RegexDfa dfa;
  // Bytes that every position accepts or rejects alike behave alike: one column per class.
  std::map<Positions, uint8_t> columns;
  std::vector<unsigned char> representative;
  for (unsigned b = 0; b < 256; ++b) {
    Positions column;
    for (size_t p = 0; p < n; ++p) {
      if (g.bytes[p].test(b)) column.set(p);
    }
    auto [it, added] = columns.emplace(column, static_cast<uint8_t>(columns.size()));
    if (added) representative.push_back(static_cast<unsigned char>(b));
    dfa.byte_class_[b] = it->second;
  }
  dfa.classes_ = static_cast<uint32_t>(representative.size());

  // Subset construction. A state is the set of positions that may read the next byte and
  // whether the bytes read so far match; state 0 (nothing can follow, no match) is dead.
  using Key = std::pair<Positions, bool>;
  std::map<Key, uint16_t> ids;
  std::vector<Key> keys;
  auto id_of = [&](const Key& k) -> std::optional<uint16_t> {
    auto it = ids.find(k);
    if (it != ids.end()) return it->second;
    if (keys.size() == kMaxStates || (keys.size() + 1) * dfa.classes_ > kMaxTable) {
      return std::nullopt;  // also bounds the work of the construction
    }
    const auto id = static_cast<uint16_t>(keys.size());
    ids.emplace(k, id);
    keys.push_back(k);
    return id;
  };
  (void)id_of(Key{Positions{}, false});
  const auto start = id_of(Key{root.first, root.nullable});
  if (!start) return std::nullopt;
  dfa.start_ = *start;
  for (size_t s = 0; s < keys.size(); ++s) {
    const Positions candidates = keys[s].first;  // copied: `keys` grows below
    dfa.accepting_.push_back(keys[s].second ? 1 : 0);
    for (uint32_t c = 0; c < dfa.classes_; ++c) {
      const unsigned char b = representative[c];
      Positions next;
      bool matched = false;
      for (size_t p = 0; p < n; ++p) {
        if (!candidates.test(p) || !g.bytes[p].test(b)) continue;
        next |= g.follow[p];
        matched = matched || root.last.test(p);
      }
      const auto id = id_of(Key{next, matched});
      if (!id) return std::nullopt;
      dfa.next_.push_back(*id);
    }
  }
  return dfa;
}

}  // namespace agentsys::policy
