#include "util/time.hpp"

#include <ctime>

namespace agentsys {
namespace {

void append_decimal(std::string& out, unsigned value, int digits) {
  char buf[8];
  for (int i = digits - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  out.append(buf, static_cast<size_t>(digits));
}

}  // namespace

std::string iso8601(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(t.time_since_epoch());
  const auto secs = floor<seconds>(ms);
  // Every task stamps several records: keep the formatted second and redo only the millis.
  thread_local int64_t cached_second = INT64_MIN;
  thread_local std::string cached_prefix;
  if (secs.count() != cached_second) {
    const std::time_t tt = static_cast<std::time_t>(secs.count());
    std::tm tm{};
    gmtime_r(&tt, &tm);
    cached_prefix.clear();
    append_decimal(cached_prefix, static_cast<unsigned>(tm.tm_year + 1900), 4);
    cached_prefix += '-';
    append_decimal(cached_prefix, static_cast<unsigned>(tm.tm_mon + 1), 2);
    cached_prefix += '-';
    append_decimal(cached_prefix, static_cast<unsigned>(tm.tm_mday), 2);
    cached_prefix += 'T';
    append_decimal(cached_prefix, static_cast<unsigned>(tm.tm_hour), 2);
    cached_prefix += ':';
    append_decimal(cached_prefix, static_cast<unsigned>(tm.tm_min), 2);
    cached_prefix += ':';
    append_decimal(cached_prefix, static_cast<unsigned>(tm.tm_sec), 2);
    cached_second = secs.count();
  }
  std::string out;
  out.reserve(24);
  out += cached_prefix;
  out += '.';
  append_decimal(out, static_cast<unsigned>((ms - secs).count()), 3);
  out += 'Z';
  return out;
}

}  // namespace agentsys
