#include "isolation/plugin_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

extern char** environ;

namespace agentsys {
namespace fs = std::filesystem;
using wire::FrameType;

namespace {

/// The host's environment: nothing of the kernel's but locale, time zone, home, temporary
/// directory and sanitizer settings; PATH is the system's.
std::vector<std::string> clean_environment() {
  std::vector<std::string> env{"PATH=/usr/local/bin:/usr/bin:/bin"};
  for (const char* name : {"LANG", "LC_ALL", "TZ", "HOME", "TMPDIR", "ASAN_OPTIONS",
                           "UBSAN_OPTIONS", "LSAN_OPTIONS"}) {
    if (const char* value = std::getenv(name)) env.push_back(fmt::format("{}={}", name, value));
  }
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

void check(int rc, const char* what) {
  if (rc != 0) throw std::runtime_error(fmt::format("{}: {}", what, std::strerror(rc)));
}

/// posix_spawn's attributes and file actions for a host: its own process group (a Ctrl-C at
/// the terminal reaches the kernel, which stops the host itself), default signals, stdin
/// from /dev/null, stdout to the kernel's stderr (a plugin's printf must not mix into the
/// command's output), the socket as fd 3 and nothing else inherited.
class SpawnSetup {
 public:
  explicit SpawnSetup(int channel) {
    check(::posix_spawnattr_init(&attr_), "posix_spawnattr_init");
    check(::posix_spawn_file_actions_init(&actions_), "posix_spawn_file_actions_init");
    sigset_t none;
    sigset_t all;
    sigemptyset(&none);
    sigfillset(&all);
    check(::posix_spawnattr_setflags(
              &attr_, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF),
          "posix_spawnattr_setflags");
    check(::posix_spawnattr_setpgroup(&attr_, 0), "posix_spawnattr_setpgroup");
    check(::posix_spawnattr_setsigmask(&attr_, &none), "posix_spawnattr_setsigmask");
    check(::posix_spawnattr_setsigdefault(&attr_, &all), "posix_spawnattr_setsigdefault");
    check(::posix_spawn_file_actions_addopen(&actions_, STDIN_FILENO, "/dev/null", O_RDONLY, 0),
          "posix_spawn_file_actions_addopen");
    check(::posix_spawn_file_actions_adddup2(&actions_, STDERR_FILENO, STDOUT_FILENO),
          "posix_spawn_file_actions_adddup2");
    check(::posix_spawn_file_actions_adddup2(&actions_, channel, 3),
          "posix_spawn_file_actions_adddup2");
    check(::posix_spawn_file_actions_addclosefrom_np(&actions_, 4),
          "posix_spawn_file_actions_addclosefrom_np");
  }
  ~SpawnSetup() {
    ::posix_spawn_file_actions_destroy(&actions_);
    ::posix_spawnattr_destroy(&attr_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
  const posix_spawnattr_t* attr() const { return &attr_; }
  const posix_spawn_file_actions_t* actions() const { return &actions_; }

 private:
  posix_spawnattr_t attr_{};
  posix_spawn_file_actions_t actions_{};
};

bool readable_within(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  for (;;) {
    int rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (rc >= 0) return rc > 0;
    if (errno != EINTR) return false;
  }
}

}  // namespace

std::string describe_exit(int wait_status) {
  if (WIFEXITED(wait_status)) return fmt::format("exited with status {}", WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    int sig = WTERMSIG(wait_status);
    const char* abbrev = ::sigabbrev_np(sig);
    return fmt::format("killed by signal {} (SIG{}: {})", sig, abbrev != nullptr ? abbrev : "?",
                       ::strsignal(sig));
  }
  return fmt::format("ended with wait status {}", wait_status);
}

fs::path default_host_program() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return (ec ? fs::path() : self.parent_path()) / "agentsys-plugin-host";
}

PluginProcess::PluginProcess(const HostProcessSpec& spec, Unrouted unrouted)
    : unrouted_(std::move(unrouted)) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    throw std::runtime_error(fmt::format("socketpair: {}", std::strerror(errno)));
  }
  // Above 3, so that the dup2 onto 3 in the child always happens (and clears close-on-exec).
  int child_end = ::fcntl(sv[1], F_DUPFD_CLOEXEC, 10);
  ::close(sv[1]);
  fd_ = sv[0];
  if (child_end < 0) {
    ::close(fd_);
    throw std::runtime_error(fmt::format("fcntl(F_DUPFD_CLOEXEC): {}", std::strerror(errno)));
  }
  std::vector<std::string> args{spec.program.string(),
                                "--channel-fd",
                                "3",
                                "--max-memory-mb",
                                std::to_string(spec.limits.max_memory_mb),
                                "--max-cpu-seconds",
                                std::to_string(spec.limits.max_cpu_seconds),
                                "--max-open-files",
                                std::to_string(spec.limits.max_open_files),
                                spec.plugin_file.string()};
  std::vector<std::string> env = clean_environment();
  std::vector<char*> argv = pointers(args);
  std::vector<char*> envp = pointers(env);
  int rc = 0;
  try {
    SpawnSetup setup(child_end);
    rc = ::posix_spawn(&pid_, argv[0], setup.actions(), setup.attr(), argv.data(), envp.data());
  } catch (...) {
    ::close(child_end);
    ::close(fd_);
    throw;
  }
  ::close(child_end);
  if (rc != 0) {
    ::close(fd_);
    throw std::runtime_error(fmt::format("cannot start the plugin host {}: {}",
                                         spec.program.string(), std::strerror(rc)));
  }
  std::optional<wire::Frame> first;
  std::string failure;
  try {
    if (readable_within(fd_, spec.start_timeout)) first = wire::read_frame(fd_);
  } catch (const wire::ProtocolError& e) {
    failure = e.what();
  }
  if (!first || first->type != FrameType::ready) {
    if (first && first->type == FrameType::load_failed) failure = first->payload;
    if (failure.empty()) {
      failure =
          first ? "the host sent an unexpected first frame"
                : fmt::format("the host did not start within {} ms", spec.start_timeout.count());
    }
    ::kill(pid_, SIGKILL);
    std::string how = reap();
    ::close(fd_);
    throw std::runtime_error(fmt::format("plugin host for {} failed to start: {} ({})",
                                         spec.plugin_file.filename().string(), failure, how));
  }
}

PluginProcess::~PluginProcess() {
  ::shutdown(fd_, SHUT_WR);  // the host reads the end and exits
  bool gone = false;
  {
    std::lock_guard lock(mutex_);
    gone = !alive_;
  }
  // Drain until the host closes its end (its last log lines still reach the kernel).
  for (auto until = Clock::now() + std::chrono::seconds(2); !gone && Clock::now() < until;) {
    read_one(std::chrono::milliseconds(50));
    std::lock_guard lock(mutex_);
    gone = !alive_;
  }
  if (!gone) {
    kill("it did not exit when the kernel closed its socket");
    on_exit();
  }
  ::close(fd_);
}

void PluginProcess::begin_request(uint64_t id) {
  std::lock_guard lock(mutex_);
  queues_[id];
}

void PluginProcess::end_request(uint64_t id) {
  std::lock_guard lock(mutex_);
  queues_.erase(id);
}

bool PluginProcess::send(FrameType type, uint64_t id, std::string_view payload) {
  std::lock_guard lock(write_mutex_);
  return wire::write_frame(fd_, type, id, payload);
}

void PluginProcess::kill(const std::string& why) {
  std::lock_guard lock(mutex_);
  if (!alive_) return;  // already reaped: the pid may belong to someone else now
  if (killed_why_.empty()) killed_why_ = why;
  ::kill(pid_, SIGKILL);
}

bool PluginProcess::alive() const {
  std::lock_guard lock(mutex_);
  return alive_;
}

std::string PluginProcess::death() const {
  std::lock_guard lock(mutex_);
  return death_;
}

std::optional<wire::Frame> PluginProcess::next(uint64_t id, Clock::time_point until) {
  std::unique_lock lock(mutex_);
  for (;;) {
    std::deque<wire::Frame>& mine = queues_[id];
    if (!mine.empty()) {
      wire::Frame f = std::move(mine.front());
      mine.pop_front();
      return f;
    }
    const Clock::time_point now = Clock::now();
    if (!alive_ || now >= until) return std::nullopt;
    // Wake at least every 10 ms, so callers can look at cancellation between frames.
    const auto wait = std::min(std::chrono::duration_cast<std::chrono::milliseconds>(until - now),
                               std::chrono::milliseconds(10));
    if (reading_) {
      changed_.wait_for(lock, wait);
      continue;
    }
    reading_ = true;
    lock.unlock();
    std::optional<wire::Frame> f = read_one(wait);
    lock.lock();
    reading_ = false;
    if (f && f->id != id) {
      if (auto it = queues_.find(f->id); it != queues_.end()) {
        it->second.push_back(std::move(*f));
      } else if (unrouted_) {
        lock.unlock();
        unrouted_(*f);
        lock.lock();
      }
      f.reset();
    }
    changed_.notify_all();  // a queued frame, or the reader's place is free
    if (f) return f;
  }
}

std::optional<wire::Frame> PluginProcess::read_one(std::chrono::milliseconds wait) {
  if (!readable_within(fd_, wait)) return std::nullopt;
  std::optional<wire::Frame> f;
  try {
    f = wire::read_frame(fd_);
  } catch (const wire::ProtocolError& e) {
    kill(fmt::format("it broke the protocol ({})", e.what()));
  }
  if (!f) on_exit();
  return f;
}

void PluginProcess::on_exit() {
  std::string how = reap();
  {
    std::lock_guard lock(mutex_);
    death_ = killed_why_.empty() ? how : fmt::format("{}: {}", killed_why_, how);
  }
  changed_.notify_all();
}

std::string PluginProcess::reap() {
  // The socket is closed, so the host is exiting; one that closed it and kept running is
  // killed after a second. WNOWAIT leaves the zombie in place until `alive_` is cleared, so
  // kill() never signals a pid that has been reused.
  siginfo_t info{};
  bool exited = false;
  for (int i = 0; i < 100 && !exited; ++i) {
    info.si_pid = 0;
    int rc = ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT);
    if (rc == 0 && info.si_pid == pid_) {
      exited = true;
    } else if (rc < 0 && errno != EINTR) {
      break;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  {
    std::lock_guard lock(mutex_);
    if (!exited) ::kill(pid_, SIGKILL);
    alive_ = false;
  }
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  std::string how = describe_exit(status);
  return exited ? how : how + " (it closed its socket and did not exit)";
}

}  // namespace agentsys
