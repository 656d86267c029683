#pragma once
// The host API table the kernel gives every plugin, and where what plugins report goes.
#include <agentsys/abi.h>

#include <string>
#include <string_view>

namespace agentsys {

struct CallFrame;
class HostServices;

/// Receives what plugins report through the host API. Implementations must be thread-safe:
/// plugins call from any thread.
class HostSink {
 public:
  virtual ~HostSink() = default;
  virtual void log(std::string_view plugin, const CallFrame* call, as_log_level level,
                   std::string_view message) = 0;
  virtual void metric(std::string_view plugin, const CallFrame* call, std::string_view name,
                      double value, std::string_view labels_json) = 0;
  /// A side effect a plugin asked the host for: `performed` false means dry-run ("would do").
  /// `detail_json` is a JSON object describing it.
  virtual void side_effect(std::string_view /*plugin*/, const CallFrame& /*call*/,
                           std::string_view /*kind*/, std::string_view /*detail_json*/,
                           bool /*performed*/) {}
  /// The side-effect services' context (policy, run directories, databases); null when the
  /// kernel runs without policy, and then every side effect is refused.
  virtual HostServices* services() { return nullptr; }
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

/// The kernel's host function table (ABI 1.3). Offers run_command, run_sql, read_file,
/// write_file, http_request, http_stream, policy_check and submit_task, each deciding through
/// policy first, and query_runs (read-only, the kernel's own run records).
const as_host_api* host_api();

}  // namespace agentsys
