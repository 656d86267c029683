#include "sql_tree.hpp"

namespace agentsys::policy {

namespace {
constexpr int kMaxDepth = 10000;  // libpg_query bounds nesting itself; this is a backstop
}  // namespace

void SqlTree::skip_ws() {
  while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' || text_[pos_] == '\t' ||
                                 text_[pos_] == '\r')) {
    ++pos_;
  }
}

bool SqlTree::string(std::string_view& out) {
  // At the opening quote; the contents keep their escapes (resolved on demand).
  const size_t start = ++pos_;
  for (;;) {
    const size_t quote = text_.find('"', pos_);
    if (quote == std::string_view::npos) return false;
    size_t backslashes = 0;  // an odd run of backslashes escapes the quote
    while (quote - backslashes > start && text_[quote - backslashes - 1] == '\\') ++backslashes;
    pos_ = quote + 1;
    if (backslashes % 2 == 0) {
      out = text_.substr(start, quote - start);
      return true;
    }
  }
}

uint32_t SqlTree::value(std::string_view key) {
  skip_ws();
  if (failed_ || pos_ >= text_.size() || ++depth_ > kMaxDepth) {
    failed_ = true;
    return kNone;
  }
  const auto id = static_cast<uint32_t>(nodes_.size());
  nodes_.push_back({Type::literal, key, {}, 0, 0});
  const char c = text_[pos_];
  if (c == '{' || c == '[') {
    const bool object = c == '{';
    nodes_[id].type = object ? Type::object : Type::array;
    ++pos_;
    skip_ws();
    uint32_t last = kNone;
    if (pos_ < text_.size() && text_[pos_] == (object ? '}' : ']')) {
      ++pos_;
    } else {
      while (!failed_) {
        std::string_view member_key;
        if (object) {
          skip_ws();
          if (pos_ >= text_.size() || text_[pos_] != '"' || !string(member_key)) break;
          skip_ws();
          if (pos_ >= text_.size() || text_[pos_++] != ':') break;
        }
        // Source locations are most of the members and never looked at: skip them unstored.
        if (member_key == "location" || member_key == "stmt_location" || member_key == "stmt_len") {
          skip_ws();
          if (pos_ < text_.size() && text_[pos_] == '-') ++pos_;
          while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
          skip_ws();
          if (pos_ < text_.size() && text_[pos_] == ',') {
            ++pos_;
            continue;
          }
          if (pos_ < text_.size() && text_[pos_] == '}') {
            ++pos_;
            --depth_;
            return id;
          }
          break;
        }
        const uint32_t child = value(member_key);
        if (child == kNone) break;
        if (last == kNone) {
          nodes_[id].first = child;
        } else {
          nodes_[last].next = child;
        }
        last = child;
        skip_ws();
        if (pos_ < text_.size() && text_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (pos_ < text_.size() && text_[pos_] == (object ? '}' : ']')) {
          ++pos_;
          --depth_;
          return id;
        }
        break;
      }
      failed_ = true;
      return kNone;
    }
  } else if (c == '"') {
    nodes_[id].type = Type::string;
    std::string_view s;
    if (!string(s)) {
      failed_ = true;
      return kNone;
    }
    nodes_[id].text = s;
  } else {
    const size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '}' && text_[pos_] != ']' &&
           text_[pos_] != ' ' && text_[pos_] != '\n') {
      ++pos_;
    }
    if (pos_ == start) {
      failed_ = true;
      return kNone;
    }
    nodes_[id].type = (c == '-' || (c >= '0' && c <= '9')) ? Type::number : Type::literal;
    nodes_[id].text = text_.substr(start, pos_ - start);
  }
  --depth_;
  return id;
}

bool SqlTree::parse(std::string_view text, std::string& error) {
  text_ = text;
  pos_ = 0;
  depth_ = 0;
  failed_ = false;
  nodes_.clear();
  nodes_.reserve(text.size() / 16 + 8);
  nodes_.push_back({Type::literal, {}, {}, 0, 0});
  value({});
  skip_ws();
  if (failed_ || pos_ != text_.size()) {
    error = "malformed parse tree JSON near offset " + std::to_string(pos_);
    return false;
  }
  return true;
}

uint32_t SqlTree::member(uint32_t id, std::string_view key) const {
  if (nodes_[id].type != Type::object) return kNone;
  for (uint32_t c = nodes_[id].first; c != kNone; c = nodes_[c].next) {
    if (nodes_[c].key == key) return c;
  }
  return kNone;
}

std::string SqlTree::string_value(uint32_t id) const {
  const std::string_view s = nodes_[id].text;
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 >= s.size()) {
      out += s[i];
      continue;
    }
    const char e = s[++i];
    switch (e) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'u': {
        if (i + 4 >= s.size()) break;  // truncated escape: drop it
        unsigned cp = 0;
        for (size_t k = 1; k <= 4; ++k) {
          const char h = s[i + k];
          cp = cp * 16 + static_cast<unsigned>(h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
        }
        i += 4;
        // libpg_query escapes only control characters this way: the BMP is enough.
        if (cp < 0x80) {
          out += static_cast<char>(cp);
        } else if (cp < 0x800) {
          out += static_cast<char>(0xC0 | (cp >> 6));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
          out += static_cast<char>(0xE0 | (cp >> 12));
          out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        }
        break;
      }
      default: out += e;  // \" \\ \/
    }
  }
  return out;
}

}  // namespace agentsys::policy
