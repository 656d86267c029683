#include "process/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace agentsys {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

/// The cancel flag is polled at least this often.
constexpr auto kCancelPollInterval = 20ms;
/// Without a pidfd the leader's exit is polled, backing off from 1 ms up to this.
constexpr auto kMaxExitPollInterval = 20ms;
/// After the leader is gone, output still held open (by a process outside its group) is read
/// for at most this long.
constexpr auto kDrainLimit = 500ms;
constexpr std::size_t kReadChunk = 64 * 1024;

/// A pidfd for `pid` (close-on-exec by definition), or -1 when the kernel has none (< 5.3) or a
/// seccomp filter forbids it. Through syscall(): glibc 2.36's <sys/pidfd.h> lacks extern "C", so
/// its pidfd_open cannot be linked from C++.
int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0U));
#else
  (void)pid;
  return -1;
#endif
}

/// `from + delay`, saturating instead of overflowing for absurdly long delays.
Clock::time_point later(Clock::time_point from, std::chrono::milliseconds delay) {
  if (delay >=
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::time_point::max() - from)) {
    return Clock::time_point::max();
  }
  return from + delay;
}

std::string errno_text(int err) { return std::generic_category().message(err); }

[[noreturn]] void fail(const std::string& program, const std::string& what, int err) {
  throw SubprocessError(fmt::format("cannot start '{}': {}", program, what), err);
}

/// An owned file descriptor.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(std::exchange(other.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  [[nodiscard]] int get() const { return fd_; }
  [[nodiscard]] bool valid() const { return fd_ >= 0; }
  void reset(int fd = -1) {
    // Linux releases the descriptor even when close() reports EINTR: never retry.
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

/// Both ends close-on-exec and numbered above 2, so the child's dup2 onto 0/1/2 never clobbers
/// another pipe end (which could happen if the parent runs with a standard descriptor closed).
struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

UniqueFd above_stdio(UniqueFd fd, const std::string& program) {
  if (fd.get() > 2) return fd;
  int moved = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3);
  if (moved < 0) fail(program, fmt::format("fcntl: {}", errno_text(errno)), errno);
  return UniqueFd(moved);
}

Pipe make_pipe(const std::string& program) {
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
    fail(program, fmt::format("pipe: {}", errno_text(errno)), errno);
  }
  Pipe pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
  pipe.read = above_stdio(std::move(pipe.read), program);
  pipe.write = above_stdio(std::move(pipe.write), program);
  return pipe;
}

void set_nonblocking(const UniqueFd& fd, const std::string& program) {
  int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK) < 0) {
    fail(program, fmt::format("fcntl: {}", errno_text(errno)), errno);
  }
}

bool has_nul(std::string_view text) { return text.find('\0') != std::string_view::npos; }

/// The file to execute for argv[0]: a path as given (relative paths are resolved by the child
/// after its chdir), a bare name looked up in the spec's PATH like execvp does.
std::string resolve_program(const SubprocessSpec& spec) {
  const std::string& name = spec.argv.front();
  if (name.find('/') != std::string::npos) return name;

  auto path = spec.env.find("PATH");
  if (path == spec.env.end()) {
    fail(name, "not found: the environment given has no PATH", ENOENT);
  }
  int error = ENOENT;
  std::string_view dirs = path->second;
  while (true) {
    std::size_t colon = dirs.find(':');
    std::string_view dir = dirs.substr(0, colon);
    // POSIX: an empty entry means the current directory (the child's, i.e. spec.cwd).
    std::filesystem::path candidate =
        std::filesystem::path(dir.empty() ? std::string_view(".") : dir) / name;
    std::filesystem::path probe =
        candidate.is_relative() && !spec.cwd.empty() ? spec.cwd / candidate : candidate;
    struct stat st {};
    if (::stat(probe.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      if (::access(probe.c_str(), X_OK) == 0) return candidate.string();
      error = EACCES;  // Like execvp: remember it, keep looking.
    }
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  fail(name, fmt::format("{} (searched PATH={})", errno_text(error), path->second), error);
}

void validate(const SubprocessSpec& spec) {
  if (spec.argv.empty()) throw SubprocessError("cannot start a subprocess: argv is empty");
  const std::string& program = spec.argv.front();
  if (program.empty()) fail(program, "argv[0] is empty", ENOENT);
  for (const auto& arg : spec.argv) {
    if (has_nul(arg)) fail(program, "an argument contains a NUL byte", EINVAL);
  }
  for (const auto& [key, value] : spec.env) {
    if (key.empty() || key.find('=') != std::string::npos || has_nul(key)) {
      fail(program, fmt::format("invalid environment variable name '{}'", key), EINVAL);
    }
    if (has_nul(value))
      fail(program, fmt::format("environment variable {} has a NUL byte", key), EINVAL);
  }
  if (!spec.cwd.empty()) {
    struct stat st {};
    int error = ::stat(spec.cwd.c_str(), &st) != 0 ? errno : (S_ISDIR(st.st_mode) ? 0 : ENOTDIR);
    if (error != 0) {
      fail(program, fmt::format("working directory '{}': {}", spec.cwd.string(), errno_text(error)),
           error);
    }
  }
}

class SpawnAttr {
 public:
  SpawnAttr() {
    if (int rc = ::posix_spawnattr_init(&attr_); rc != 0)
      throw std::system_error(rc, std::generic_category(), "posix_spawnattr_init");
  }
  ~SpawnAttr() { ::posix_spawnattr_destroy(&attr_); }
  SpawnAttr(const SpawnAttr&) = delete;
  SpawnAttr& operator=(const SpawnAttr&) = delete;
  posix_spawnattr_t* get() { return &attr_; }

 private:
  posix_spawnattr_t attr_{};
};

class FileActions {
 public:
  FileActions() {
    if (int rc = ::posix_spawn_file_actions_init(&actions_); rc != 0) {
      throw std::system_error(rc, std::generic_category(), "posix_spawn_file_actions_init");
    }
  }
  ~FileActions() { ::posix_spawn_file_actions_destroy(&actions_); }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_{};
};

void check_setup(int rc, const std::string& program, const char* call) {
  if (rc != 0) fail(program, fmt::format("{}: {}", call, errno_text(rc)), rc);
}

/// Blocks SIGPIPE in the calling thread while stdin is written, so a child that stops reading
/// makes write() fail with EPIPE instead of killing the caller; a SIGPIPE this caused is consumed.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGPIPE);
    sigset_t old;
    sigemptyset(&old);
    ::pthread_sigmask(SIG_BLOCK, &set_, &old);
    was_blocked_ = sigismember(&old, SIGPIPE) == 1;
    was_pending_ = pending();
  }
  ~SigpipeBlock() {
    if (!was_pending_ && pending()) {
      timespec zero{};
      while (::sigtimedwait(&set_, nullptr, &zero) < 0 && errno == EINTR) {
      }
    }
    if (!was_blocked_) ::pthread_sigmask(SIG_UNBLOCK, &set_, nullptr);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;

 private:
  static bool pending() {
    sigset_t set;
    sigemptyset(&set);
    return ::sigpending(&set) == 0 && sigismember(&set, SIGPIPE) == 1;
  }
  sigset_t set_{};
  bool was_blocked_ = false;
  bool was_pending_ = false;
};

/// The spawned child: killed and reaped on every exit path, exceptions included.
class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {}
  ~Child() {
    if (!reaped_) {
      kill_group(SIGKILL);
      reap();
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] bool reaped() const { return reaped_; }

  /// Signals the whole process group. Safe while the leader is unreaped: its pid (= the pgid)
  /// cannot be reused until then.
  void kill_group(int sig) const { ::kill(-pid_, sig); }

  /// Whether the leader has exited, without reaping it (fallback when there is no pidfd).
  [[nodiscard]] bool exited_unreaped() const {
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0) {
      return info.si_pid == pid_;
    }
    return errno == ECHILD;  // Reaped behind our back (SIGCHLD ignored): it is gone.
  }

  /// Waits for the leader (blocking) and stores how it ended in `result`.
  void reap(SubprocessResult* result = nullptr) {
    int status = 0;
    while (true) {
      pid_t rc = ::waitpid(pid_, &status, 0);
      if (rc == pid_) break;
      if (rc < 0 && errno == EINTR) continue;
      status = -1;  // ECHILD: somebody else reaped it; the status is unknown.
      break;
    }
    reaped_ = true;
    if (result == nullptr || status == -1) return;
    if (WIFEXITED(status)) result->exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result->term_signal = WTERMSIG(status);
  }

 private:
  pid_t pid_;
  bool reaped_ = false;
};

/// One captured output stream.
struct OutputStream {
  UniqueFd fd;
  std::string* data = nullptr;
  bool* truncated = nullptr;
};

/// The I/O and wait loop of one run.
class Runner {
 public:
  Runner(const SubprocessSpec& spec, SubprocessResult& result) : spec_(spec), result_(result) {}

  void run() {
    validate(spec_);  // First: it rejects an empty argv.
    const std::string& program = spec_.argv.front();
    std::string file = resolve_program(spec_);

    if (spec_.cancel != nullptr && spec_.cancel->load()) {
      result_.cancelled = true;
      return;
    }

    std::vector<std::string> env_strings;
    env_strings.reserve(spec_.env.size());
    for (const auto& [key, value] : spec_.env) env_strings.push_back(key + "=" + value);
    std::vector<char*> envp;
    envp.reserve(env_strings.size() + 1);
    for (auto& entry : env_strings) envp.push_back(entry.data());
    envp.push_back(nullptr);
    std::vector<std::string> arg_strings = spec_.argv;
    std::vector<char*> argv;
    argv.reserve(arg_strings.size() + 1);
    for (auto& arg : arg_strings) argv.push_back(arg.data());
    argv.push_back(nullptr);

    Pipe out = make_pipe(program);
    Pipe err = make_pipe(program);
    Pipe in;
    if (!spec_.stdin_data.empty()) in = make_pipe(program);

    SpawnAttr attr;
    sigset_t mask;
    sigemptyset(&mask);
    sigset_t defaults;
    sigfillset(&defaults);  // Also resets what the parent ignores (SIGPIPE!) to SIG_DFL.
    check_setup(
        ::posix_spawnattr_setflags(
            attr.get(), POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF),
        program, "posix_spawnattr_setflags");
    check_setup(::posix_spawnattr_setpgroup(attr.get(), 0), program, "posix_spawnattr_setpgroup");
    check_setup(::posix_spawnattr_setsigmask(attr.get(), &mask), program,
                "posix_spawnattr_setsigmask");
    check_setup(::posix_spawnattr_setsigdefault(attr.get(), &defaults), program,
                "posix_spawnattr_setsigdefault");

    FileActions actions;
    if (in.read.valid()) {
      check_setup(::posix_spawn_file_actions_adddup2(actions.get(), in.read.get(), STDIN_FILENO),
                  program, "posix_spawn_file_actions_adddup2");
    } else {
      check_setup(
          ::posix_spawn_file_actions_addopen(actions.get(), STDIN_FILENO, "/dev/null", O_RDONLY, 0),
          program, "posix_spawn_file_actions_addopen");
    }
    check_setup(::posix_spawn_file_actions_adddup2(actions.get(), out.write.get(), STDOUT_FILENO),
                program, "posix_spawn_file_actions_adddup2");
    check_setup(::posix_spawn_file_actions_adddup2(actions.get(), err.write.get(), STDERR_FILENO),
                program, "posix_spawn_file_actions_adddup2");
    if (!spec_.cwd.empty()) {
      check_setup(::posix_spawn_file_actions_addchdir_np(actions.get(), spec_.cwd.c_str()), program,
                  "posix_spawn_file_actions_addchdir_np");
    }
    // Close-on-exec protects against our descriptors; this also keeps out any descriptor some
    // library in the process opened without O_CLOEXEC (databases, sockets, log files).
    check_setup(::posix_spawn_file_actions_addclosefrom_np(actions.get(), 3), program,
                "posix_spawn_file_actions_addclosefrom_np");

    // Before the spawn, so a SIGPIPE can never hit the thread between spawn and the first write.
    std::optional<SigpipeBlock> sigpipe_block;
    if (in.write.valid()) sigpipe_block.emplace();

    start_ = Clock::now();
    pid_t pid = 0;
    // glibc's posix_spawn (CLONE_VFORK) reports a failed chdir/exec in the child as its result.
    if (int rc =
            ::posix_spawn(&pid, file.c_str(), actions.get(), attr.get(), argv.data(), envp.data());
        rc != 0) {
      fail(program, errno_text(rc), rc);
    }
    Child child(pid);
    child_ = &child;
    result_.pid = pid;

    in.read.reset();
    out.write.reset();
    err.write.reset();
    set_nonblocking(out.read, program);
    set_nonblocking(err.read, program);
    streams_[0] = {std::move(out.read), &result_.stdout_data, &result_.stdout_truncated};
    streams_[1] = {std::move(err.read), &result_.stderr_data, &result_.stderr_truncated};
    if (in.write.valid()) {
      set_nonblocking(in.write, program);
      stdin_ = std::move(in.write);
    }
    int pidfd = open_pidfd(pid);
    if (pidfd >= 0) pidfd_.reset(pidfd);
    buffer_.resize(kReadChunk);

    const auto deadline =
        spec_.timeout > 0ms ? later(start_, spec_.timeout) : Clock::time_point::max();
    while (!leader_exited_) {
      if (spec_.cancel != nullptr && spec_.cancel->load()) {
        result_.cancelled = true;
        break;
      }
      if (Clock::now() >= deadline) {
        result_.timed_out = true;
        break;
      }
      step(deadline, true);
    }
    if (result_.cancelled || result_.timed_out) terminate();
    // The leader is gone but not reaped yet (its pid still names the group): clear the group.
    child.kill_group(SIGKILL);
    stdin_.reset();
    pidfd_.reset();
    child.reap(&result_);

    const auto drain_end = Clock::now() + kDrainLimit;
    while ((streams_[0].fd.valid() || streams_[1].fd.valid()) && Clock::now() < drain_end) {
      step(drain_end, false);
    }
    streams_[0].fd.reset();
    streams_[1].fd.reset();
    result_.duration_ms = std::chrono::duration<double, std::milli>(Clock::now() - start_).count();
  }

 private:
  /// SIGTERM, up to kill_grace for the leader to exit (still reading its output), then the
  /// caller SIGKILLs the group.
  void terminate() {
    stdin_.reset();
    if (spec_.kill_grace <= 0ms) return;
    child_->kill_group(SIGTERM);
    child_->kill_group(SIGCONT);  // A stopped member could not act on the SIGTERM.
    const auto grace_end = later(Clock::now(), spec_.kill_grace);
    while (!leader_exited_ && Clock::now() < grace_end) step(grace_end, true);
  }

  /// One poll round: reads output, writes stdin, notices the leader's exit. Waits at most until
  /// `until`, and less when the cancel flag or the leader's exit must be polled.
  void step(Clock::time_point until, bool watch_leader) {
    std::array<pollfd, 4> fds{};
    std::array<int, 4> role{};  // 0/1: stream index, 2: stdin, 3: pidfd.
    nfds_t count = 0;
    for (int i = 0; i < 2; ++i) {
      if (streams_[i].fd.valid()) {
        fds[count] = {streams_[i].fd.get(), POLLIN, 0};
        role[count++] = i;
      }
    }
    if (stdin_.valid()) {
      fds[count] = {stdin_.get(), POLLOUT, 0};
      role[count++] = 2;
    }
    if (watch_leader && pidfd_.valid()) {
      fds[count] = {pidfd_.get(), POLLIN, 0};
      role[count++] = 3;
    }

    auto wait = Clock::duration::max();
    if (until != Clock::time_point::max()) {
      // Capped so the millisecond count fits poll()'s int; the caller's loop polls again.
      wait = std::clamp<Clock::duration>(until - Clock::now(), Clock::duration{0}, 1h);
    }
    if (spec_.cancel != nullptr) wait = std::min<Clock::duration>(wait, kCancelPollInterval);
    if (watch_leader && !pidfd_.valid()) wait = std::min<Clock::duration>(wait, exit_poll_);
    int timeout_ms = -1;
    if (wait != Clock::duration::max()) {
      timeout_ms = static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(wait).count());
    }
    if (count == 0 && timeout_ms < 0) return;  // Nothing to wait for (cannot happen).

    int ready = ::poll(fds.data(), count, timeout_ms);
    if (ready < 0 && errno != EINTR) {
      throw std::system_error(errno, std::generic_category(), "poll");
    }
    for (nfds_t i = 0; ready > 0 && i < count; ++i) {
      if (fds[i].revents == 0) continue;
      switch (role[i]) {
        case 0:
        case 1: read_some(streams_[role[i]]); break;
        case 2: write_some(); break;
        default: leader_exited_ = true; break;
      }
    }
    if (watch_leader && !pidfd_.valid() && !leader_exited_) {
      leader_exited_ = child_->exited_unreaped();
      exit_poll_ = std::min<Clock::duration>(exit_poll_ * 2, kMaxExitPollInterval);
    }
  }

  void read_some(OutputStream& stream) {
    ssize_t n = ::read(stream.fd.get(), buffer_.data(), buffer_.size());
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) return;
      stream.fd.reset();  // A read error ends the stream like EOF does.
      return;
    }
    if (n == 0) {
      stream.fd.reset();
      return;
    }
    auto got = static_cast<std::size_t>(n);
    std::size_t room = spec_.max_output_bytes > stream.data->size()
                           ? spec_.max_output_bytes - stream.data->size()
                           : 0;
    std::size_t keep = std::min(room, got);
    stream.data->append(buffer_.data(), keep);
    if (keep < got) *stream.truncated = true;
  }

  void write_some() {
    const std::string& data = spec_.stdin_data;
    ssize_t n = ::write(stdin_.get(), data.data() + stdin_offset_, data.size() - stdin_offset_);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) return;
      stdin_.reset();  // EPIPE: the child closed its stdin; it gets no more.
      return;
    }
    stdin_offset_ += static_cast<std::size_t>(n);
    if (stdin_offset_ >= data.size()) stdin_.reset();
  }

  const SubprocessSpec& spec_;
  SubprocessResult& result_;
  Child* child_ = nullptr;
  Clock::time_point start_{};
  std::array<OutputStream, 2> streams_{};
  UniqueFd stdin_;
  std::size_t stdin_offset_ = 0;
  UniqueFd pidfd_;
  bool leader_exited_ = false;
  Clock::duration exit_poll_ = std::chrono::milliseconds(1);
  std::vector<char> buffer_;
};

}  // namespace

SubprocessResult run_subprocess(const SubprocessSpec& spec) {
  SubprocessResult result;
  Runner runner(spec, result);
  runner.run();
  return result;
}

}  // namespace agentsys
