#pragma once
// Hooks that run a plugin instance in a plugin host process of its own (`isolation =
// "process"`): every hook is a request over the process's socket, every host service the
// plugin calls there is served here with the real call, and a host that dies fails its calls
// with plugin_crashed and is started again, with backoff, for the next one.
#include <chrono>
#include <filesystem>

#include "isolation/host_limits.hpp"
#include "plugin/instance_hooks.hpp"

namespace agentsys {

struct IsolationSpec {
  std::filesystem::path host_program;  ///< Empty: agentsys-plugin-host beside the executable.
  HostLimits limits;
  /// How long a cancelled (or timed-out) call may take to return before its host is killed.
  std::chrono::milliseconds cancel_grace{2000};
  /// The delay before restarting a host that died, doubled per consecutive death up to the max.
  std::chrono::milliseconds restart_backoff{100};
  std::chrono::milliseconds max_restart_backoff{5000};
};

/// A factory for instances that run in plugin host processes started per `spec`.
HooksFactory isolated_hooks(IsolationSpec spec);

}  // namespace agentsys
