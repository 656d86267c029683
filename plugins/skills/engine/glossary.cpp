#include "glossary.hpp"

#include <algorithm>

namespace agentsys::skills {

namespace {

/// Characters in a UTF-8 string (counting lead bytes).
size_t char_count(std::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace

void Glossary::add(std::string_view phrase, std::string_view english) {
  if (phrase.empty() || english.empty()) return;
  entries_[std::string(phrase)].emplace_back(english);
  longest_ = std::max(longest_, char_count(phrase));
}

void Glossary::match(std::string_view text, const std::vector<size_t>& char_offsets,
                     std::vector<std::string_view>& english) const {
  if (entries_.empty() || char_offsets.size() < 2) return;
  const size_t chars = char_offsets.size() - 1;
  size_t covered_until = 0;  // a shorter phrase inside a longer match adds nothing
  for (size_t start = 0; start < chars; ++start) {
    const size_t max_len = std::min(longest_, chars - start);
    for (size_t len = max_len; len >= 1; --len) {
      if (start + len <= covered_until) break;
      const size_t from = char_offsets[start];
      auto it = entries_.find(std::string(text.substr(from, char_offsets[start + len] - from)));
      if (it == entries_.end()) continue;
      for (const std::string& words : it->second) english.emplace_back(words);
      covered_until = start + len;
      break;
    }
  }
}

}  // namespace agentsys::skills
