#include "record.hpp"

#include <fmt/format.h>
#include <simdjson.h>
#include <agentsys/plugin.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>

namespace agentsys::telemetry {

namespace {

namespace dom = simdjson::dom;

// Written on every line, in this order, as null when the record lacks them.
enum Field : std::size_t {
  kTs,
  kLevel,
  kKind,
  kTraceId,
  kRunId,
  kTaskId,
  kModule,
  kImpl,
  kAction,
  kAttempt,
  kStatus,
  kLatencyMs,
  kErrorCode,
  kMessage,
  kFieldCount
};
constexpr std::array<std::string_view, kFieldCount> kLineFields = {
    "ts",   "level",  "kind",    "trace_id", "run_id",     "task_id",    "module",
    "impl", "action", "attempt", "status",   "latency_ms", "error_code", "message"};

/// `guess` is tried first: records usually list their fields in the line's order.
std::optional<std::size_t> field_index(std::string_view key, std::size_t guess) {
  if (guess < kFieldCount && kLineFields[guess] == key) return guess;
  for (std::size_t i = 0; i < kFieldCount; ++i) {
    if (kLineFields[i] == key) return i;
  }
  return std::nullopt;
}

/// `{"ts":`, `,"level":`, ...: each fixed key with its punctuation, appended in one go.
const std::array<std::string, kFieldCount>& line_keys() {
  static const auto keys = [] {
    std::array<std::string, kFieldCount> k;
    for (std::size_t i = 0; i < kFieldCount; ++i) {
      k[i] = (i == 0 ? "{\"" : ",\"") + std::string(kLineFields[i]) + "\":";
    }
    return k;
  }();
  return keys;
}

const char* type_name(const dom::element& e) {
  switch (e.type()) {
    case dom::element_type::ARRAY: return "array";
    case dom::element_type::OBJECT: return "object";
    case dom::element_type::STRING: return "string";
    case dom::element_type::BOOL: return "boolean";
    case dom::element_type::NULL_VALUE: return "null";
    default: return "number";
  }
}

/// A record's fields: the known ones by position (the last one wins, as with any JSON
/// reader), the others in input order.
class Fields {
 public:
  Fields(dom::object object, long index) : index_(index) {
    std::size_t next = 0;
    for (dom::key_value_pair kv : object) {
      if (auto i = field_index(kv.key, next)) {
        known_[*i] = kv.value;
        next = *i + 1;
      } else {
        extra_.emplace_back(kv.key, kv.value);
      }
    }
  }

  [[nodiscard]] std::string where() const {
    return index_ < 0 ? std::string("record") : fmt::format("record[{}]", index_);
  }

  [[noreturn]] void fail(Field f, const std::string& expected) const {
    std::string got = known_[f] ? simdjson::minify(*known_[f]) : "nothing";
    if (got.size() > 80) got = got.substr(0, 77) + "...";
    throw Error(AS_ERR_INVALID_INPUT,
                fmt::format("{}: '{}' must be {}, got {}", where(), kLineFields[f], expected, got));
  }

  /// The field's value, or nullopt when absent or null.
  [[nodiscard]] std::optional<dom::element> get(Field f) const {
    if (!known_[f] || known_[f]->is_null()) return std::nullopt;
    return known_[f];
  }

  std::optional<std::string_view> string(Field f, bool required = false) const {
    auto v = get(f);
    if (!v) {
      if (required) fail(f, "a non-empty string");
      return std::nullopt;
    }
    if (!v->is_string()) fail(f, required ? "a non-empty string" : "a string or null");
    std::string_view s = v->get_string().value_unsafe();
    if (required && s.empty()) fail(f, "a non-empty string");
    return s;
  }

  template <std::size_t N>
  std::optional<std::string_view> one_of(Field f, const std::array<std::string_view, N>& allowed,
                                         bool required) const {
    auto v = get(f);
    if (v && v->is_string()) {
      std::string_view s = v->get_string().value_unsafe();
      for (std::string_view a : allowed) {
        if (s == a) return a;
      }
    }
    if (!v && !required) return std::nullopt;
    std::string list;
    for (std::string_view a : allowed) list += fmt::format("{}\"{}\"", list.empty() ? "" : "|", a);
    fail(f, "one of " + list + (required ? "" : " or null"));
  }

  [[nodiscard]] const auto& known() const { return known_; }
  [[nodiscard]] const auto& extra() const { return extra_; }

 private:
  std::array<std::optional<dom::element>, kFieldCount> known_;
  std::vector<std::pair<std::string_view, dom::element>> extra_;
  long index_;
};

/// Bytes written escaped: control characters, '"' and '\\' (a table lookup per byte).
constexpr std::array<bool, 256> kEscaped = [] {
  std::array<bool, 256> t{};
  for (std::size_t c = 0; c < 256; ++c) t[c] = c < 0x20 || c == '"' || c == '\\';
  return t;
}();

/// Appends `text` (valid UTF-8: simdjson checked the whole input) as a JSON string.
void append_json_string(std::string& line, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  line += '"';
  size_t plain = 0;  // start of the run of characters that need no escape
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (!kEscaped[c]) continue;
    line.append(text.substr(plain, i - plain));
    plain = i + 1;
    switch (c) {
      case '"': line += "\\\""; break;
      case '\\': line += "\\\\"; break;
      case '\n': line += "\\n"; break;
      case '\r': line += "\\r"; break;
      case '\t': line += "\\t"; break;
      default:
        line += "\\u00";
        line += kHex[c >> 4];
        line += kHex[c & 0xf];
    }
  }
  line.append(text.substr(plain));
  line += '"';
}

/// Appends a value as compact JSON. Scalars are written directly (this runs for every field of
/// every record); containers, only possible in extra fields, go through simdjson's minifier.
void append_value(std::string& line, const dom::element& v) {
  char buf[32];
  switch (v.type()) {
    case dom::element_type::STRING: append_json_string(line, v.get_string().value_unsafe()); return;
    case dom::element_type::INT64: {
      auto r = std::to_chars(buf, buf + sizeof buf, v.get_int64().value_unsafe());
      line.append(buf, r.ptr);
      return;
    }
    case dom::element_type::UINT64: {
      auto r = std::to_chars(buf, buf + sizeof buf, v.get_uint64().value_unsafe());
      line.append(buf, r.ptr);
      return;
    }
    case dom::element_type::DOUBLE: {
      auto r = std::to_chars(buf, buf + sizeof buf, v.get_double().value_unsafe());
      line.append(buf, r.ptr);
      return;
    }
    case dom::element_type::BOOL: line += v.get_bool().value_unsafe() ? "true" : "false"; return;
    case dom::element_type::NULL_VALUE: line += "null"; return;
    default: line += simdjson::minify(v);
  }
}

bool looks_like_rfc3339(std::string_view ts) {
  // YYYY-MM-DDTHH:MM:SS then optional fraction and a zone (Z or +hh:mm).
  if (ts.size() < 20) return false;
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd";
  for (std::size_t i = 0; i < kShape.size(); ++i) {
    const char c = ts[i];
    if (kShape[i] == 'd' ? (c < '0' || c > '9') : (c != kShape[i] && !(i == 10 && c == 't'))) {
      return false;
    }
  }
  const char last = ts.back();
  return last == 'Z' || last == 'z' || (last >= '0' && last <= '9');
}

/// Validates one record and appends its line (and its sample, if any) to `out`.
void parse_one(dom::element element, long index, Records& out) {
  if (!element.is_object()) {
    throw Error(AS_ERR_INVALID_INPUT,
                fmt::format("{}: must be a JSON object, got {}",
                            index < 0 ? std::string("record") : fmt::format("record[{}]", index),
                            type_name(element)));
  }
  const Fields c(element.get_object().value_unsafe(), index);
  static constexpr std::array<std::string_view, 3> kKinds = {"run", "attempt", "event"};
  static constexpr std::array<std::string_view, 4> kLevels = {"debug", "info", "warn", "error"};
  static constexpr std::array<std::string_view, 2> kImpls = {"v1", "v2"};
  const std::string_view kind = *c.one_of(kKind, kKinds, true);
  const bool metric = kind != "event";

  if (auto ts = c.string(kTs); ts && !looks_like_rfc3339(*ts)) {
    c.fail(kTs, "an RFC 3339 timestamp like \"2026-11-25T10:00:00.123Z\"");
  }
  c.one_of(kLevel, kLevels, false);
  const auto impl = c.one_of(kImpl, kImpls, false);
  for (Field f : {kTraceId, kRunId, kTaskId, kAction, kErrorCode, kMessage}) c.string(f);
  const auto module = c.string(kModule, metric);
  const auto status = c.string(kStatus, metric);
  if (auto a = c.get(kAttempt);
      a && !(a->is_uint64() || (a->is_int64() && a->get_int64().value_unsafe() >= 0))) {
    c.fail(kAttempt, "a non-negative integer or null");
  }
  std::optional<double> latency_ms;
  if (auto l = c.get(kLatencyMs)) {
    double ms = l->is_number() ? l->get_double().value_unsafe() : -1;
    if (!l->is_number() || !std::isfinite(ms) || ms < 0) {
      c.fail(kLatencyMs, "a non-negative number or null");
    }
    latency_ms = ms;
  }

  // The line: the fixed fields first (null when absent), then everything else as given.
  std::string& line = out.lines;
  for (std::size_t i = 0; i < kFieldCount; ++i) {
    line += line_keys()[i];  // fixed keys need no escaping
    if (auto v = c.get(static_cast<Field>(i))) {
      append_value(line, *v);
    } else if (i == kTs) {
      line += '"' + utc_now_iso8601() + '"';
    } else {
      line += i == kLevel ? "\"info\"" : "null";
    }
  }
  for (const auto& [name, value] : c.extra()) {
    // Extra keys are rare (the kernel sends none): escape them the simple way.
    line += ',';
    line += nlohmann::json(name).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    line += ':';
    append_value(line, value);
  }
  line += "}\n";

  if (metric) {
    out.samples.push_back(
        {SeriesKey{std::string(kind), std::string(*module), std::string(impl.value_or(""))},
         std::string(*status), latency_ms});
  }
  ++out.count;
}

}  // namespace

Records parse_records(std::string_view input_json) {
  // One parser per thread: it keeps its buffers between batches.
  thread_local dom::parser parser;
  dom::element input;
  if (auto error = parser.parse(input_json.data(), input_json.size()).get(input)) {
    throw Error(AS_ERR_INVALID_INPUT,
                std::string("record: input is not valid JSON: ") + simdjson::error_message(error));
  }
  Records records;
  records.lines.reserve(input_json.size() + input_json.size() / 8);  // lines are about as long
  if (input.is_array()) {
    dom::array array = input.get_array().value_unsafe();
    records.samples.reserve(array.size());
    long i = 0;
    for (dom::element e : array) parse_one(e, i++, records);
  } else if (input.is_object()) {
    parse_one(input, -1, records);
  } else {
    throw Error(AS_ERR_INVALID_INPUT,
                fmt::format("record: input must be a record object or an array of them, got {}",
                            type_name(input)));
  }
  return records;
}

std::string utc_now_iso8601() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::time_t t = system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

}  // namespace agentsys::telemetry
