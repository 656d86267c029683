#include "migration/value_normalise.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace agentsys::migration {

namespace {

constexpr double kPow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

/// The whole of `s` as a JSON-like number; nullopt otherwise ("1e3" yes, "0x10", "12 " no).
std::optional<double> parse_number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  double d = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(d)) return std::nullopt;
  return d;
}

/// Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

/// Reads exactly `n` digits at `s[at]`.
bool digits(std::string_view s, size_t at, size_t n, int& out) {
  if (at + n > s.size()) return false;
  int v = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

std::optional<int64_t> scaled_round(double x, int decimals) {
  if (decimals < 0 || decimals > 12 || !std::isfinite(x)) return std::nullopt;
  const double s = x * kPow10[decimals];
  if (!(std::fabs(s) < 4.0e15)) return std::nullopt;
  const double fl = std::floor(s);
  const double frac = s - fl;  // exact for |s| < 2^52
  // x * 10^N is off by at most half an ulp of s: away from the .5 boundary by more than that,
  // the nearest integer of s is the nearest of the exact product, which is what printf rounds.
  if (std::fabs(frac - 0.5) > std::fabs(s) * 4.5e-16 + 1e-300) {
    return static_cast<int64_t>(frac < 0.5 ? fl : fl + 1);
  }
  // Near a tie: let printf decide from the exact decimal expansion.
  char buf[64];
  const int n = std::snprintf(buf, sizeof buf, "%.*f", decimals, x);
  if (n <= 0 || n >= static_cast<int>(sizeof buf)) return std::nullopt;
  int64_t v = 0;
  bool negative = false;
  for (int i = 0; i < n; ++i) {
    if (buf[i] == '-') {
      negative = true;
    } else if (buf[i] >= '0' && buf[i] <= '9') {
      v = v * 10 + (buf[i] - '0');
    }
  }
  return negative ? -v : v;
}

std::optional<int64_t> parse_timestamp_us(std::string_view s) {
  int year = 0, month = 0, day = 0;
  if (!digits(s, 0, 4, year) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, month) ||
      s[7] != '-' || !digits(s, 8, 2, day)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 ||
      static_cast<unsigned>(day) > days_in_month(year, static_cast<unsigned>(month))) {
    return std::nullopt;
  }
  int64_t us = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) *
               86400LL * 1000000LL;
  size_t at = 10;
  if (at == s.size()) return us;
  if (s[at] != 'T' && s[at] != 't' && s[at] != ' ') return std::nullopt;
  ++at;
  int hour = 0, minute = 0, second = 0;
  if (!digits(s, at, 2, hour) || at + 2 >= s.size() || s[at + 2] != ':' ||
      !digits(s, at + 3, 2, minute)) {
    return std::nullopt;
  }
  at += 5;
  if (at < s.size() && s[at] == ':') {
    if (!digits(s, at + 1, 2, second)) return std::nullopt;
    at += 3;
    if (at < s.size() && (s[at] == '.' || s[at] == ',')) {
      ++at;
      int64_t frac = 0;
      int n = 0;
      while (at < s.size() && s[at] >= '0' && s[at] <= '9') {
        if (n < 6) frac = frac * 10 + (s[at] - '0');
        ++n;
        ++at;
      }
      if (n == 0) return std::nullopt;
      for (int i = n; i < 6; ++i) frac *= 10;
      us += frac;
    }
  }
  if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
  us += ((hour * 60LL + minute) * 60LL + second) * 1000000LL;
  if (at == s.size()) return us;
  if ((s[at] == 'Z' || s[at] == 'z') && at + 1 == s.size()) return us;
  if (s[at] != '+' && s[at] != '-') return std::nullopt;
  const int sign = s[at] == '-' ? -1 : 1;
  int oh = 0, om = 0;
  if (!digits(s, at + 1, 2, oh)) return std::nullopt;
  size_t end = at + 3;
  if (end < s.size()) {
    if (s[end] == ':') ++end;
    if (!digits(s, end, 2, om)) return std::nullopt;
    end += 2;
  }
  if (end != s.size() || oh > 23 || om > 59) return std::nullopt;
  return us - sign * (oh * 60LL + om) * 60LL * 1000000LL;
}

NormalValue normalise(const Cell& cell, const KeyTable& table, const Normalise& steps,
                      std::string& scratch) {
  using Kind = NormalValue::Kind;
  NormalValue out;
  std::optional<double> number;
  switch (cell.kind) {
    case CellKind::absent:
    case CellKind::null: return out;
    case CellKind::boolean:
      out.kind = Kind::boolean;
      out.i = cell.v.i;
      return out;
    case CellKind::integer:
    case CellKind::real: number = cell.number(); break;
    case CellKind::json:
      out.kind = Kind::text;
      out.s = table.text(cell);
      return out;
    case CellKind::string: {
      std::string_view s = table.text(cell);
      if (steps.trim) s = trimmed(s);
      if (steps.empty_null && s.empty()) return out;
      if (steps.number) number = parse_number(trimmed(s));
      if (!number && steps.timestamp != Normalise::Timestamp::none) {
        if (auto us = parse_timestamp_us(s)) {
          out.kind = Kind::instant;
          switch (steps.timestamp) {
            case Normalise::Timestamp::ms: out.i = floor_div(*us, 1000); break;
            case Normalise::Timestamp::s: out.i = floor_div(*us, 1000000); break;
            default: out.i = *us; break;
          }
          return out;
        }
      }
      if (!number) {
        out.kind = Kind::text;
        if (steps.fold_case) {
          scratch.assign(s);
          for (char& c : scratch) {
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
          }
          out.s = scratch;
        } else {
          out.s = s;
        }
        return out;
      }
      break;
    }
  }
  // A number (from the cell, or a numeric string under "number").
  if (steps.decimals >= 0) {
    if (auto scaled = scaled_round(*number, steps.decimals)) {
      out.kind = Kind::scaled;
      out.i = *scaled;
      return out;
    }
    char buf[400];
    const int n = std::snprintf(buf, sizeof buf, "%.*f", steps.decimals, *number);
    scratch.assign(buf, n > 0 ? static_cast<size_t>(std::min<int>(n, sizeof buf - 1)) : 0);
    out.kind = Kind::text;
    out.s = scratch;
    return out;
  }
  out.kind = Kind::number;
  out.d = *number;
  return out;
}

}  // namespace agentsys::migration
