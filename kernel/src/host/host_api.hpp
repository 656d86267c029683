#pragma once
// The host API table the kernel gives every plugin, and where what plugins report goes.
#include <agentsys/abi.h>

#include <string>
#include <string_view>

namespace agentsys {

struct CallFrame;

/// Receives what plugins report through the host API. Implementations must be thread-safe:
/// plugins call from any thread.
class HostSink {
 public:
  virtual ~HostSink() = default;
  virtual void log(std::string_view plugin, const CallFrame* call, as_log_level level,
                   std::string_view message) = 0;
  virtual void metric(std::string_view plugin, const CallFrame* call, std::string_view name,
                      double value, std::string_view labels_json) = 0;
};

/// Writes plugin logs and metrics to the kernel's spdlog logger.
class LoggerSink final : public HostSink {
 public:
  void log(std::string_view plugin, const CallFrame* call, as_log_level level,
           std::string_view message) override;
  void metric(std::string_view plugin, const CallFrame* call, std::string_view name, double value,
              std::string_view labels_json) override;
};

}  // namespace agentsys

/// Identifies one plugin instance to the host (the opaque type of abi.h, defined here).
struct as_host_ctx {
  std::string plugin;
  agentsys::HostSink* sink = nullptr;
};

namespace agentsys {

/// The kernel's host function table (ABI 1.0). Side-effect services are NULL until the
/// policy-enforcing implementations are installed.
const as_host_api* host_api();

}  // namespace agentsys
