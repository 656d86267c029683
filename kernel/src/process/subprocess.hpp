#pragma once
// Runs one external command to completion: the kernel's subprocess runner behind the host API's
// `run_command` (V1 wrapper plugins run legacy scripts through it, under policy and a timeout).
#include <atomic>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace agentsys {

/// What to run and how.
struct SubprocessSpec {
  /// The command line. argv[0] is the program: a path (containing '/'; a relative one is taken
  /// relative to `cwd`) or a bare name looked up in the PATH of `env` (never the parent's PATH;
  /// no PATH in `env` means a bare name cannot be found).
  std::vector<std::string> argv;
  /// The child's COMPLETE environment: nothing is inherited from the parent.
  std::map<std::string, std::string> env;
  /// Working directory of the child; empty = the parent's.
  std::filesystem::path cwd;
  /// Written to the child's stdin, which is then closed. Empty: stdin is /dev/null.
  std::string stdin_data;
  /// Wall-clock limit from the start; 0 = none. On expiry the process group is terminated.
  std::chrono::milliseconds timeout{0};
  /// Per stream. Output beyond it is read and dropped (the child keeps running) and the
  /// stream's *_truncated flag is set.
  std::size_t max_output_bytes = 16 * 1024 * 1024;
  /// Polled at least every 20 ms; when it turns true the process group is terminated.
  /// Already true before the start: nothing is started and the result says `cancelled`.
  const std::atomic<bool>* cancel = nullptr;
  /// On timeout/cancel: SIGTERM to the group, then SIGKILL after this grace (0: SIGKILL at once).
  std::chrono::milliseconds kill_grace{200};
};

/// How it ended.
struct SubprocessResult {
  int exit_code = -1;   ///< The exit status when the process exited normally, else -1.
  int term_signal = 0;  ///< The signal that killed the process, else 0.
  bool timed_out = false;
  bool cancelled = false;
  std::string stdout_data;
  std::string stderr_data;
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  double duration_ms = 0;  ///< From just before the spawn until the process was reaped and drained.
  int pid = 0;             ///< Also the process group id of the child's group. 0: not started.

  /// Exited normally with status 0 (and was neither timed out nor cancelled).
  [[nodiscard]] bool success() const { return exit_code == 0 && !timed_out && !cancelled; }
};

/// The command could not be started (or the spec is invalid). The message names argv[0], e.g.
/// "cannot start '/x/y': No such file or directory".
class SubprocessError : public std::runtime_error {
 public:
  explicit SubprocessError(const std::string& message, int error_number = 0)
      : std::runtime_error(message), errno_(error_number) {}
  /// The errno behind the failure (ENOENT, EACCES, ENOEXEC, ...), 0 for an invalid spec.
  [[nodiscard]] int error_number() const noexcept { return errno_; }

 private:
  int errno_;
};

/// Runs `spec` to completion (or timeout/cancel) and returns how it ended.
///
/// The child runs in a process group of its own (pgid = pid) with an empty signal mask and every
/// signal disposition reset to default; it inherits no file descriptor beyond 0, 1 and 2. When
/// the child exits, what is left of its group (background jobs, daemons it forked) is SIGKILLed,
/// so no orphan keeps running or keeps the output pipes open. Members that left the group
/// (setsid/setpgid) are out of reach; output still held open by them is read for at most
/// 500 ms after the child exits.
///
/// Thread-safe; no global state. The caller's thread has SIGPIPE blocked while stdin_data is
/// written (a pending SIGPIPE caused by the write is consumed). The caller must not reap
/// children with waitpid(-1) concurrently; with SIGCHLD ignored the exit status is unknown
/// (exit_code -1, term_signal 0).
///
/// Throws SubprocessError when the command cannot be started: empty argv, not found, not
/// executable, bad cwd, a NUL byte in an argument or the environment, '=' in an env name.
SubprocessResult run_subprocess(const SubprocessSpec& spec);

}  // namespace agentsys
