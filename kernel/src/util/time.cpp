#include "util/time.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace agentsys {

std::string iso8601(std::chrono::system_clock::time_point t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch());
  auto secs = std::chrono::floor<std::chrono::seconds>(ms);
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z",
                     fmt::gmtime(std::chrono::system_clock::to_time_t(
                         std::chrono::system_clock::time_point(secs))),
                     static_cast<int>((ms - secs).count()));
}

}  // namespace agentsys
