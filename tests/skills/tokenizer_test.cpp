// The ranking tokenizer (plugins/skills/engine/tokenizer.hpp): English words lowercased,
// stop words dropped and stemmed; CJK runs as overlapping bigrams; glossary phrases adding
// their English words.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "glossary.hpp"
#include "tokenizer.hpp"

using namespace agentsys::skills;

namespace {

std::vector<std::string> terms(const std::vector<Token>& tokens) {
  std::vector<std::string> out;
  for (const Token& t : tokens) out.push_back(t.term);
  return out;
}

std::vector<std::string> terms_of(const Tokenizer& tokenizer, std::string_view text) {
  return terms(tokenizer.tokenize(text));
}

std::vector<std::string> terms_of_kind(const std::vector<Token>& tokens, TokenKind kind) {
  std::vector<std::string> out;
  for (const Token& t : tokens)
    if (t.kind == kind) out.push_back(t.term);
  return out;
}

using Terms = std::vector<std::string>;

}  // namespace

TEST_CASE("tokenizer: English words are lowercased, stop words dropped, stems shared") {
  const Tokenizer tok;
  CHECK(terms_of(tok, "Deploy") == Terms{"deploy"});
  CHECK(terms_of(tok, "the report and the chart") == Terms{"report", "chart"});
  CHECK(terms_of(tok, "Can you please help me with this?").empty());
  // Stemming: inflections meet on one term.
  CHECK(terms_of(tok, "reports") == terms_of(tok, "report"));
  CHECK(terms_of(tok, "Reporting") == terms_of(tok, "report"));
  CHECK(terms_of(tok, "deployments") == terms_of(tok, "deployment"));
  CHECK(tok.normalise_word("reports") == "report");
  // Punctuation splits words; an apostrophe does not.
  CHECK(terms_of(tok, "sales,csv;pdf") == Terms{"sale", "csv", "pdf"});
  CHECK(terms_of(tok, "don't") == Terms{});  // "dont" is a stop word
  // The surface keeps the word as written (lowercased), the term is the stem.
  const std::vector<Token> t = tok.tokenize("Reports");
  REQUIRE(t.size() == 1);
  CHECK(t[0].term == "report");
  CHECK(t[0].surface == "reports");
  CHECK(t[0].kind == TokenKind::word);
}

TEST_CASE("tokenizer: numbers alone and single letters are dropped, v2 is kept") {
  const Tokenizer tok;
  CHECK(terms_of(tok, "invoice 2024 12 v2 x") == Terms{tok.normalise_word("invoice"), "v2"});
  CHECK(terms_of(tok, "2024-12-01").empty());
  CHECK(terms_of(tok, "S3 bucket") == Terms{"s3", "bucket"});
}

TEST_CASE("tokenizer: full-width ASCII is folded to ASCII") {
  const Tokenizer tok;
  // "ＲＥＰＯＲＴＳ　ｖ２" in full-width forms (U+FF32 ...), with an ideographic space.
  CHECK(terms_of(tok,
                 "\xEF\xBC\xB2\xEF\xBC\xA5\xEF\xBC\xB0\xEF\xBC\xAF\xEF\xBC\xB2\xEF\xBC\xB4"
                 "\xEF\xBC\xB3\xE3\x80\x80\xEF\xBD\x96\xEF\xBC\x92") == Terms{"report", "v2"});
}

TEST_CASE("tokenizer: accented Latin letters stay inside the word") {
  const Tokenizer tok({.stem = false, .stop_words = true, .cjk_bigrams = true});
  CHECK(terms_of(tok, "café résumé") == Terms{"café", "résumé"});
}

TEST_CASE("tokenizer: CJK runs become overlapping bigrams") {
  const Tokenizer tok;
  const std::vector<Token> t = tok.tokenize("运营报告");
  CHECK(terms(t) == Terms{"运营", "营报", "报告"});
  for (const Token& token : t) CHECK(token.kind == TokenKind::cjk);
  // A single character is a unigram.
  CHECK(terms_of(tok, "报") == Terms{"报"});
  // Punctuation ends a run: two runs, each bigrammed on its own.
  CHECK(terms_of(tok, "运营，报告") == Terms{"运营", "报告"});
  // Kana and Hangul are CJK too.
  CHECK(terms_of(tok, "テスト") == Terms{"テス", "スト"});
  CHECK(terms_of(tok, "한국어") == Terms{"한국", "국어"});
}

TEST_CASE("tokenizer: Chinese function-word bigrams are dropped") {
  const Tokenizer tok;
  CHECK(terms_of(tok, "帮我") == Terms{});
  CHECK(terms_of(tok, "帮我写报告") == Terms{"我写", "写报", "报告"});
  CHECK(terms_of(tok, "我们怎么部署") == Terms{"们怎", "么部", "部署"});
  // Without stop words, they stay.
  const Tokenizer keep({.stem = true, .stop_words = false, .cjk_bigrams = true});
  CHECK(terms_of(keep, "帮我写") == Terms{"帮我", "我写"});
}

TEST_CASE("tokenizer: mixed English and Chinese text") {
  const Tokenizer tok;
  const std::vector<Token> t = tok.tokenize("V2 的切换");
  CHECK(terms(t) == Terms{"v2", "的切", "切换"});
  REQUIRE(t.size() == 3);
  CHECK(t[0].kind == TokenKind::word);
  CHECK(t[1].kind == TokenKind::cjk);
  // No space between scripts: the word ends where the run starts, and the other way round.
  CHECK(terms_of(tok, "导出CSV文件") == Terms{"导出", "csv", "文件"});
  CHECK(terms_of(tok, "部署Deployments") == Terms{"部署", "deploy"});
}

TEST_CASE("tokenizer: glossary phrases add their English words as glossary tokens") {
  auto glossary = std::make_shared<Glossary>();
  glossary->add("回滚", "rollback");
  glossary->add("周报", "Weekly Report");
  const Tokenizer tok({}, glossary);

  const std::vector<Token> t = tok.tokenize("回滚");
  CHECK(terms(t) == Terms{"回滚", "rollback"});
  REQUIRE(t.size() == 2);
  CHECK(t[0].kind == TokenKind::cjk);
  CHECK(t[1].kind == TokenKind::glossary);
  CHECK(t[1].term == tok.normalise_word("rollback"));
  CHECK(t[1].surface == "rollback");

  // Inside a longer run; several words, lowercased and stemmed like English text.
  const std::vector<Token> mixed = tok.tokenize("请回滚上周报表和周报");
  const std::string weekly = tok.normalise_word("weekly");
  CHECK(terms_of_kind(mixed, TokenKind::glossary) ==
        Terms{"rollback", weekly, "report", weekly, "report"});
  // "上周报表" holds 周报 across two words: the glossary matches characters, not words.

  // Without a glossary (or a phrase not in it) there are no glossary tokens.
  CHECK(terms_of_kind(Tokenizer().tokenize("回滚"), TokenKind::glossary).empty());
  CHECK(terms_of_kind(tok.tokenize("部署"), TokenKind::glossary).empty());
  // English text is not looked up in the glossary.
  CHECK(terms_of_kind(tok.tokenize("rollback"), TokenKind::glossary).empty());
}

TEST_CASE("tokenizer: the longest glossary phrase wins over one it contains") {
  auto glossary = std::make_shared<Glossary>();
  glossary->add("数据", "data");
  glossary->add("数据库", "database");
  glossary->add("库存", "inventory");
  const Tokenizer tok({.stem = false, .stop_words = true, .cjk_bigrams = true}, glossary);
  CHECK(terms_of_kind(tok.tokenize("数据库"), TokenKind::glossary) == Terms{"database"});
  CHECK(terms_of_kind(tok.tokenize("数据"), TokenKind::glossary) == Terms{"data"});
  // A phrase overlapping the end of a longer match (库存 after 数据库) still matches.
  CHECK(terms_of_kind(tok.tokenize("数据库存"), TokenKind::glossary) ==
        Terms{"database", "inventory"});
  // A phrase given twice keeps both readings.
  glossary->add("数据", "dataset");
  CHECK(terms_of_kind(tok.tokenize("数据"), TokenKind::glossary) == Terms{"data", "dataset"});
  CHECK(glossary->size() == 3);
}

TEST_CASE("tokenizer: options turn stemming and bigrams off") {
  const Tokenizer plain({.stem = false, .stop_words = true, .cjk_bigrams = true});
  CHECK(terms_of(plain, "Reports deployed") == Terms{"reports", "deployed"});
  CHECK(plain.normalise_word("reports") == "reports");

  const Tokenizer unigrams({.stem = true, .stop_words = true, .cjk_bigrams = false});
  const std::vector<Token> t = unigrams.tokenize("运营报告");
  CHECK(terms(t) == Terms{"运", "营", "报", "告"});
  for (const Token& token : t) CHECK(token.kind == TokenKind::cjk);

  const Tokenizer no_stop({.stem = true, .stop_words = false, .cjk_bigrams = true});
  CHECK(terms_of(no_stop, "the report") == Terms{"the", "report"});
}

TEST_CASE("tokenizer: invalid UTF-8 bytes split words and are not tokens") {
  const Tokenizer tok;
  CHECK(terms_of(tok, "report\xFF\xFEsales") == Terms{"report", "sale"});
  CHECK(terms_of(tok, "\xE8\xBF") == Terms{});  // a truncated CJK character
  CHECK(tok.tokenize("").empty());
}
