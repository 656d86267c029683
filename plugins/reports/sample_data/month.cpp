#include "month.hpp"

#include <fmt/format.h>

namespace agentsys::sample {

std::optional<Month> Month::parse(std::string_view yyyymm) {
  if (yyyymm.size() != 6) return std::nullopt;
  for (char c : yyyymm) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  auto number = [&](size_t at, size_t n) {
    int v = 0;
    for (size_t i = at; i < at + n; ++i) v = v * 10 + (yyyymm[i] - '0');
    return v;
  };
  Month m{number(0, 4), number(4, 2)};
  if (m.year < 1970 || m.month < 1 || m.month > 12) return std::nullopt;
  return m;
}

Month Month::plus(int delta) const {
  int index = year * 12 + (month - 1) + delta;
  return {index / 12, index % 12 + 1};
}

int Month::days() const {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

int Month::weekday(int day) const {
  // Sakamoto's method (Gregorian calendar).
  static constexpr int kOffset[] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
  int y = month < 3 ? year - 1 : year;
  return (y + y / 4 - y / 100 + y / 400 + kOffset[month - 1] + day) % 7;
}

std::string Month::yyyymm() const { return fmt::format("{:04d}{:02d}", year, month); }

std::string Month::iso_start() const {
  return fmt::format("{:04d}-{:02d}-01T00:00:00.000Z", year, month);
}

}  // namespace agentsys::sample
