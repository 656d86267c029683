#pragma once
// The resource limits a plugin host process runs under (setrlimit), from the module's
// `isolation_limits` table.
#include <cstdint>
#include <string>

namespace agentsys {

struct HostLimits {
  uint64_t max_memory_mb = 4096;  ///< Address space (RLIMIT_AS); 0: unlimited.
  uint64_t max_cpu_seconds = 0;   ///< CPU time over the process's life (RLIMIT_CPU); 0: none.
  uint64_t max_open_files = 256;  ///< Descriptors (RLIMIT_NOFILE); 0: inherited.
};

/// Applies `limits` to the calling process. Returns "" or what could not be set.
std::string apply_limits(const HostLimits& limits);

}  // namespace agentsys
