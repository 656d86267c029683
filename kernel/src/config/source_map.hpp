#pragma once
// Where in a file each value of its JSON document was written: JSON pointer -> line:column.
#include <map>
#include <string>
#include <string_view>

namespace agentsys::config {

struct SourcePos {
  int line = 0;  ///< 1-based; 0 when unknown.
  int column = 0;
};

/// `parent` + "/" + `key`, with `~` and `/` escaped as RFC 6901 requires.
std::string pointer_append(std::string_view parent, std::string_view key);

/// True when `pointer` is `prefix` or lies below it ("/a/b" is under "/a", "/ab" is not).
bool pointer_under(std::string_view pointer, std::string_view prefix);

class SourceMap {
 public:
  void set(const std::string& pointer, SourcePos pos);

  /// The position recorded for `pointer`; for a value with none (a key that is missing, an
  /// implicit table) the first recorded position below it, else the nearest one above it.
  [[nodiscard]] SourcePos locate(std::string_view pointer) const;

  [[nodiscard]] const std::map<std::string, SourcePos, std::less<>>& entries() const {
    return entries_;
  }

 private:
  std::map<std::string, SourcePos, std::less<>> entries_;
};

}  // namespace agentsys::config
