#include "record.hpp"

#include <agentsys/plugin.hpp>

#include <fmt/format.h>
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>

namespace agentsys::telemetry {

namespace {

using json = nlohmann::json;

// Written on every line, in this order, as null when the record lacks them.
constexpr std::array<const char*, 14> kLineFields = {
    "ts",   "level",  "kind",    "trace_id", "run_id",     "task_id",    "module",
    "impl", "action", "attempt", "status",   "latency_ms", "error_code", "message"};

class Checker {
 public:
  /// `index` is the record's position in a batch, or -1 for a single record.
  Checker(const json& record, long index) : r_(record), index_(index) {}

  [[nodiscard]] std::string where() const {
    return index_ < 0 ? std::string("record") : fmt::format("record[{}]", index_);
  }

  [[noreturn]] void fail(const std::string& field, const std::string& expected) const {
    std::string got = r_.contains(field) ? r_.at(field).dump() : "nothing";
    if (got.size() > 80) got = got.substr(0, 77) + "...";
    throw Error(AS_ERR_INVALID_INPUT,
                fmt::format("{}: '{}' must be {}, got {}", where(), field, expected, got));
  }
  [[nodiscard]] const json* get(const std::string& field) const {
    auto it = r_.find(field);
    return it == r_.end() || it->is_null() ? nullptr : &*it;
  }
  /// Optional string (absent or null allowed).
  std::optional<std::string> string(const std::string& field, bool required = false) const {
    const json* v = get(field);
    if (v == nullptr) {
      if (required) fail(field, "a non-empty string");
      return std::nullopt;
    }
    if (!v->is_string()) fail(field, required ? "a non-empty string" : "a string or null");
    if (required && v->get_ref<const std::string&>().empty()) fail(field, "a non-empty string");
    return v->get<std::string>();
  }
  template <std::size_t N>
  std::optional<std::string> one_of(const std::string& field,
                                    const std::array<const char*, N>& allowed,
                                    bool required) const {
    const json* v = get(field);
    std::string list;
    for (const char* a : allowed) list += (list.empty() ? "\"" : "|\"") + std::string(a) + "\"";
    if (v == nullptr) {
      if (required) fail(field, "one of " + list);
      return std::nullopt;
    }
    if (v->is_string()) {
      for (const char* a : allowed) {
        if (v->get_ref<const std::string&>() == a) return std::string(a);
      }
    }
    fail(field, "one of " + list + (required ? "" : " or null"));
  }

 private:
  const json& r_;
  long index_;
};

bool looks_like_rfc3339(const std::string& ts) {
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

Record parse_one(const json& r, long index) {
  Checker c(r, index);
  if (!r.is_object()) {
    throw Error(AS_ERR_INVALID_INPUT,
                fmt::format("{}: must be a JSON object, got {}", c.where(), r.type_name()));
  }
  Record out;
  static constexpr std::array<const char*, 3> kKinds = {"run", "attempt", "event"};
  static constexpr std::array<const char*, 4> kLevels = {"debug", "info", "warn", "error"};
  static constexpr std::array<const char*, 2> kImpls = {"v1", "v2"};
  const std::string kind = *c.one_of("kind", kKinds, true);
  const bool metric = kind != "event";

  if (auto ts = c.string("ts"); ts && !looks_like_rfc3339(*ts)) {
    c.fail("ts", "an RFC 3339 timestamp like \"2026-11-25T10:00:00.123Z\"");
  }
  c.one_of("level", kLevels, false);
  const auto impl = c.one_of("impl", kImpls, false);
  for (const char* f : {"trace_id", "run_id", "task_id", "action", "error_code", "message"}) {
    c.string(f);
  }
  const auto module = c.string("module", metric);
  const auto status = c.string("status", metric);
  if (const json* a = c.get("attempt");
      a != nullptr && (!a->is_number_integer() || (!a->is_number_unsigned() && *a < 0))) {
    c.fail("attempt", "a non-negative integer or null");
  }
  if (const json* l = c.get("latency_ms"); l != nullptr) {
    if (!l->is_number() || !std::isfinite(l->get<double>()) || l->get<double>() < 0) {
      c.fail("latency_ms", "a non-negative number or null");
    }
    out.latency_ms = l->get<double>();
  }

  // The line: the fixed fields first (null when absent), then everything else as given.
  std::string& line = out.line;
  line.reserve(512);
  auto append = [&line](std::string_view key, const json& value) {
    line += line.empty() ? "{\"" : ",\"";
    line += key;  // fixed keys need no escaping; extra keys come pre-escaped
    line += "\":";
    line += value.dump(-1, ' ', false, json::error_handler_t::replace);
  };
  static const json kNull = nullptr;
  static const json kInfo = "info";
  for (const char* f : kLineFields) {
    const std::string_view name = f;
    auto it = r.find(f);
    if (it != r.end() && !it->is_null()) {
      append(name, *it);
    } else if (name == "ts") {
      append(name, utc_now_iso8601());
    } else {
      append(name, name == "level" ? kInfo : kNull);
    }
  }
  for (const auto& [key, value] : r.items()) {
    if (std::find_if(kLineFields.begin(), kLineFields.end(),
                     [&](const char* f) { return key == f; }) != kLineFields.end()) {
      continue;
    }
    const std::string quoted = json(key).dump(-1, ' ', false, json::error_handler_t::replace);
    append(std::string_view(quoted).substr(1, quoted.size() - 2), value);
  }
  line += '}';

  if (metric) {
    out.series = SeriesKey{kind, *module, impl.value_or("")};
    out.status = *status;
  }
  return out;
}

}  // namespace

std::vector<Record> parse_records(std::string_view input_json) {
  json input;
  try {
    input = json::parse(input_json);
  } catch (const json::parse_error& e) {
    throw Error(AS_ERR_INVALID_INPUT, std::string("record: input is not valid JSON: ") + e.what());
  }
  std::vector<Record> records;
  if (input.is_array()) {
    records.reserve(input.size());
    for (std::size_t i = 0; i < input.size(); ++i) {
      records.push_back(parse_one(input[i], static_cast<long>(i)));
    }
  } else if (input.is_object()) {
    records.push_back(parse_one(input, -1));
  } else {
    throw Error(AS_ERR_INVALID_INPUT,
                fmt::format("record: input must be a record object or an array of them, got {}",
                            input.type_name()));
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
