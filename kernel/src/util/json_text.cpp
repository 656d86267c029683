#include "util/json_text.hpp"

#include <array>
#include <cstdint>

namespace agentsys {
namespace {

/// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not one.
size_t utf8_sequence(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t c = byte(i);
  size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  }
  uint8_t c1 = byte(i + 1);
  if (n == 3 && ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F)))
    return 0;  // overlong, surrogates
  if (n == 4 && ((c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 > 0x8F)))
    return 0;  // overlong, > U+10FFFF
  return n;
}

/// Bytes that cannot be copied as they are: control characters, '"', '\\' and non-ASCII
/// (checked as UTF-8). A table lookup per byte instead of four comparisons.
constexpr std::array<bool, 256> kNeedsCare = [] {
  std::array<bool, 256> t{};
  for (size_t c = 0; c < 256; ++c) t[c] = c < 0x20 || c >= 0x80 || c == '"' || c == '\\';
  return t;
}();

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t plain = 0;  // start of the pending run of bytes copied as they are (one append per run)
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<uint8_t>(s[i]);
    if (!kNeedsCare[c]) {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      size_t n = utf8_sequence(s, i);
      if (n != 0) {
        i += n;  // valid UTF-8 stays in the run
        continue;
      }
    }
    out.append(s.substr(plain, i - plain));
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default:
        if (c >= 0x80) {
          out.append("\xEF\xBF\xBD");  // U+FFFD for a byte that starts no valid sequence
        } else {
          out.append("\\u00");
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
        }
    }
    plain = ++i;
  }
  out.append(s.substr(plain));
  out.push_back('"');
}

void append_json_string_or_null(std::string& out, std::string_view s) {
  if (s.empty()) {
    out.append("null");
  } else {
    append_json_string(out, s);
  }
}

}  // namespace agentsys
