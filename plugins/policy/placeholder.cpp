#include "placeholder.hpp"

#include <algorithm>

namespace agentsys::policy {

namespace {

bool valid_name(std::string_view name) {
  if (name.empty() || !(name[0] == '_' || (name[0] >= 'a' && name[0] <= 'z'))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  });
}

}  // namespace

const VarValue* VarScope::find(std::string_view name) const {
  if (fixed != nullptr) {
    if (auto it = fixed->find(name); it != fixed->end()) return &it->second;
  }
  if (call != nullptr) {
    if (auto it = call->find(name); it != call->end()) return &it->second;
  }
  return nullptr;
}

std::optional<Template> Template::parse(std::string_view text, std::string& error) {
  Template t;
  t.source_ = std::string(text);
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t open = text.find("${", pos);
    if (open == std::string_view::npos) {
      t.pieces_.push_back({false, std::string(text.substr(pos))});
      break;
    }
    if (open > pos) t.pieces_.push_back({false, std::string(text.substr(pos, open - pos))});
    const size_t close = text.find('}', open + 2);
    if (close == std::string_view::npos) {
      error = "unclosed placeholder '${' at offset " + std::to_string(open);
      return std::nullopt;
    }
    const std::string_view name = text.substr(open + 2, close - open - 2);
    if (!valid_name(name)) {
      error = "bad placeholder name '" + std::string(name) + "' (use [a-z_][a-z0-9_]*)";
      return std::nullopt;
    }
    t.pieces_.push_back({true, std::string(name)});
    if (std::find(t.names_.begin(), t.names_.end(), name) == t.names_.end()) {
      t.names_.emplace_back(name);
    }
    pos = close + 1;
  }
  return t;
}

bool Template::resolvable_with(const Vars& fixed) const {
  return std::all_of(names_.begin(), names_.end(),
                     [&](const std::string& n) { return fixed.find(n) != fixed.end(); });
}

std::optional<std::string> Template::expand(const VarScope& scope, Escape escape,
                                            std::string& missing) const {
  std::string out;
  for (const auto& piece : pieces_) {
    if (!piece.is_var) {
      out += piece.text;
      continue;
    }
    const VarValue* value = scope.find(piece.text);
    const auto* text = value != nullptr ? std::get_if<std::string>(value) : nullptr;
    if (text == nullptr) {
      missing = piece.text;
      return std::nullopt;
    }
    out += escape == Escape::regex ? regex_escape(*text) : *text;
  }
  return out;
}

std::optional<std::vector<std::string>> Template::expand_list(const VarScope& scope,
                                                              std::string& missing) const {
  if (is_single_placeholder()) {
    const VarValue* value = scope.find(pieces_[0].text);
    if (const auto* list =
            value != nullptr ? std::get_if<std::vector<std::string>>(value) : nullptr) {
      return *list;
    }
  }
  auto one = expand(scope, Escape::none, missing);
  if (!one) return std::nullopt;
  return std::vector<std::string>{std::move(*one)};
}

std::string regex_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

}  // namespace agentsys::policy
