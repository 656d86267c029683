#include "report_month.hpp"

#include <cstdio>

namespace agentsys::reports {

std::string YearMonth::text() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02d", year, month);
  return buf;
}

std::string YearMonth::dashed() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d", year, month);
  return buf;
}

std::string YearMonth::iso_start() const {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-01T00:00:00.000Z", year, month);
  return buf;
}

YearMonth YearMonth::shifted(int delta) const {
  const int i = index() + delta;
  return YearMonth{i / 12, i % 12 + 1};
}

std::optional<YearMonth> parse_month(std::string_view text) {
  if (text.size() != 6) return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  const int year =
      (text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 + (text[3] - '0');
  const int month = (text[4] - '0') * 10 + (text[5] - '0');
  if (year < 1970 || month < 1 || month > 12) return std::nullopt;
  return YearMonth{year, month};
}

std::optional<std::string> month_param(std::string_view name, const YearMonth& month) {
  if (name == "month_start") return month.iso_start();
  if (name == "next_month_start") return month.shifted(1).iso_start();
  if (name == "prev_month_start") return month.shifted(-1).iso_start();
  return std::nullopt;
}

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

}  // namespace agentsys::reports
