#pragma once
// Wall-clock helpers: ISO-8601 UTC timestamps with milliseconds, and epoch milliseconds.
#include <chrono>
#include <cstdint>
#include <string>

namespace agentsys {

/// e.g. "2026-11-25T10:00:00.123Z".
std::string iso8601(std::chrono::system_clock::time_point t);
inline std::string iso8601_now() { return iso8601(std::chrono::system_clock::now()); }

inline int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace agentsys
