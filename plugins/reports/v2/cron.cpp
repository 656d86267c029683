#include "cron.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <stdexcept>
#include <vector>

#include "report_month.hpp"

namespace agentsys::reports {

namespace {

struct FieldSpec {
  const char* name;
  int lo;
  int hi;
};

constexpr FieldSpec kFields[] = {{"minute", 0, 59},
                                 {"hour", 0, 23},
                                 {"day-of-month", 1, 31},
                                 {"month", 1, 12},
                                 {"day-of-week", 0, 7}};

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t pos = text.find(sep, start);
    out.push_back(text.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return out;
}

std::optional<int> number(std::string_view text) {
  if (text.empty() || text.size() > 4) return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

/// Sets the bits of one field; throws with a message naming the field.
template <size_t N>
void parse_field(std::string_view expression, std::string_view text, const FieldSpec& spec,
                 std::bitset<N>& bits) {
  auto fail = [&](const std::string& what) {
    throw std::invalid_argument("schedule '" + std::string(expression) + "': " + spec.name +
                                " field '" + std::string(text) + "': " + what);
  };
  for (std::string_view part : split(text, ',')) {
    if (part.empty()) fail("empty list element");
    int step = 1;
    std::string_view range = part;
    if (size_t slash = part.find('/'); slash != std::string_view::npos) {
      auto s = number(part.substr(slash + 1));
      if (!s || *s == 0) fail("bad step '" + std::string(part.substr(slash + 1)) + "'");
      step = *s;
      range = part.substr(0, slash);
      if (range != "*" && range.find('-') == std::string_view::npos) {
        fail("a step needs '*' or a range before it ('*/" + std::to_string(step) + "' or 'A-B/" +
             std::to_string(step) + "')");
      }
    }
    int first = spec.lo;
    int last = spec.hi;
    if (range != "*") {
      if (size_t dash = range.find('-'); dash != std::string_view::npos) {
        auto a = number(range.substr(0, dash));
        auto b = number(range.substr(dash + 1));
        if (!a || !b) fail("bad range '" + std::string(range) + "'");
        first = *a;
        last = *b;
        if (first > last) fail("range '" + std::string(range) + "' runs backwards");
      } else {
        auto v = number(range);
        if (!v) fail("'" + std::string(range) + "' is not a number");
        first = last = *v;
      }
      if (first < spec.lo || last > spec.hi) {
        fail("'" + std::string(range) + "' is outside " + std::to_string(spec.lo) + "-" +
             std::to_string(spec.hi));
      }
    }
    for (int v = first; v <= last; v += step) bits.set(static_cast<size_t>(v));
  }
}

}  // namespace

std::string CronTime::text() const {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02dZ", year, month, day, hour, minute);
  return buf;
}

int day_of_week(int year, int month, int day) {
  // Days since 1970-01-01 (a Thursday), by Howard Hinnant's days_from_civil.
  const int y = year - (month <= 2 ? 1 : 0);
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int mp = (month + 9) % 12;
  const int doy = (153 * mp + 2) / 5 + day - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const long days = static_cast<long>(era) * 146097 + doe - 719468;
  return static_cast<int>(((days % 7) + 7 + 4) % 7);
}

std::optional<CronTime> parse_iso_utc(std::string_view text) {
  // YYYY-MM-DDTHH:MM[:SS[.fff...]](Z|+00:00)
  auto digits = [&](size_t pos, size_t n) -> std::optional<int> {
    if (pos + n > text.size()) return std::nullopt;
    return number(text.substr(pos, n));
  };
  if (text.size() < 17) return std::nullopt;
  auto y = digits(0, 4);
  auto mo = digits(5, 2);
  auto d = digits(8, 2);
  auto h = digits(11, 2);
  auto mi = digits(14, 2);
  if (!y || !mo || !d || !h || !mi || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || text[13] != ':') {
    return std::nullopt;
  }
  size_t pos = 16;
  if (pos < text.size() && text[pos] == ':') {
    auto s = digits(pos + 1, 2);
    if (!s || *s > 60) return std::nullopt;
    pos += 3;
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      const size_t start = pos;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
      if (pos == start) return std::nullopt;
    }
  }
  const std::string_view zone = text.substr(pos);
  if (zone != "Z" && zone != "z" && zone != "+00:00") return std::nullopt;
  if (*mo < 1 || *mo > 12 || *d < 1 || *d > days_in_month(*y, *mo) || *h > 23 || *mi > 59) {
    return std::nullopt;
  }
  return CronTime{*y, *mo, *d, *h, *mi};
}

CronTime utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  return CronTime{tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min};
}

CronSchedule CronSchedule::parse(std::string_view expression) {
  CronSchedule s;
  s.expression_ = std::string(expression);
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < expression.size()) {
    while (i < expression.size() && (expression[i] == ' ' || expression[i] == '\t')) ++i;
    size_t start = i;
    while (i < expression.size() && expression[i] != ' ' && expression[i] != '\t') ++i;
    if (i > start) fields.push_back(expression.substr(start, i - start));
  }
  if (fields.size() != 5) {
    throw std::invalid_argument("schedule '" + std::string(expression) +
                                "': expected 5 fields (minute hour day-of-month " +
                                "month day-of-week), got " + std::to_string(fields.size()));
  }
  parse_field(expression, fields[0], kFields[0], s.minutes_);
  parse_field(expression, fields[1], kFields[1], s.hours_);
  parse_field(expression, fields[2], kFields[2], s.days_);
  parse_field(expression, fields[3], kFields[3], s.months_);
  parse_field(expression, fields[4], kFields[4], s.weekdays_);
  if (s.weekdays_.test(7)) s.weekdays_.set(0);  // 7 is Sunday too
  s.days_star_ = fields[2].front() == '*';
  s.weekdays_star_ = fields[4].front() == '*';
  return s;
}

bool CronSchedule::matches_day(int year, int month, int day) const {
  if (!months_.test(static_cast<size_t>(month))) return false;
  if (day < 1 || day > days_in_month(year, month)) return false;
  const bool dom = days_.test(static_cast<size_t>(day));
  const bool dow = weekdays_.test(static_cast<size_t>(day_of_week(year, month, day)));
  if (days_star_ || weekdays_star_) return dom && dow;
  return dom || dow;
}

bool CronSchedule::matches(const CronTime& t) const {
  return minutes_.test(static_cast<size_t>(t.minute)) && hours_.test(static_cast<size_t>(t.hour)) &&
         matches_day(t.year, t.month, t.day);
}

std::optional<CronTime> CronSchedule::first_in_month(int year, int month) const {
  if (!months_.test(static_cast<size_t>(month))) return std::nullopt;
  int hour = -1;
  int minute = -1;
  for (int h = 0; h < 24 && hour < 0; ++h) {
    if (hours_.test(static_cast<size_t>(h))) hour = h;
  }
  for (int m = 0; m < 60 && minute < 0; ++m) {
    if (minutes_.test(static_cast<size_t>(m))) minute = m;
  }
  if (hour < 0 || minute < 0) return std::nullopt;
  for (int d = 1; d <= days_in_month(year, month); ++d) {
    if (matches_day(year, month, d)) return CronTime{year, month, d, hour, minute};
  }
  return std::nullopt;
}

}  // namespace agentsys::reports
