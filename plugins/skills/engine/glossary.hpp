#pragma once
// A bilingual glossary: CJK phrases and the English words they stand for ("回滚" -> "rollback"),
// so that a request written in Chinese meets skills described in English, and a skill described
// in Chinese meets an English request. Phrases are matched inside CJK runs, longest first at each
// position; a phrase's words are then tokenised like English text.
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace agentsys::skills {

class Glossary {
 public:
  /// `phrase` is CJK text, `english` one or more English words. A phrase given twice keeps both.
  void add(std::string_view phrase, std::string_view english);
  [[nodiscard]] bool empty() const { return entries_.empty(); }
  [[nodiscard]] size_t size() const { return entries_.size(); }

  /// The English words of every glossary phrase found in `run`, a run of CJK characters given as
  /// the byte offset of each character (and one past the last) into `text`.
  void match(std::string_view text, const std::vector<size_t>& char_offsets,
             std::vector<std::string_view>& english) const;

 private:
  std::unordered_map<std::string, std::vector<std::string>> entries_;
  size_t longest_ = 0;  ///< in characters
};

}  // namespace agentsys::skills
