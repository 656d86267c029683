#include "tokenizer.hpp"

#include <libstemmer.h>

#include <algorithm>
#include <cctype>
#include <unordered_map>
#include <unordered_set>

namespace agentsys::skills {

namespace {

// Function words that carry no intent; BM25's idf discounts frequent words already, but a
// request made of them alone ("can you help me with this") must match nothing.
const std::unordered_set<std::string_view>& english_stop_words() {
  static const std::unordered_set<std::string_view> kWords = {
      "a",        "about",  "above",   "after", "again",   "all",    "also",  "am",
      "an",       "and",    "any",     "are",   "as",      "at",     "be",    "because",
      "been",     "before", "being",   "below", "between", "both",   "but",   "by",
      "can",      "could",  "did",     "do",    "does",    "doing",  "done",  "down",
      "during",   "each",   "for",     "from",  "further", "get",    "got",   "had",
      "has",      "have",   "having",  "he",    "her",     "here",   "hers",  "him",
      "his",      "how",    "i",       "if",    "in",      "into",   "is",    "it",
      "its",      "itself", "just",    "let",   "me",      "might",  "more",  "most",
      "must",     "my",     "myself",  "need",  "needs",   "no",     "nor",   "not",
      "now",      "of",     "off",     "on",    "once",    "only",   "or",    "other",
      "our",      "ours",   "out",     "over",  "own",     "please", "pls",   "plz",
      "same",     "she",    "should",  "so",    "some",    "such",   "than",  "that",
      "the",      "their",  "theirs",  "them",  "then",    "there",  "these", "they",
      "this",     "those",  "through", "to",    "too",     "under",  "until", "up",
      "us",       "use",    "used",    "using", "very",    "via",    "want",  "was",
      "we",       "were",   "what",    "when",  "where",   "which",  "while", "who",
      "whom",     "why",    "will",    "with",  "would",   "you",    "your",  "yours",
      "yourself", "hi",     "hello",   "hey",   "thanks",  "thank",  "ok",    "okay",
      "help",     "etc",    "eg",      "ie",    "cant",    "dont",   "im",    "ive",
      "isnt",     "doesnt", "wont",    "skill", "skills"};
  return kWords;
}

// Chinese function-word bigrams (pronouns, request phrasing, particles).
const std::unordered_set<std::string_view>& chinese_stop_bigrams() {
  static const std::unordered_set<std::string_view> kBigrams = {
      "帮我", "我们", "你们", "一下", "怎么", "什么", "这个", "那个", "可以", "需要", "请问",
      "如何", "我想", "想要", "一个", "的话", "是不", "不是", "能不", "不能", "能否", "有没",
      "没有", "给我", "请帮", "麻烦", "谢谢", "你好", "为什", "么样", "怎样", "哪些", "一些",
      "这些", "那些", "现在", "然后", "还是", "或者", "以及", "就是", "已经", "应该", "是否",
      "他们", "它们", "自己", "这样", "那样", "因为", "所以", "但是", "如果", "的时", "时候"};
  return kBigrams;
}

/// One code point decoded from `s` at `i` (advanced past it); U+FFFD for a bad byte.
char32_t next_code_point(std::string_view s, size_t& i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > s.size()) {
    ++i;
    return 0xFFFD;
  }
  char32_t cp = len == 1 ? c : c & (0x7F >> len);
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  i += len;
  return cp;
}

bool is_cjk(char32_t cp) {
  return (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x3040 && cp <= 0x30FF) ||
         (cp >= 0xAC00 && cp <= 0xD7AF) || (cp >= 0x20000 && cp <= 0x2FFFF);
}

/// Letters and digits of non-CJK scripts (accented Latin, Cyrillic, ...): not punctuation,
/// symbols or spaces.
bool is_other_letter(char32_t cp) {
  if (cp < 0xC0 || cp == 0xD7 || cp == 0xF7 || cp == 0xFFFD) return false;
  return !(cp >= 0x2000 && cp <= 0x2BFF) && !(cp >= 0x3000 && cp <= 0x303F) &&
         !(cp >= 0xFE30 && cp <= 0xFE4F) && !(cp >= 0xFF00 && cp <= 0xFF65) && !is_cjk(cp);
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

/// libstemmer's stemmers are not thread-safe: one per thread.
struct Stemmer {
  sb_stemmer* handle = sb_stemmer_new("english", "UTF_8");
  ~Stemmer() {
    if (handle != nullptr) sb_stemmer_delete(handle);
  }
  Stemmer() = default;
  Stemmer(const Stemmer&) = delete;
  Stemmer& operator=(const Stemmer&) = delete;
};

std::string stem_now(std::string_view word) {
  thread_local Stemmer stemmer;
  if (stemmer.handle == nullptr || word.size() < 3) return std::string(word);
  const sb_symbol* out =
      sb_stemmer_stem(stemmer.handle, reinterpret_cast<const sb_symbol*>(word.data()),
                      static_cast<int>(word.size()));
  if (out == nullptr) return std::string(word);
  return std::string(reinterpret_cast<const char*>(out),
                     static_cast<size_t>(sb_stemmer_length(stemmer.handle)));
}

/// Stems through a per-thread cache: a catalogue repeats its words many times, and Snowball is
/// most of the cost of indexing. Bounded: cleared when it grows past kStemCacheMax words.
std::string stem(std::string_view word) {
  constexpr size_t kStemCacheMax = 200'000;
  thread_local std::unordered_map<std::string, std::string> cache;
  thread_local std::string key;
  key.assign(word);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  if (cache.size() >= kStemCacheMax) cache.clear();
  return cache.emplace(key, stem_now(word)).first->second;
}

bool all_digits(std::string_view w) {
  return std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

Tokenizer::Tokenizer(TokenizerOptions options, std::shared_ptr<const Glossary> glossary)
    : options_(options), glossary_(std::move(glossary)) {}

std::string Tokenizer::normalise_word(std::string_view word) const {
  return options_.stem ? stem(word) : std::string(word);
}

void Tokenizer::add_word(std::string& word, std::vector<Token>& out, TokenKind kind) const {
  if (word.empty()) return;
  const bool keep = word.size() >= 2 && !all_digits(word) &&
                    !(options_.stop_words && english_stop_words().count(word) != 0);
  if (keep) out.push_back({normalise_word(word), word, kind});
  word.clear();
}

void Tokenizer::add_cjk_run(std::string_view text, const std::vector<size_t>& offsets,
                            std::vector<Token>& out) const {
  const size_t chars = offsets.size() - 1;
  const auto piece = [&](size_t from, size_t len) {
    return text.substr(offsets[from], offsets[from + len] - offsets[from]);
  };
  if (!options_.cjk_bigrams || chars == 1) {
    for (size_t i = 0; i < chars; ++i)
      out.push_back({std::string(piece(i, 1)), std::string(piece(i, 1)), TokenKind::cjk});
  } else {
    for (size_t i = 0; i + 1 < chars; ++i) {
      std::string_view bigram = piece(i, 2);
      if (options_.stop_words && chinese_stop_bigrams().count(bigram) != 0) continue;
      out.push_back({std::string(bigram), std::string(bigram), TokenKind::cjk});
    }
  }
  if (!glossary_) return;
  std::vector<std::string_view> english;
  glossary_->match(text, offsets, english);
  for (std::string_view words : english) {
    std::string word;
    for (char c : words) {
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
        word.push_back(c);
      } else if (c >= 'A' && c <= 'Z') {
        word.push_back(static_cast<char>(c - 'A' + 'a'));
      } else {
        add_word(word, out, TokenKind::glossary);
      }
    }
    add_word(word, out, TokenKind::glossary);
  }
}

void Tokenizer::tokenize(std::string_view text, std::vector<Token>& out) const {
  std::string word;
  std::vector<size_t> run;  // byte offsets of the CJK run's characters
  size_t i = 0;
  while (i < text.size()) {
    const size_t at = i;
    char32_t cp = next_code_point(text, i);
    if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;  // full-width ASCII
    if (is_cjk(cp)) {
      add_word(word, out, TokenKind::word);
      run.push_back(at);
      continue;
    }
    if (!run.empty()) {
      run.push_back(at);
      add_cjk_run(text, run, out);
      run.clear();
    }
    if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
      word.push_back(static_cast<char>(cp));
    } else if (cp >= 'A' && cp <= 'Z') {
      word.push_back(static_cast<char>(cp - 'A' + 'a'));
    } else if (is_other_letter(cp)) {
      append_utf8(word, cp);
    } else if (cp != '\'') {
      add_word(word, out, TokenKind::word);
    }
  }
  add_word(word, out, TokenKind::word);
  if (!run.empty()) {
    run.push_back(text.size());
    add_cjk_run(text, run, out);
  }
}

}  // namespace agentsys::skills
