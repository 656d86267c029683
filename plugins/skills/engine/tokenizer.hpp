#pragma once
// Tokenisation for ranking, the same for skills and requests, in English and Chinese:
// - Latin text: words of letters and digits, ASCII lowercased (full-width forms folded),
//   English stop words dropped, Snowball-stemmed (libstemmer: "reports" = "report");
//   numbers alone are dropped (ids, months), "v2" is kept;
// - CJK runs (Han, kana, Hangul): overlapping character bigrams (a lone character stays a
//   unigram), Chinese function-word bigrams dropped, plus the English words of the glossary
//   phrases found in the run (kind glossary).
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "glossary.hpp"

namespace agentsys::skills {

enum class TokenKind { word, cjk, glossary };

struct Token {
  std::string term;     ///< the indexed form (stemmed word, bigram)
  std::string surface;  ///< as written (for the reason shown to users)
  TokenKind kind = TokenKind::word;
};

struct TokenizerOptions {
  bool stem = true;
  bool stop_words = true;
  bool cjk_bigrams = true;  ///< false: each CJK character is a token (unigrams)
};

class Tokenizer {
 public:
  explicit Tokenizer(TokenizerOptions options = {},
                     std::shared_ptr<const Glossary> glossary = nullptr);

  /// Appends the tokens of `text` to `out`. Thread-safe.
  void tokenize(std::string_view text, std::vector<Token>& out) const;
  [[nodiscard]] std::vector<Token> tokenize(std::string_view text) const {
    std::vector<Token> out;
    tokenize(text, out);
    return out;
  }
  /// The indexed form of one English word (lowercase ASCII expected).
  [[nodiscard]] std::string normalise_word(std::string_view word) const;
  [[nodiscard]] const TokenizerOptions& options() const { return options_; }

 private:
  void add_word(std::string& word, std::vector<Token>& out, TokenKind kind) const;
  void add_cjk_run(std::string_view text, const std::vector<size_t>& offsets,
                   std::vector<Token>& out) const;

  TokenizerOptions options_;
  std::shared_ptr<const Glossary> glossary_;
};

}  // namespace agentsys::skills
