#pragma once
// A compact, read-only JSON tree for libpg_query's parse output. nlohmann::json builds a DOM
// about ten times slower than the parser itself produces the text, which would dominate every
// SQL decision; this tree keeps string views into the text and one flat node array.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace agentsys::policy {

class SqlTree {
 public:
  enum class Type : uint8_t { object, array, string, number, literal };
  struct Node {
    Type type;
    std::string_view key;   // member name inside an object (raw, unescaped names only)
    std::string_view text;  // string contents (raw, escapes kept) or the number/literal
    uint32_t first = 0;     // first child (objects and arrays); 0 = none
    uint32_t next = 0;      // next sibling; 0 = none
  };
  static constexpr uint32_t kNone = 0;

  /// Parses `text`. Returns false (and sets `error`) on malformed input.
  bool parse(std::string_view text, std::string& error);

  [[nodiscard]] const Node& node(uint32_t id) const { return nodes_[id]; }
  [[nodiscard]] uint32_t root() const { return 1; }
  /// The child of object `id` named `key`, or kNone.
  [[nodiscard]] uint32_t member(uint32_t id, std::string_view key) const;
  /// A string node's value with JSON escapes resolved.
  [[nodiscard]] std::string string_value(uint32_t id) const;

 private:
  uint32_t value(std::string_view key);
  void skip_ws();
  bool string(std::string_view& out);

  std::string_view text_;
  size_t pos_ = 0;
  int depth_ = 0;
  bool failed_ = false;
  std::vector<Node> nodes_;  // nodes_[0] is a sentinel so that 0 can mean "none"
};

}  // namespace agentsys::policy
