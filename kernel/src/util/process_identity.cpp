#include "util/process_identity.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace agentsys {
namespace {

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

/// Field 22 of /proc/PID/stat (start time); the command name (field 2) may contain spaces and
/// parentheses, so parse after the last ')'.
std::string start_time_of(long pid) {
  std::string stat = read_first_line(fmt::format("/proc/{}/stat", pid));
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && rest >> field; ++i) {
    if (i == 22) return field;
  }
  return {};
}

std::string boot_id() { return read_first_line("/proc/sys/kernel/random/boot_id"); }

}  // namespace

const std::string& current_process_identity() {
  static const std::string identity =
      fmt::format("{}/{}/{}", boot_id(), static_cast<long>(::getpid()),
                  start_time_of(static_cast<long>(::getpid())));
  return identity;
}

bool process_identity_alive(const std::string& identity) {
  size_t a = identity.find('/');
  size_t b = identity.find('/', a == std::string::npos ? a : a + 1);
  if (a == std::string::npos || b == std::string::npos) return false;
  if (identity.substr(0, a) != boot_id()) return false;
  long pid = 0;
  try {
    pid = std::stol(identity.substr(a + 1, b - a - 1));
  } catch (...) {
    return false;
  }
  std::string start = start_time_of(pid);
  return !start.empty() && start == identity.substr(b + 1);
}

}  // namespace agentsys
