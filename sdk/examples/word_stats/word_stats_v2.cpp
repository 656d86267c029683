// word_stats_v2: an out-of-tree AgentSystem plugin, built against the installed SDK.
//
// Module "word_stats", action "run": counts the words, lines and characters of a text.
//   input:  {"text": "hello brave new world"}
//   output: {"words":4,"lines":1,"chars":21,"bytes":21,"longest_word":"hello"}
//
// - words: maximal runs of non-whitespace (Unicode White_Space separates words);
// - lines: newline-terminated lines, plus a last line without a newline (0 for "");
// - chars: Unicode code points; bytes: UTF-8 bytes;
// - longest_word: the first of the longest words ("" when there is none).
// Other input fields are ignored. Bad input fails with AS_ERR_INVALID_INPUT and says why.
//
// It uses nothing but plugin.hpp and the C++ standard library, so the little JSON it needs is
// read (strictly, RFC 8259, UTF-8 checked) and written by hand below.
#include <agentsys/plugin.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace {

using agentsys::Error;

/// Decodes the UTF-8 sequence at `s[i]` into `cp`; returns its length (1-4), or 0 when the
/// bytes are not well-formed UTF-8 (truncated, overlong, surrogate, above U+10FFFF).
size_t decode_utf8(std::string_view s, size_t i, uint32_t& cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  size_t len = 0;
  uint32_t min = 0;
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  if ((b0 & 0xE0U) == 0xC0U) {
    len = 2;
    cp = b0 & 0x1FU;
    min = 0x80;
  } else if ((b0 & 0xF0U) == 0xE0U) {
    len = 3;
    cp = b0 & 0x0FU;
    min = 0x800;
  } else if ((b0 & 0xF8U) == 0xF0U) {
    len = 4;
    cp = b0 & 0x07U;
    min = 0x10000;
  } else {
    return 0;
  }
  if (s.size() - i < len) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0U) != 0x80U) return 0;
    cp = (cp << 6U) | (b & 0x3FU);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

void append_utf8(std::string& out, uint32_t cp) {
  auto put = [&out](uint32_t byte) { out.push_back(static_cast<char>(byte)); };
  if (cp < 0x80) {
    put(cp);
  } else if (cp < 0x800) {
    put(0xC0U | (cp >> 6U));
    put(0x80U | (cp & 0x3FU));
  } else if (cp < 0x10000) {
    put(0xE0U | (cp >> 12U));
    put(0x80U | ((cp >> 6U) & 0x3FU));
    put(0x80U | (cp & 0x3FU));
  } else {
    put(0xF0U | (cp >> 18U));
    put(0x80U | ((cp >> 12U) & 0x3FU));
    put(0x80U | ((cp >> 6U) & 0x3FU));
    put(0x80U | (cp & 0x3FU));
  }
}

/// Unicode White_Space.
bool is_space(uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

/// Appends `s` (valid UTF-8) to `out` as a JSON string literal.
void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20) {
          out += "\\u00";
          out.push_back(kHex[u >> 4U]);
          out.push_back(kHex[u & 0x0FU]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

/// A strict, minimal JSON reader over one document. Errors throw AS_ERR_INVALID_INPUT naming
/// the byte offset.
class JsonReader {
 public:
  explicit JsonReader(std::string_view doc) : doc_(doc) {}

  [[nodiscard]] char peek() const { return pos_ < doc_.size() ? doc_[pos_] : '\0'; }

  void skip_ws() {
    while (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r') ++pos_;
  }

  /// The JSON type of the value starting at the current position.
  [[nodiscard]] std::string_view next_kind() const {
    switch (peek()) {
      case '"': return "a string";
      case '{': return "an object";
      case '[': return "an array";
      case 't':
      case 'f': return "a boolean";
      case 'n': return "null";
      case '\0': return "nothing";
      default: return "a number";
    }
  }

  /// Reads an object; for each member calls `on_member(key)`, which must consume the value.
  template <class OnMember>
  void read_object(OnMember&& on_member) {
    expect('{');
    skip_ws();
    if (consume('}')) return;
    do {
      skip_ws();
      if (peek() != '"') fail("expected a member name");
      std::string key = read_string();
      skip_ws();
      expect(':');
      skip_ws();
      on_member(key);
      skip_ws();
    } while (consume(','));
    expect('}');
  }

  /// Reads a string value, resolving escapes; the result is valid UTF-8.
  std::string read_string() {
    expect('"');
    std::string out;
    while (true) {
      if (pos_ >= doc_.size()) fail("unterminated string");
      const char c = doc_[pos_];
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c == '\\') {
        ++pos_;
        read_escape(out);
      } else if (static_cast<unsigned char>(c) < 0x20) {
        fail("unescaped control character in a string");
      } else {
        uint32_t cp = 0;
        const size_t len = decode_utf8(doc_, pos_, cp);
        if (len == 0) fail("invalid UTF-8");
        out.append(doc_.substr(pos_, len));
        pos_ += len;
      }
    }
  }

  /// Checks and skips any value.
  void skip_value(int depth = 0) {
    if (depth > kMaxDepth) fail("nesting is too deep");
    switch (peek()) {
      case '"': read_string(); break;
      case '{': read_object([&](const std::string&) { skip_value(depth + 1); }); break;
      case '[':
        ++pos_;
        skip_ws();
        if (consume(']')) break;
        do {
          skip_ws();
          skip_value(depth + 1);
          skip_ws();
        } while (consume(','));
        expect(']');
        break;
      case 't': literal("true"); break;
      case 'f': literal("false"); break;
      case 'n': literal("null"); break;
      default: number();
    }
  }

  /// Fails unless only whitespace is left.
  void finish() {
    skip_ws();
    if (pos_ != doc_.size()) fail("unexpected data after the JSON value");
  }

  [[noreturn]] void fail(std::string_view what) const {
    throw Error(AS_ERR_INVALID_INPUT, "input is not valid JSON: " + std::string(what) +
                                          " at byte " + std::to_string(pos_));
  }

 private:
  static constexpr int kMaxDepth = 256;

  bool consume(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  void expect(char c) {
    if (!consume(c)) fail(std::string("expected '") + c + "'");
  }
  [[nodiscard]] bool at_digit() const { return peek() >= '0' && peek() <= '9'; }

  void literal(std::string_view word) {
    if (doc_.substr(pos_, word.size()) != word) fail("expected a value");
    pos_ += word.size();
  }

  void number() {
    consume('-');
    if (!consume('0')) {
      if (!at_digit()) fail("expected a value");
      while (at_digit()) ++pos_;
    }
    if (consume('.')) {
      if (!at_digit()) fail("expected a digit after '.'");
      while (at_digit()) ++pos_;
    }
    if (consume('e') || consume('E')) {
      if (!consume('+')) consume('-');
      if (!at_digit()) fail("expected a digit in the exponent");
      while (at_digit()) ++pos_;
    }
  }

  uint32_t hex4() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i, ++pos_) {
      const char c = peek();
      uint32_t d = 0;
      if (c >= '0' && c <= '9') {
        d = static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        d = static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        d = static_cast<uint32_t>(c - 'A' + 10);
      } else {
        fail("expected four hex digits after \\u");
      }
      v = (v << 4U) | d;
    }
    return v;
  }

  void read_escape(std::string& out) {
    const char c = peek();
    if (c != 'u' && std::string_view("\"\\/bfnrt").find(c) == std::string_view::npos) {
      fail("invalid escape");
    }
    ++pos_;
    switch (c) {
      case '"': out.push_back('"'); return;
      case '\\': out.push_back('\\'); return;
      case '/': out.push_back('/'); return;
      case 'b': out.push_back('\b'); return;
      case 'f': out.push_back('\f'); return;
      case 'n': out.push_back('\n'); return;
      case 'r': out.push_back('\r'); return;
      case 't': out.push_back('\t'); return;
      default: break;  // 'u'
    }
    uint32_t cp = hex4();
    if (cp >= 0xDC00 && cp <= 0xDFFF) fail("unpaired low surrogate in \\u escape");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      if (!consume('\\') || !consume('u')) fail("unpaired high surrogate in \\u escape");
      const uint32_t low = hex4();
      if (low < 0xDC00 || low > 0xDFFF) fail("unpaired high surrogate in \\u escape");
      cp = 0x10000 + ((cp - 0xD800) << 10U) + (low - 0xDC00);
    }
    append_utf8(out, cp);
  }

  std::string_view doc_;
  size_t pos_ = 0;
};

/// Extracts the string field "text" from the task input.
std::string read_text(std::string_view input_json) {
  JsonReader in(input_json);
  in.skip_ws();
  if (in.peek() != '{') {
    throw Error(AS_ERR_INVALID_INPUT,
                "input must be a JSON object with a string field \"text\", "
                "e.g. {\"text\":\"hello world\"}; got " +
                    std::string(in.next_kind()));
  }
  std::optional<std::string> text;
  in.read_object([&](const std::string& key) {
    if (key != "text") {
      in.skip_value();
    } else if (text) {
      throw Error(AS_ERR_INVALID_INPUT, "field \"text\" appears twice");
    } else if (in.peek() != '"') {
      throw Error(AS_ERR_INVALID_INPUT,
                  "field \"text\" must be a string, got " + std::string(in.next_kind()));
    } else {
      text = in.read_string();
    }
  });
  in.finish();
  if (!text) throw Error(AS_ERR_INVALID_INPUT, "missing string field \"text\"");
  return *text;
}

struct Stats {
  uint64_t words = 0;
  uint64_t lines = 0;
  uint64_t chars = 0;
  uint64_t bytes = 0;
  std::string_view longest_word;

  [[nodiscard]] std::string to_json() const {
    std::string out = "{\"words\":" + std::to_string(words) +
                      ",\"lines\":" + std::to_string(lines) +
                      ",\"chars\":" + std::to_string(chars) +
                      ",\"bytes\":" + std::to_string(bytes) + ",\"longest_word\":";
    append_json_string(out, longest_word);
    out.push_back('}');
    return out;
  }
};

class WordStats {
 public:
  WordStats(agentsys::Host host, std::string_view /*config_json*/) : host_(host) {}

  // Called concurrently (the plugin declares itself thread-safe): touches no shared state.
  std::string invoke(const agentsys::Call& call) {
    if (call.action() != "run") {
      throw Error(AS_ERR_UNSUPPORTED,
                  "unknown action '" + std::string(call.action()) + "' (supported: run)");
    }
    const std::string text = read_text(call.input());
    const Stats stats = count(text, call);
    host_.metric("word_stats_words", static_cast<double>(stats.words), {}, &call);
    return stats.to_json();
  }

 private:
  static constexpr size_t kCancelCheckBytes = size_t{1} << 20U;

  /// `text` is valid UTF-8 (read_text checked it).
  Stats count(std::string_view text, const agentsys::Call& call) const {
    Stats s;
    s.bytes = text.size();
    uint64_t newlines = 0;
    size_t word_start = 0;
    uint64_t word_chars = 0;
    uint64_t longest_chars = 0;
    size_t next_check = kCancelCheckBytes;
    for (size_t i = 0; i <= text.size();) {
      uint32_t cp = ' ';  // a virtual space at the end closes the last word
      size_t len = 1;
      if (i < text.size()) len = decode_utf8(text, i, cp);
      if (is_space(cp)) {
        if (word_chars > longest_chars) {
          longest_chars = word_chars;
          s.longest_word = text.substr(word_start, i - word_start);
        }
        word_chars = 0;
      } else {
        if (word_chars == 0) {
          ++s.words;
          word_start = i;
        }
        ++word_chars;
      }
      if (i < text.size()) {
        ++s.chars;
        if (cp == '\n') ++newlines;
      }
      i += len;
      if (i >= next_check) {  // long texts: stop promptly when the kernel cancels the call
        if (host_.cancelled(call)) throw Error(AS_ERR_CANCELLED, "cancelled");
        next_check = i + kCancelCheckBytes;
      }
    }
    s.lines = text.empty() ? 0 : newlines + (text.back() == '\n' ? 0 : 1);
    return s;
  }

  agentsys::Host host_;
};

}  // namespace

AS_PLUGIN_ENTRY(WordStats, .name = "word_stats_v2", .version = "1.0.0",
                .description = "Counts words, lines and characters of a text (SDK example)",
                .kind = AS_PLUGIN_KIND_DOMAIN, .impl = AS_IMPL_V2, .modules = {"word_stats"},
                .thread_safe = true)
