#include "skill_index.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <optional>

#include "parallel.hpp"

namespace agentsys::skills {

namespace {

enum Field { kName, kDescription, kBody, kFields };

bool ascii_letters(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

/// Optimal string alignment distance <= 1 (one insertion, deletion, substitution or adjacent
/// transposition).
bool within_one_edit(std::string_view a, std::string_view b) {
  if (a.size() > b.size()) std::swap(a, b);
  if (b.size() - a.size() > 1) return false;
  size_t i = 0;
  while (i < a.size() && a[i] == b[i]) ++i;
  if (i == a.size()) return true;
  if (a.size() == b.size()) {
    if (a.substr(i + 1) == b.substr(i + 1)) return true;  // substitution
    return i + 1 < a.size() && a[i] == b[i + 1] && a[i + 1] == b[i] &&
           a.substr(i + 2) == b.substr(i + 2);  // transposition
  }
  return a.substr(i) == b.substr(i + 1);  // one insertion into a
}

constexpr size_t kTypoMinLength = 5;

}  // namespace

SkillIndex::SkillIndex(const std::vector<Skill>& skills, const std::vector<std::string>& bodies,
                       std::shared_ptr<const Tokenizer> tokenizer, IndexOptions options)
    : skills_(skills), tokenizer_(std::move(tokenizer)), options_(options) {
  build(bodies);
}

void SkillIndex::build(const std::vector<std::string>& bodies) {
  const size_t n = skills_.size();
  const bool with_body = options_.weights.body > 0 && bodies.size() == n;
  // Per skill, its distinct terms with their counts per field, sorted by term.
  std::vector<std::vector<std::pair<uint32_t, std::array<uint32_t, kFields>>>> counts(n);
  std::vector<std::pair<uint32_t, int>> occurrences;  // (term, field) of one skill
  std::vector<std::array<double, kFields>> lengths(n, {0, 0, 0});
  std::array<double, kFields> total = {0, 0, 0};
  // Tokenising is independent per skill (and most of the work): done several at a time; the
  // vocabulary is then built in skill order, so term ids do not depend on the threads.
  std::vector<std::array<std::vector<Token>, kFields>> tokenised(n);
  for_each_index(n, [&](size_t d) {
    const std::string_view texts[kFields] = {skills_[d].name, skills_[d].description,
                                             with_body ? std::string_view(bodies[d]) : ""};
    for (int f = 0; f < kFields; ++f) tokenizer_->tokenize(texts[f], tokenised[d][f]);
  });
  for (size_t d = 0; d < n; ++d) {
    occurrences.clear();
    for (int f = 0; f < kFields; ++f) {
      const std::vector<Token>& tokens = tokenised[d][f];
      for (const Token& t : tokens) {
        auto [it, fresh] = vocabulary_.try_emplace(t.term, static_cast<uint32_t>(terms_.size()));
        if (fresh) terms_.push_back(t.term);
        occurrences.emplace_back(it->second, f);
      }
      lengths[d][f] = static_cast<double>(tokens.size());
      total[f] += static_cast<double>(tokens.size());
    }
    std::sort(occurrences.begin(), occurrences.end());
    for (const auto& [term, field] : occurrences) {
      if (counts[d].empty() || counts[d].back().first != term)
        counts[d].push_back({term, {0, 0, 0}});
      ++counts[d].back().second[field];
    }
  }
  postings_.assign(terms_.size(), {});
  for (size_t d = 0; d < n; ++d) {
    for (const auto& [term, c] : counts[d])
      postings_[term].push_back({static_cast<uint32_t>(d), 0});
  }
  std::vector<size_t> cursor(n, 0);  // terms are visited in order, as counts[d] holds them
  const double weight[kFields] = {options_.weights.name, options_.weights.description,
                                  with_body ? options_.weights.body : 0.0};
  const double b[kFields] = {options_.b_name, options_.b_description, options_.b_body};
  std::array<double, kFields> average{};
  for (int f = 0; f < kFields; ++f) average[f] = n == 0 ? 1 : std::max(1.0, total[f] / n);
  max_idf_ = std::log(1 + (static_cast<double>(n) + 0.5) / 0.5);
  for (uint32_t term = 0; term < postings_.size(); ++term) {
    const double term_idf = idf(term);
    for (Posting& p : postings_[term]) {
      const auto& c = counts[p.doc][cursor[p.doc]++].second;
      double tf = 0;
      for (int f = 0; f < kFields; ++f) {
        tf += weight[f] * c[f] / (1 - b[f] + b[f] * lengths[p.doc][f] / average[f]);
      }
      p.weight = static_cast<float>(term_idf * tf * (options_.k1 + 1) / (options_.k1 + tf));
    }
  }
  if (!options_.typo_correction) return;
  for (uint32_t term = 0; term < terms_.size(); ++term) {
    const std::string& t = terms_[term];
    if (t.size() < kTypoMinLength || !ascii_letters(t)) continue;
    for (size_t i = 0; i < t.size(); ++i)
      deletions_[t.substr(0, i) + t.substr(i + 1)].push_back(term);
  }
}

double SkillIndex::idf(uint32_t term) const {
  const double n = static_cast<double>(skills_.size());
  const double df = static_cast<double>(postings_[term].size());
  return std::log(1 + (n - df + 0.5) / (df + 0.5));
}

const uint32_t* SkillIndex::find(const std::string& term) const {
  auto it = vocabulary_.find(term);
  return it == vocabulary_.end() ? nullptr : &it->second;
}

const uint32_t* SkillIndex::correct_typo(const std::string& term) const {
  if (term.size() < kTypoMinLength - 1 || !ascii_letters(term)) return nullptr;
  const uint32_t* best = nullptr;
  const auto consider = [&](const uint32_t& candidate) {
    if (!within_one_edit(term, terms_[candidate])) return;
    if (best == nullptr || postings_[candidate].size() > postings_[*best].size()) best = &candidate;
  };
  const auto consider_all = [&](const std::string& key) {
    auto it = deletions_.find(key);
    if (it == deletions_.end()) return;
    for (const uint32_t& candidate : it->second) consider(candidate);
  };
  consider_all(term);  // a letter left out of a known term
  for (size_t i = 0; i < term.size(); ++i) {
    const std::string shorter = term.substr(0, i) + term.substr(i + 1);
    if (const uint32_t* exact = find(shorter); exact != nullptr && shorter.size() >= kTypoMinLength)
      consider(*exact);     // a letter too many
    consider_all(shorter);  // a letter replaced, or two swapped
  }
  return best;
}

ResolvedQuery SkillIndex::resolve(std::string_view text) const {
  std::vector<Token> tokens = tokenizer_->tokenize(text);
  ResolvedQuery q;
  std::map<uint32_t, size_t> slot;  // term -> index in q.terms
  const auto add = [&](uint32_t id, double w, const std::string& surface, std::string note) {
    q.mass += w * idf(id);
    auto [it, fresh] = slot.try_emplace(id, q.terms.size());
    if (fresh) {
      q.terms.push_back({id, w, surface, std::move(note)});
    } else if (w > q.terms[it->second].weight) {
      q.mass -= q.terms[it->second].weight * idf(id);
      q.terms[it->second] = {id, w, surface, std::move(note)};
    } else {
      q.mass -= w * idf(id);  // a repeated term counts once
    }
  };
  std::vector<bool> consumed(tokens.size(), false);
  if (options_.compounds) {
    for (size_t i = 0; i + 1 < tokens.size(); ++i) {
      if (tokens[i].kind != TokenKind::word || tokens[i + 1].kind != TokenKind::word) continue;
      if (find(tokens[i].term) != nullptr && find(tokens[i + 1].term) != nullptr) continue;
      const std::string joined = tokens[i].surface + tokens[i + 1].surface;
      if (const uint32_t* id = find(tokenizer_->normalise_word(joined))) {
        add(*id, options_.compound_weight, tokens[i].surface + " " + tokens[i + 1].surface,
            "read as " + joined);
        consumed[i] = consumed[i + 1] = true;
      }
    }
  }
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (consumed[i]) continue;
    const Token& t = tokens[i];
    const double w = t.kind == TokenKind::glossary ? options_.glossary_weight : 1.0;
    if (const uint32_t* id = find(t.term)) {
      add(*id, w, t.surface, t.kind == TokenKind::glossary ? "glossary" : "");
      continue;
    }
    if (t.kind == TokenKind::word && options_.typo_correction) {
      if (const uint32_t* id = correct_typo(t.term)) {
        add(*id, options_.typo_weight, t.surface, "read as " + terms_[*id]);
        continue;
      }
    }
    ++q.unknown_terms;
    q.mass += max_idf_ * (t.kind == TokenKind::word ? 1.0 : options_.unknown_cjk_weight);
  }
  return q;
}

void SkillIndex::score(const ResolvedQuery& query, std::vector<Scored>& out) const {
  out.clear();
  // One accumulator per skill, reused by the thread; only the skills a term touched are read
  // back and reset.
  thread_local std::vector<float> acc;
  acc.assign(std::max(acc.size(), skills_.size()), 0.0f);
  thread_local std::vector<uint32_t> touched;
  touched.clear();
  for (const ResolvedQuery::Term& t : query.terms) {
    const auto w = static_cast<float>(t.weight);
    for (const Posting& p : postings_[t.id]) {
      if (acc[p.doc] == 0.0f) touched.push_back(p.doc);
      acc[p.doc] += w * p.weight;
    }
  }
  out.reserve(touched.size());
  for (uint32_t d : touched) {
    if (acc[d] > 0) out.push_back({d, acc[d]});
    acc[d] = 0.0f;
  }
}

void SkillIndex::rank_best(std::vector<Scored>& scored, size_t k) const {
  const auto middle = scored.begin() + static_cast<std::ptrdiff_t>(std::min(k, scored.size()));
  // Skills are indexed in name order, so the document number breaks ties by name.
  std::partial_sort(scored.begin(), middle, scored.end(), [](const Scored& a, const Scored& b) {
    return a.score != b.score ? a.score > b.score : a.doc < b.doc;
  });
}

const SkillIndex::Posting* SkillIndex::posting(uint32_t term, uint32_t doc) const {
  const std::vector<Posting>& list = postings_[term];
  auto it = std::lower_bound(list.begin(), list.end(), doc,
                             [](const Posting& p, uint32_t d) { return p.doc < d; });
  return it != list.end() && it->doc == doc ? &*it : nullptr;
}

double SkillIndex::coverage(const ResolvedQuery& query, uint32_t doc) const {
  if (query.mass <= 0) return 0;
  double matched = 0;
  for (const ResolvedQuery::Term& t : query.terms) {
    if (posting(t.id, doc) != nullptr) matched += t.weight * idf(t.id);
  }
  return std::min(1.0, matched / query.mass);
}

std::vector<std::string> SkillIndex::matched(const ResolvedQuery& query, uint32_t doc) const {
  std::vector<std::string> out;
  for (const ResolvedQuery::Term& t : query.terms) {
    if (posting(t.id, doc) == nullptr) continue;
    out.push_back(t.note.empty() ? t.surface : t.surface + " (" + t.note + ")");
  }
  return out;
}

size_t SkillIndex::memory_bytes() const {
  size_t bytes = sizeof(*this);
  for (const Skill& s : skills_) {
    bytes += sizeof(Skill) + s.name.capacity() + s.description.capacity() + s.license.capacity() +
             s.compatibility.capacity() + s.dir.native().capacity() + s.file.native().capacity();
    for (const auto& [k, v] : s.metadata) bytes += 64 + k.capacity() + v.capacity();
    for (const std::string& tool : s.allowed_tools) bytes += sizeof(std::string) + tool.capacity();
  }
  for (const std::string& t : terms_) bytes += 2 * (sizeof(std::string) + t.capacity()) + 32;
  for (const auto& list : postings_) bytes += sizeof(list) + list.capacity() * sizeof(Posting);
  for (const auto& [k, v] : deletions_) {
    bytes += sizeof(std::string) + k.capacity() + sizeof(v) + v.capacity() * 4 + 32;
  }
  return bytes;
}

}  // namespace agentsys::skills
