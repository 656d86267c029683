#pragma once
// A calendar month (UTC), the unit the sample data and the reports are organised by.
#include <optional>
#include <string>
#include <string_view>

namespace agentsys::sample {

struct Month {
  int year = 2026;
  int month = 2;  ///< 1..12

  /// "YYYYMM" with year 1970..9999 and month 01..12; nullopt for anything else ("2026-02",
  /// "202613", " 202602").
  static std::optional<Month> parse(std::string_view yyyymm);

  /// This month moved by `delta` months (negative goes back).
  [[nodiscard]] Month plus(int delta) const;
  [[nodiscard]] int days() const;
  /// Day of the week of day `day` (1-based) of this month: 0 = Sunday ... 6 = Saturday.
  [[nodiscard]] int weekday(int day) const;
  /// "202602"
  [[nodiscard]] std::string yyyymm() const;
  /// "2026-02-01T00:00:00.000Z": how started_at values of the month begin (and compare).
  [[nodiscard]] std::string iso_start() const;

  friend bool operator==(const Month&, const Month&) = default;
};

}  // namespace agentsys::sample
