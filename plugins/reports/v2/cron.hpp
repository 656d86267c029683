#pragma once
// 5-field cron expressions in UTC: minute hour day-of-month month day-of-week.
// Each field is a comma list of `*`, `N`, `A-B`, `*/S` or `A-B/S` (day-of-week 0..7, 0 and 7
// both Sunday). Day matching follows Vixie cron: when both day-of-month and day-of-week are
// restricted (neither starts with `*`), a day matches when EITHER matches; otherwise both must.
#include <bitset>
#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace agentsys::reports {

/// A UTC wall-clock time at minute resolution.
struct CronTime {
  int year = 1970;
  int month = 1;  ///< 1..12
  int day = 1;    ///< 1..31
  int hour = 0;
  int minute = 0;
  friend auto operator<=>(const CronTime&, const CronTime&) = default;
  /// "YYYY-MM-DDTHH:MMZ".
  [[nodiscard]] std::string text() const;
};

/// 0 = Sunday .. 6 = Saturday.
int day_of_week(int year, int month, int day);

/// "2026-03-01T07:00:00Z", "2026-03-01T07:00:00.123Z", "2026-03-01T07:00Z" or with "+00:00";
/// seconds are dropped. nullopt for anything else (another offset, an impossible date).
std::optional<CronTime> parse_iso_utc(std::string_view text);

/// The current UTC time.
CronTime utc_now();

class CronSchedule {
 public:
  /// Throws std::invalid_argument naming the expression, the field and what is wrong.
  static CronSchedule parse(std::string_view expression);

  [[nodiscard]] bool matches_day(int year, int month, int day) const;
  [[nodiscard]] bool matches(const CronTime& t) const;
  /// The first time the schedule fires in (year, month), if it does.
  [[nodiscard]] std::optional<CronTime> first_in_month(int year, int month) const;
  [[nodiscard]] bool fires_in(int year, int month) const {
    return first_in_month(year, month).has_value();
  }
  [[nodiscard]] const std::string& expression() const { return expression_; }

 private:
  std::string expression_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;     // 1..31
  std::bitset<13> months_;   // 1..12
  std::bitset<8> weekdays_;  // 0..7, 7 folded into 0
  bool days_star_ = false;
  bool weekdays_star_ = false;
};

}  // namespace agentsys::reports
