#pragma once
// One running plugin host process, seen from the kernel: started with a socket to it, its
// frames routed to the requests waiting for them, and its death noticed and explained.
#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "isolation/host_limits.hpp"
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

/// Reading the socket: there is no reader thread. A thread waiting for its request's frames
/// reads the socket itself when no other thread is reading, keeps the frames of other
/// requests for them and hands logs from outside any call to `Unrouted`; so a call's reply
/// wakes the very thread that waits for it (one context switch per direction, which is most
/// of the cost of a call to another process). While no request waits nothing is read: the
/// host's log lines from outside calls wait in the socket, and a death is noticed by the next
/// request (or the destructor).
class PluginProcess {
 public:
  using Clock = std::chrono::steady_clock;
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

  /// Opens a request: frames with its id are kept for it until end_request.
  void begin_request(uint64_t id);
  void end_request(uint64_t id);
  /// The next frame of request `id`; nullopt when `until` passed first or the host is gone
  /// (alive() tells the two apart).
  std::optional<wire::Frame> next(uint64_t id, Clock::time_point until);
  /// Sends a frame; false when the host is gone.
  bool send(wire::FrameType type, uint64_t id, std::string_view payload = {});
  /// SIGKILLs the host now (a call that ignores cancellation); `why` becomes its death reason.
  void kill(const std::string& why);

  [[nodiscard]] bool alive() const;
  /// Why the host is gone ("" while it runs), e.g. "killed by signal 11 (SIGSEGV: Segmentation
  /// fault)" or "exited with status 3".
  [[nodiscard]] std::string death() const;

 private:
  /// Reads one frame (waiting at most `wait`) as the reader; nullopt when none came.
  std::optional<wire::Frame> read_one(std::chrono::milliseconds wait);
  /// The socket ended: reaps the host and records why it went. Called by the reader.
  void on_exit();
  std::string reap();

  pid_t pid_ = -1;
  int fd_ = -1;
  Unrouted unrouted_;
  std::mutex write_mutex_;
  mutable std::mutex mutex_;         // guards everything below
  std::condition_variable changed_;  // a frame was queued, the reader left, or the host died
  std::map<uint64_t, std::deque<wire::Frame>> queues_;
  bool reading_ = false;
  bool alive_ = true;
  std::string death_;
  std::string killed_why_;
};

/// Describes how a child process ended, from its waitpid status.
std::string describe_exit(int wait_status);

/// The plugin host program installed beside the running executable.
std::filesystem::path default_host_program();

}  // namespace agentsys
