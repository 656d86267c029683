#include "report_job.hpp"

#include <algorithm>
#include <map>

namespace agentsys::reports {
using json = nlohmann::json;

namespace {

constexpr std::string_view kPrefix = "report:";

bool is_name(std::string_view s) {
  if (s.empty() || s.size() > 64 || s[0] < 'a' || s[0] > 'z') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::optional<int> digits(std::string_view s) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  int n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

}  // namespace

std::string JobKey::text() const { return std::string(kPrefix) + report + ":" + month.text(); }

std::optional<JobKey> parse_job_key(std::string_view key) {
  if (!key.starts_with(kPrefix)) return std::nullopt;
  key.remove_prefix(kPrefix.size());
  if (size_t hash = key.find('#'); hash != std::string_view::npos) {
    std::string_view retry = key.substr(hash + 1);
    std::optional<int> n = retry.starts_with("r") ? digits(retry.substr(1)) : std::nullopt;
    if (!n || *n < 2 || retry.substr(1).starts_with("0")) return std::nullopt;
    key = key.substr(0, hash);
  }
  const size_t colon = key.rfind(':');
  if (colon == std::string_view::npos || !is_name(key.substr(0, colon))) return std::nullopt;
  std::optional<YearMonth> month = parse_month(key.substr(colon + 1));
  if (!month) return std::nullopt;
  return JobKey{std::string(key.substr(0, colon)), *month};
}

std::string retry_key(const JobKey& job, size_t run) {
  return job.text() + "#r" + std::to_string(run);
}

std::vector<Job> group_jobs(const json& runs) {
  std::map<std::pair<int, std::string>, Job> by_job;  // (month index, report)
  for (const json& run : runs) {
    const json key = run.value("idempotency_key", json());
    if (!key.is_string()) continue;
    std::optional<JobKey> job = parse_job_key(key.get<std::string>());
    if (!job) continue;
    Job& j = by_job[{job->month.index(), job->report}];
    if (j.runs.empty()) j.key = *job;
    j.runs.push_back(run);
  }
  std::vector<Job> out;
  out.reserve(by_job.size());
  for (auto& [order, job] : by_job) out.push_back(std::move(job));
  return out;
}

std::optional<int64_t> parse_utc_seconds(std::string_view t) {
  // YYYY-MM-DDTHH:MM[:SS[.fff...]]Z
  if (t.size() < 17 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != ' ') ||
      t[13] != ':' || t.back() != 'Z') {
    return std::nullopt;
  }
  auto y = digits(t.substr(0, 4));
  auto mo = digits(t.substr(5, 2));
  auto d = digits(t.substr(8, 2));
  auto h = digits(t.substr(11, 2));
  auto mi = digits(t.substr(14, 2));
  int s = 0;
  size_t pos = 16;
  if (t[pos] == ':') {
    auto sec = digits(t.substr(pos + 1, 2));
    if (!sec || *sec > 59) return std::nullopt;
    s = *sec;
    pos += 3;
    if (t[pos] == '.') {
      ++pos;
      const size_t start = pos;
      while (pos < t.size() && t[pos] >= '0' && t[pos] <= '9') ++pos;
      if (pos == start) return std::nullopt;
    }
  }
  if (pos != t.size() - 1) return std::nullopt;
  if (!y || !mo || !d || !h || !mi || *mo < 1 || *mo > 12 || *d < 1 ||
      *d > days_in_month(*y, *mo) || *h > 23 || *mi > 59) {
    return std::nullopt;
  }
  return days_from_civil(*y, static_cast<unsigned>(*mo), static_cast<unsigned>(*d)) * 86400 +
         *h * 3600 + *mi * 60 + s;
}

std::string format_utc_seconds(int64_t seconds) {
  int64_t days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
  int64_t rest = seconds - days * 86400;
  // civil_from_days (Howard Hinnant)
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned day = doy - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = static_cast<int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0);
  auto pad = [](int64_t v, size_t width) {
    std::string d = std::to_string(v);
    return std::string(d.size() < width ? width - d.size() : 0, '0') + d;
  };
  return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T" + pad(rest / 3600, 2) + ":" +
         pad(rest / 60 % 60, 2) + ":" + pad(rest % 60, 2) + "Z";
}

}  // namespace agentsys::reports
