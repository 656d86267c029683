#include "isolation/host_limits.hpp"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace agentsys {
namespace {

std::string set_limit(int resource, const char* name, uint64_t value) {
  rlimit current{};
  if (::getrlimit(resource, &current) != 0) return std::string(name) + ": " + std::strerror(errno);
  rlimit wanted{value, value};
  // Never raise a limit the kernel itself runs under.
  if (current.rlim_max != RLIM_INFINITY && wanted.rlim_max > current.rlim_max) {
    wanted.rlim_cur = wanted.rlim_max = current.rlim_max;
  }
  if (::setrlimit(resource, &wanted) != 0) return std::string(name) + ": " + std::strerror(errno);
  return {};
}

}  // namespace

std::string apply_limits(const HostLimits& limits) {
  std::string problems;
  auto note = [&](std::string p) {
    if (p.empty()) return;
    if (!problems.empty()) problems += "; ";
    problems += p;
  };
#if !defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer reserves terabytes of address space for its shadow memory, so under it
  // an address-space limit would stop every host; sanitizer builds run without this one.
  if (limits.max_memory_mb > 0) {
    note(set_limit(RLIMIT_AS, "RLIMIT_AS", limits.max_memory_mb * 1024 * 1024));
  }
#endif
  if (limits.max_cpu_seconds > 0) {
    note(set_limit(RLIMIT_CPU, "RLIMIT_CPU", limits.max_cpu_seconds));
  }
  if (limits.max_open_files > 0) {
    note(set_limit(RLIMIT_NOFILE, "RLIMIT_NOFILE", limits.max_open_files));
  }
  return problems;
}

}  // namespace agentsys
