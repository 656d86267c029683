#pragma once
// Which process owns an in-flight run, robust to pid reuse and reboots.
#include <string>

namespace agentsys {

/// "<boot id>/<pid>/<start time in clock ticks>" of the calling process.
const std::string& current_process_identity();

/// True when the process named by `identity` is still running (same boot, same pid, same
/// start time). False for malformed identities.
bool process_identity_alive(const std::string& identity);

}  // namespace agentsys
