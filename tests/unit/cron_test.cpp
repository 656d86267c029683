// The V2 scheduler's 5-field cron evaluator (plugins/reports/v2/cron.hpp).
#include <doctest/doctest.h>

#include <stdexcept>

#include "cron.hpp"

namespace rp = agentsys::reports;
using rp::CronSchedule;
using rp::CronTime;

TEST_CASE("cron: day of week (0 = Sunday)") {
  CHECK(rp::day_of_week(1970, 1, 1) == 4);   // Thursday
  CHECK(rp::day_of_week(2026, 3, 1) == 0);   // Sunday
  CHECK(rp::day_of_week(2026, 3, 2) == 1);   // Monday
  CHECK(rp::day_of_week(2024, 2, 29) == 4);  // Thursday
  CHECK(rp::day_of_week(2000, 1, 1) == 6);   // Saturday
}

TEST_CASE("cron: the shipped schedule fires at 06:00 UTC on the 1st") {
  CronSchedule s = CronSchedule::parse("0 6 1 * *");
  CHECK(s.first_in_month(2026, 3) == CronTime{2026, 3, 1, 6, 0});
  CHECK(s.matches({2026, 3, 1, 6, 0}));
  CHECK_FALSE(s.matches({2026, 3, 1, 6, 1}));
  CHECK_FALSE(s.matches({2026, 3, 2, 6, 0}));
  for (int m = 1; m <= 12; ++m) CHECK(s.fires_in(2026, m));
}

TEST_CASE("cron: month ends, the 31st in 30-day months, Feb 29") {
  CronSchedule the31st = CronSchedule::parse("0 0 31 * *");
  CHECK(the31st.fires_in(2026, 1));
  CHECK_FALSE(the31st.fires_in(2026, 4));  // 30 days
  CHECK_FALSE(the31st.fires_in(2026, 2));
  CHECK(the31st.fires_in(2026, 12));
  CronSchedule leap = CronSchedule::parse("30 12 29 2 *");
  CHECK(leap.first_in_month(2024, 2) == CronTime{2024, 2, 29, 12, 30});
  CHECK_FALSE(leap.fires_in(2026, 2));
  CHECK(leap.fires_in(2000, 2));        // divisible by 400
  CHECK_FALSE(leap.fires_in(2100, 2));  // divisible by 100 only
  CHECK_FALSE(leap.fires_in(2024, 3));  // month restricted to February
  CronSchedule last_days = CronSchedule::parse("30 23 28-31 * *");
  CHECK(last_days.first_in_month(2026, 2) == CronTime{2026, 2, 28, 23, 30});
  CHECK(last_days.matches({2026, 4, 30, 23, 30}));
  CHECK_FALSE(last_days.matches({2026, 4, 31, 23, 30}));  // no such day
}

TEST_CASE("cron: steps, ranges and lists") {
  CronSchedule quarter = CronSchedule::parse("*/15 * * * *");
  for (int m : {0, 15, 30, 45}) CHECK(quarter.matches({2026, 3, 5, 10, m}));
  for (int m : {1, 10, 14, 59}) CHECK_FALSE(quarter.matches({2026, 3, 5, 10, m}));
  CronSchedule office = CronSchedule::parse("0 9-17 * * 1-5");
  CHECK(office.matches({2026, 3, 2, 9, 0}));        // Monday
  CHECK(office.matches({2026, 3, 6, 17, 0}));       // Friday
  CHECK_FALSE(office.matches({2026, 3, 7, 9, 0}));  // Saturday
  CHECK_FALSE(office.matches({2026, 3, 2, 18, 0}));
  CHECK(office.first_in_month(2026, 3) == CronTime{2026, 3, 2, 9, 0});  // the 1st is a Sunday
  CronSchedule list = CronSchedule::parse("5,10-20/5 0 1 1,7 *");
  CHECK(list.matches({2026, 7, 1, 0, 5}));
  CHECK(list.matches({2026, 7, 1, 0, 15}));
  CHECK(list.matches({2026, 7, 1, 0, 20}));
  CHECK_FALSE(list.matches({2026, 7, 1, 0, 12}));
  CHECK_FALSE(list.fires_in(2026, 6));
  CronSchedule sunday7 = CronSchedule::parse("0 0 * * 7");
  CHECK(sunday7.matches({2026, 3, 1, 0, 0}));
}

TEST_CASE("cron: day-of-month OR day-of-week when both are restricted (Vixie cron)") {
  CronSchedule either = CronSchedule::parse("0 0 13 * 5");  // the 13th, or any Friday
  CHECK(either.matches_day(2026, 4, 13));                   // a Monday, by day of month
  CHECK(either.matches_day(2026, 4, 10));                   // a Friday, by day of week
  CHECK_FALSE(either.matches_day(2026, 4, 14));
  CHECK(either.first_in_month(2026, 4) == CronTime{2026, 4, 3, 0, 0});  // first Friday
  // A day field starting with '*' is unrestricted: then both must match.
  CronSchedule both = CronSchedule::parse("0 0 */2 * 5");  // odd days that are Fridays
  CHECK(both.matches_day(2026, 4, 3));
  CHECK_FALSE(both.matches_day(2026, 4, 10));
  CHECK_FALSE(both.matches_day(2026, 4, 5));
}

TEST_CASE("cron: invalid expressions are refused with the expression and field named") {
  struct Case {
    const char* expression;
    const char* message;
  };
  for (Case c : {Case{"0 6 1 *", "expected 5 fields"}, Case{"0 6 1 * * *", "expected 5 fields"},
                 Case{"", "expected 5 fields"}, Case{"60 * * * *", "minute field '60'"},
                 Case{"0 24 * * *", "outside 0-23"}, Case{"0 0 0 * *", "outside 1-31"},
                 Case{"0 0 32 * *", "day-of-month"}, Case{"* * * 13 *", "month field"},
                 Case{"* * * * 8", "day-of-week"}, Case{"*/0 * * * *", "bad step"},
                 Case{"a * * * *", "is not a number"}, Case{"5-1 * * * *", "runs backwards"},
                 Case{"1,,2 * * * *", "empty list element"}, Case{"5/2 * * * *", "a step needs"},
                 Case{"-1 * * * *", "bad range"}}) {
    CAPTURE(c.expression);
    CHECK_THROWS_WITH_AS(CronSchedule::parse(c.expression), doctest::Contains(c.message),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(
        CronSchedule::parse(c.expression),
        doctest::Contains((std::string("schedule '") + c.expression + "'").c_str()),
        std::invalid_argument);
  }
}

TEST_CASE("cron: ISO-8601 UTC times for the scheduler's `now`") {
  CHECK(rp::parse_iso_utc("2026-03-01T07:00:00Z") == CronTime{2026, 3, 1, 7, 0});
  CHECK(rp::parse_iso_utc("2026-03-01T07:05:59.999Z") == CronTime{2026, 3, 1, 7, 5});
  CHECK(rp::parse_iso_utc("2026-03-01T07:05+00:00") == CronTime{2026, 3, 1, 7, 5});
  for (const char* bad : {"2026-03-01", "2026-03-01T07:00:00+02:00", "2026-02-30T00:00:00Z",
                          "2026-13-01T00:00:00Z", "2026-03-01T24:00:00Z", "now", ""}) {
    CAPTURE(bad);
    CHECK_FALSE(rp::parse_iso_utc(bad).has_value());
  }
  CHECK(CronTime{2026, 3, 1, 6, 0} < CronTime{2026, 3, 1, 6, 1});
  CHECK(CronTime{2026, 3, 1, 6, 0}.text() == "2026-03-01T06:00Z");
}
