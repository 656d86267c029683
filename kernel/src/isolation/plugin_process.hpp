#pragma once
// One running plugin host process, seen from the kernel: started with a socket to it, its
// frames routed to the requests waiting for them, and its death noticed and explained.
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "isolation/host_limits.hpp"
#include "isolation/mailbox.hpp"
#include "isolation/wire.hpp"

namespace agentsys {

/// How a plugin host process is started.
struct HostProcessSpec {
  std::filesystem::path program;  ///< agentsys-plugin-host
  std::filesystem::path plugin_file;
  HostLimits limits;
  /// How long the host may take to load the plugin and say it is ready.
  std::chrono::milliseconds start_timeout{10000};
};

class PluginProcess {
 public:
  /// Frames that belong to no open request (logs and metrics from outside a call).
  using Unrouted = std::function<void(const wire::Frame&)>;

  /// Starts the host and waits until it has loaded the plugin. Throws std::runtime_error
  /// saying why it could not start (or why the plugin would not load in it).
  PluginProcess(const HostProcessSpec& spec, Unrouted unrouted);
  /// Closes the socket (the host exits when it reads the end), kills what is left after a
  /// short grace, and reaps it.
  ~PluginProcess();
  PluginProcess(const PluginProcess&) = delete;
  PluginProcess& operator=(const PluginProcess&) = delete;

  /// Opens a request: frames with its id go to the returned mailbox until end_request. The
  /// mailbox is closed, with the reason, when the host dies.
  std::shared_ptr<wire::Mailbox> begin_request(uint64_t id);
  void end_request(uint64_t id);
  /// Sends a frame; false when the host is gone.
  bool send(wire::FrameType type, uint64_t id, std::string_view payload = {});
  /// SIGKILLs the host now (a call that ignores cancellation); `why` becomes its death reason.
  void kill(const std::string& why);

  [[nodiscard]] bool alive() const { return alive_.load(); }
  /// Why the host is gone ("" while it runs), e.g. "killed by signal 11 (SIGSEGV, Segmentation
  /// fault)" or "exited with status 3".
  [[nodiscard]] std::string death() const;
  [[nodiscard]] pid_t pid() const { return pid_; }

 private:
  void read_loop();
  void on_exit();
  std::string reap();

  pid_t pid_ = -1;
  int fd_ = -1;
  Unrouted unrouted_;
  std::mutex write_mutex_;
  mutable std::mutex mutex_;  // guards boxes_, death_, killed_why_
  std::map<uint64_t, std::shared_ptr<wire::Mailbox>> boxes_;
  std::string death_;
  std::string killed_why_;
  std::atomic<bool> alive_{true};
  std::thread reader_;
};

/// Describes how a child process ended, from its waitpid status.
std::string describe_exit(int wait_status);

/// The plugin host program installed beside the running executable.
std::filesystem::path default_host_program();

}  // namespace agentsys
