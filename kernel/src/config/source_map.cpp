#include "config/source_map.hpp"

namespace agentsys::config {

std::string pointer_append(std::string_view parent, std::string_view key) {
  std::string out(parent);
  out.push_back('/');
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool pointer_under(std::string_view pointer, std::string_view prefix) {
  if (pointer.substr(0, prefix.size()) != prefix) return false;
  return pointer.size() == prefix.size() || pointer[prefix.size()] == '/';
}

void SourceMap::set(const std::string& pointer, SourcePos pos) {
  if (pos.line > 0) entries_[pointer] = pos;
}

SourcePos SourceMap::locate(std::string_view pointer) const {
  if (auto it = entries_.find(pointer); it != entries_.end()) return it->second;
  // Entries below `pointer` all start with pointer + "/" and so sort together; take the
  // earliest in the file among them.
  std::string below = std::string(pointer) + "/";
  SourcePos best;
  for (auto it = entries_.lower_bound(below); it != entries_.end(); ++it) {
    if (it->first.compare(0, below.size(), below) != 0) break;
    if (best.line == 0 || it->second.line < best.line ||
        (it->second.line == best.line && it->second.column < best.column)) {
      best = it->second;
    }
  }
  if (best.line > 0) return best;
  std::string parent(pointer);
  while (!parent.empty()) {
    parent.erase(parent.rfind('/'));
    if (auto it = entries_.find(parent); it != entries_.end()) return it->second;
  }
  return {};
}

}  // namespace agentsys::config
