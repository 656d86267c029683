#include "problems.hpp"

#include <algorithm>
#include <cctype>

namespace agentsys::policy {

std::string dotted_path(const std::string& pointer) {
  if (pointer.empty()) return "(document)";
  std::string out;
  size_t pos = 1;
  while (pos <= pointer.size()) {
    size_t next = pointer.find('/', pos);
    if (next == std::string::npos) next = pointer.size();
    std::string token = pointer.substr(pos, next - pos);
    // Undo the JSON pointer escapes (~1 is '/', ~0 is '~').
    for (size_t i = 0; (i = token.find('~', i)) != std::string::npos; ++i) {
      if (i + 1 < token.size()) token.replace(i, 2, token[i + 1] == '1' ? "/" : "~");
    }
    const bool index = !token.empty() && std::all_of(token.begin(), token.end(), [](char c) {
      return std::isdigit(static_cast<unsigned char>(c)) != 0;
    });
    if (index) {
      out += "[" + token + "]";
    } else {
      if (!out.empty()) out += '.';
      out += token;
    }
    pos = next + 1;
  }
  return out;
}

std::string Problem::text() const { return source + ": " + dotted_path(pointer) + ": " + message; }

void Problems::add(std::string source, std::string pointer, std::string rule, std::string message) {
  list_.push_back({std::move(source), std::move(pointer), std::move(rule), std::move(message)});
}

std::string Problems::text() const {
  std::string out;
  for (const auto& p : list_) {
    if (!out.empty()) out += '\n';
    out += p.text();
  }
  return out;
}

nlohmann::json Problems::to_json() const {
  auto out = nlohmann::json::array();
  for (const auto& p : list_) {
    out.push_back(
        {{"source", p.source}, {"path", p.pointer}, {"rule", p.rule}, {"message", p.message}});
  }
  return out;
}

}  // namespace agentsys::policy
