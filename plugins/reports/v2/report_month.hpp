#pragma once
// Target months (YYYYMM) and the month parameters a report's queries are bound to
// (docs/reports.md, "Queries").
#include <optional>
#include <string>
#include <string_view>

namespace agentsys::reports {

struct YearMonth {
  int year = 1970;
  int month = 1;  ///< 1..12

  /// "YYYYMM".
  [[nodiscard]] std::string text() const;
  /// "YYYY-MM", as the Markdown heading shows it.
  [[nodiscard]] std::string dashed() const;
  /// 'YYYY-MM-01T00:00:00.000Z': where the month's started_at values begin.
  [[nodiscard]] std::string iso_start() const;
  /// The month `delta` months later (earlier when negative).
  [[nodiscard]] YearMonth shifted(int delta) const;
  /// Months since year 0, for ordering and arithmetic.
  [[nodiscard]] int index() const { return year * 12 + (month - 1); }
  friend bool operator==(const YearMonth&, const YearMonth&) = default;
};

/// "202602" -> {2026, 2}; nullopt for anything else (202613, 2026-02, 20260, a year < 1970).
std::optional<YearMonth> parse_month(std::string_view text);

/// The value of a named month parameter (month_start, next_month_start, prev_month_start) for
/// `month`; nullopt for an unknown name.
std::optional<std::string> month_param(std::string_view name, const YearMonth& month);

/// Days in a month (leap years included).
int days_in_month(int year, int month);

}  // namespace agentsys::reports
