#pragma once
// The ranking index over a catalogue of skills: BM25F (Robertson and Zaragoza) over the
// name, the description and, optionally, the body, each with its own weight and length
// normalisation. Each posting holds the term's whole BM25F contribution for its skill, so a
// request is scored by adding, per request term, one float per skill holding the term.
//
// Request terms the skills never use are corrected before they are given up: a typo within one
// edit (insertion, deletion, substitution, adjacent transposition) of a known term of five or
// more letters is read as that term ("reprot" -> "report"), and two adjacent words that are one
// known word ("roll back" -> "rollback") are read as it; both count for less than an exact term.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "skill.hpp"
#include "tokenizer.hpp"

namespace agentsys::skills {

struct FieldWeights {
  double name = 3.0;
  double description = 1.0;
  double body = 0.0;  ///< 0: bodies are not read or indexed
};

struct IndexOptions {
  FieldWeights weights;
  double k1 = 1.2;
  double b_name = 0.3;
  double b_description = 0.75;
  double b_body = 0.75;
  bool typo_correction = true;
  bool compounds = true;
  /// How much a request term of each kind counts (exact words and CJK bigrams count 1).
  double glossary_weight = 0.8;
  double typo_weight = 0.7;
  double compound_weight = 0.8;
  /// How much a CJK bigram no skill uses weighs in a request's coverage, relative to an unknown
  /// word (bigrams spanning two words are unknown by nature).
  double unknown_cjk_weight = 0.25;
};

/// A request resolved against the index's vocabulary.
struct ResolvedQuery {
  struct Term {
    uint32_t id = 0;
    double weight = 1.0;
    std::string surface;  ///< as the user wrote it
    std::string note;     ///< "" or how it was read ("typo of report", "glossary")
  };
  std::vector<Term> terms;   ///< distinct known terms
  double mass = 0;           ///< sum of weight x idf over every request term, unknown ones too
  size_t unknown_terms = 0;  ///< terms no skill uses (after corrections)
};

struct Scored {
  uint32_t doc = 0;
  double score = 0;
};

class SkillIndex {
 public:
  /// `bodies` is empty, or holds one body per skill (used when options.weights.body > 0).
  SkillIndex(const std::vector<Skill>& skills, const std::vector<std::string>& bodies,
             std::shared_ptr<const Tokenizer> tokenizer, IndexOptions options);

  [[nodiscard]] ResolvedQuery resolve(std::string_view text) const;
  /// Every skill with a positive score, in no particular order (rank_best orders them).
  void score(const ResolvedQuery& query, std::vector<Scored>& out) const;
  /// Moves the best `k` of `scored` to its front, best first (ties by name); the rest follow in
  /// no order. A partial sort: a request touches most of a large catalogue.
  void rank_best(std::vector<Scored>& scored, size_t k) const;
  /// Share (0..1) of the request's idf mass that `doc` matches.
  [[nodiscard]] double coverage(const ResolvedQuery& query, uint32_t doc) const;
  /// The request terms `doc` matches, as "surface" or "surface (note)".
  [[nodiscard]] std::vector<std::string> matched(const ResolvedQuery& query, uint32_t doc) const;

  [[nodiscard]] size_t size() const { return skills_.size(); }
  [[nodiscard]] const Skill& skill(uint32_t doc) const { return skills_[doc]; }
  [[nodiscard]] const std::vector<Skill>& skills() const { return skills_; }
  [[nodiscard]] const IndexOptions& options() const { return options_; }
  /// An estimate of the heap the index holds (skills, vocabulary, postings, typo table).
  [[nodiscard]] size_t memory_bytes() const;

 private:
  struct Posting {
    uint32_t doc;
    float weight;  ///< idf x saturated BM25F term frequency
  };
  void build(const std::vector<std::string>& bodies);
  [[nodiscard]] double idf(uint32_t term) const;
  [[nodiscard]] const uint32_t* find(const std::string& term) const;
  [[nodiscard]] const uint32_t* correct_typo(const std::string& term) const;
  [[nodiscard]] const Posting* posting(uint32_t term, uint32_t doc) const;

  std::vector<Skill> skills_;
  std::shared_ptr<const Tokenizer> tokenizer_;
  IndexOptions options_;
  std::unordered_map<std::string, uint32_t> vocabulary_;
  std::vector<std::string> terms_;
  std::vector<std::vector<Posting>> postings_;                        ///< by term, sorted by doc
  std::unordered_map<std::string, std::vector<uint32_t>> deletions_;  ///< one-deletion variants
  double max_idf_ = 1;
};

}  // namespace agentsys::skills
