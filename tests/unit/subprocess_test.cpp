#include <doctest/doctest.h>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "process/subprocess.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace agentsys;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

SubprocessSpec command(std::vector<std::string> argv) {
  SubprocessSpec spec;
  spec.argv = std::move(argv);
  spec.env = {{"PATH", "/usr/bin:/bin"}};
  return spec;
}

SubprocessSpec shell(const std::string& script) { return command({"/bin/sh", "-c", script}); }

double elapsed_ms(Clock::time_point since) {
  return std::chrono::duration<double, std::milli>(Clock::now() - since).count();
}

/// Dead: gone (ESRCH), or a zombie nobody reaps yet (orphans go to PID 1, and in some
/// containers PID 1 never reaps them). Polls for up to a second.
bool process_dead(pid_t pid) {
  for (auto until = Clock::now() + 1s; Clock::now() < until; std::this_thread::sleep_for(10ms)) {
    if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    auto paren = line.rfind(')');
    if (paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'Z') {
      return true;
    }
  }
  return false;
}

pid_t read_pid(const std::string& text) {
  std::istringstream in(text);
  pid_t pid = 0;
  in >> pid;
  return pid;
}

}  // namespace

TEST_CASE("subprocess: exit codes are reported") {
  auto ok = run_subprocess(command({"/bin/true"}));
  CHECK(ok.exit_code == 0);
  CHECK(ok.term_signal == 0);
  CHECK_FALSE(ok.timed_out);
  CHECK_FALSE(ok.cancelled);
  CHECK(ok.success());
  CHECK(ok.pid > 0);
  CHECK(ok.duration_ms > 0);

  auto three = run_subprocess(shell("exit 3"));
  CHECK(three.exit_code == 3);
  CHECK(three.term_signal == 0);
  CHECK_FALSE(three.success());

  auto forever = command({"/bin/true"});  // An absurd timeout must not overflow the deadline.
  forever.timeout = std::chrono::milliseconds::max();
  forever.kill_grace = std::chrono::milliseconds::max();
  auto done = run_subprocess(forever);
  CHECK(done.exit_code == 0);
  CHECK_FALSE(done.timed_out);
}

TEST_CASE("subprocess: stdout and stderr are captured separately") {
  auto result = run_subprocess(shell("echo out; echo err >&2; echo more"));
  CHECK(result.exit_code == 0);
  CHECK(result.stdout_data == "out\nmore\n");
  CHECK(result.stderr_data == "err\n");
  CHECK_FALSE(result.stdout_truncated);
  CHECK_FALSE(result.stderr_truncated);
}

TEST_CASE("subprocess: the environment is exactly the one given") {
  SubprocessSpec spec;
  spec.argv = {"/usr/bin/env"};
  spec.env = {{"A", "1"}, {"B", "two words"}};
  auto result = run_subprocess(spec);
  CHECK(result.exit_code == 0);
  CHECK(result.stdout_data == "A=1\nB=two words\n");

  spec.env.clear();
  CHECK(run_subprocess(spec).stdout_data.empty());

  spec.env = {{"BAD=NAME", "x"}};
  CHECK_THROWS_AS(run_subprocess(spec), SubprocessError);
}

TEST_CASE("subprocess: a bare program name is looked up in the spec's PATH only") {
  auto spec = command({"env"});
  spec.env["MARK"] = "1";
  auto result = run_subprocess(spec);
  CHECK(result.exit_code == 0);
  CHECK(result.stdout_data.find("MARK=1\n") != std::string::npos);

  spec.env = {{"PATH", "/nonexistent:/also/missing"}};
  CHECK_THROWS_WITH_AS(run_subprocess(spec),
                       doctest::Contains("cannot start 'env': No such file or directory"),
                       SubprocessError);
  spec.env.clear();  // No PATH at all: the parent's PATH is not used.
  CHECK_THROWS_WITH_AS(run_subprocess(spec), doctest::Contains("cannot start 'env'"),
                       SubprocessError);
}

TEST_CASE("subprocess: the working directory is honoured") {
  test::TempDir dir;
  auto spec = command({"/bin/pwd"});
  spec.cwd = dir.path();
  auto result = run_subprocess(spec);
  CHECK(result.exit_code == 0);
  CHECK(result.stdout_data == fs::canonical(dir.path()).string() + "\n");

  // A relative program path is taken relative to the working directory.
  std::ofstream(dir.path() / "hello.sh") << "#!/bin/sh\necho hello from $(basename \"$PWD\")\n";
  fs::permissions(dir.path() / "hello.sh", fs::perms::owner_all);
  spec.argv = {"./hello.sh"};
  CHECK(run_subprocess(spec).stdout_data == "hello from " + dir.path().filename().string() + "\n");

  spec.cwd = dir.path() / "missing";
  CHECK_THROWS_WITH_AS(run_subprocess(spec), doctest::Contains("cannot start './hello.sh'"),
                       SubprocessError);
}

TEST_CASE("subprocess: stdin_data is delivered, empty stdin is /dev/null") {
  std::string input;
  for (int i = 0; input.size() < 1024 * 1024; ++i) input += "line " + std::to_string(i) + "\n";
  auto spec = command({"/bin/cat"});
  spec.stdin_data = input;
  auto result = run_subprocess(spec);
  CHECK(result.exit_code == 0);
  CHECK(result.stdout_data.size() == input.size());
  CHECK(result.stdout_data == input);

  spec.stdin_data.clear();  // cat must see EOF at once, not hang on an inherited terminal.
  auto empty = run_subprocess(spec);
  CHECK(empty.exit_code == 0);
  CHECK(empty.stdout_data.empty());

  // A child that never reads its stdin: the writer gets EPIPE, not a fatal SIGPIPE.
  auto ignore = command({"/bin/true"});
  ignore.stdin_data = input;
  CHECK(run_subprocess(ignore).exit_code == 0);
}

TEST_CASE("subprocess: a program that cannot be started throws, naming it") {
  CHECK_THROWS_WITH_AS(run_subprocess(command({"/x/y"})),
                       "cannot start '/x/y': No such file or directory", SubprocessError);

  test::TempDir dir;
  std::ofstream(dir.path() / "data.txt") << "not a program\n";
  auto file = (dir.path() / "data.txt").string();
  CHECK_THROWS_WITH_AS(run_subprocess(command({file})),
                       ("cannot start '" + file + "': Permission denied").c_str(), SubprocessError);
  try {
    (void)run_subprocess(command({file}));
  } catch (const SubprocessError& e) {
    CHECK(e.error_number() == EACCES);
  }
  CHECK_THROWS_AS(run_subprocess(command({})), SubprocessError);
}

TEST_CASE("subprocess: a timeout kills the whole process group") {
  test::TempDir dir;
  auto pidfile = (dir.path() / "pid").string();
  auto spec = command({"/bin/sh", "-c", "sleep 30 & echo $! > \"$1\"; wait", "sh", pidfile});
  spec.timeout = 300ms;
  auto start = Clock::now();
  auto result = run_subprocess(spec);
  CHECK(elapsed_ms(start) < 1500);
  CHECK(result.timed_out);
  CHECK_FALSE(result.cancelled);
  CHECK(result.term_signal == SIGTERM);
  CHECK(result.exit_code == -1);

  std::ifstream in(pidfile);
  pid_t grandchild = 0;
  in >> grandchild;
  REQUIRE(grandchild > 0);
  CHECK(process_dead(grandchild));
}

TEST_CASE("subprocess: a group that ignores SIGTERM is SIGKILLed after the grace") {
  auto spec = shell("trap '' TERM; sleep 30");
  spec.timeout = 100ms;
  spec.kill_grace = 100ms;
  auto start = Clock::now();
  auto result = run_subprocess(spec);
  CHECK(elapsed_ms(start) < 1000);
  CHECK(result.timed_out);
  CHECK(result.term_signal == SIGKILL);
}

TEST_CASE("subprocess: cancellation from another thread ends the process") {
  std::atomic<bool> cancel{false};
  auto spec = command({"/bin/sleep", "30"});
  spec.cancel = &cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(200ms);
    cancel = true;
  });
  auto start = Clock::now();
  auto result = run_subprocess(spec);
  canceller.join();
  CHECK(elapsed_ms(start) < 1000);
  CHECK(result.cancelled);
  CHECK_FALSE(result.timed_out);
  CHECK(result.term_signal == SIGTERM);

  // Already cancelled: nothing is started.
  auto skipped = run_subprocess(spec);
  CHECK(skipped.cancelled);
  CHECK(skipped.pid == 0);
}

TEST_CASE("subprocess: death by a signal is reported as term_signal") {
  auto result = run_subprocess(shell("kill -USR1 $$"));
  CHECK(result.term_signal == SIGUSR1);
  CHECK(result.exit_code == -1);
  CHECK_FALSE(result.timed_out);
}

TEST_CASE("subprocess: output beyond max_output_bytes is dropped and flagged") {
  auto spec = command({"/usr/bin/head", "-c", "5000000", "/dev/zero"});
  spec.max_output_bytes = 1000000;
  auto result = run_subprocess(spec);
  CHECK(result.exit_code == 0);  // Kept draining: head was never blocked on a full pipe.
  CHECK(result.stdout_data.size() == 1000000);
  CHECK(result.stdout_truncated);
  CHECK_FALSE(result.stderr_truncated);
}

TEST_CASE("subprocess: a backgrounded grandchild holding stdout does not block the return") {
  auto start = Clock::now();
  auto result = run_subprocess(shell("sleep 30 & echo $! >&2; echo hi"));
  CHECK(elapsed_ms(start) < 1000);
  CHECK(result.exit_code == 0);
  CHECK(result.stdout_data == "hi\n");
  pid_t grandchild = read_pid(result.stderr_data);
  REQUIRE(grandchild > 0);
  CHECK(process_dead(grandchild));
}

TEST_CASE("subprocess: the child leads its own group with default signal state") {
  auto group = run_subprocess(command({"/usr/bin/cut", "-d", " ", "-f", "5", "/proc/self/stat"}));
  CHECK(read_pid(group.stdout_data) == group.pid);

  // The caller ignores SIGPIPE and blocks SIGUSR1: the child must not inherit either.
  struct sigaction ignore {};
  struct sigaction previous {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &previous);
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigset_t old_mask;
  ::pthread_sigmask(SIG_BLOCK, &block, &old_mask);
  auto status = run_subprocess(command({"/bin/grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"}));
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  ::sigaction(SIGPIPE, &previous, nullptr);
  REQUIRE(status.exit_code == 0);
  std::istringstream lines(status.stdout_data);
  std::string blocked_label, blocked, ignored_label, ignored;
  lines >> blocked_label >> blocked >> ignored_label >> ignored;
  CHECK(blocked_label == "SigBlk:");
  CHECK(std::stoull(blocked, nullptr, 16) == 0);
  CHECK(ignored_label == "SigIgn:");
  // Standard signals only: glibc 2.36's posix_spawn leaves its internal signals 32 and 33
  // (SIGCANCEL, SIGSETXID) ignored in the child; glibc-based programs install them when needed.
  CHECK((std::stoull(ignored, nullptr, 16) & 0x7fffffffULL) == 0);
}

TEST_CASE("subprocess: the child inherits no descriptor beyond stdio") {
  int leaked = ::open("/dev/null", O_RDONLY);  // Deliberately without O_CLOEXEC.
  REQUIRE(leaked >= 0);
  REQUIRE(::dup2(leaked, 57) == 57);
  auto result = run_subprocess(command({"/bin/ls", "/proc/self/fd"}));
  ::close(57);
  ::close(leaked);
  CHECK(result.stdout_data == "0\n1\n2\n3\n");  // 3: ls's own directory handle.
}

TEST_CASE("subprocess: concurrent runs from 8 threads all succeed") {
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([t, &failures] {
      for (int i = 0; i < 20; ++i) {
        std::string text = "thread " + std::to_string(t) + " run " + std::to_string(i);
        auto spec = i % 2 == 0 ? command({"/bin/cat"}) : command({"/bin/echo", "-n", text});
        if (i % 2 == 0) spec.stdin_data = text;
        try {
          auto result = run_subprocess(spec);
          if (result.exit_code != 0 || result.stdout_data != text) ++failures;
        } catch (...) {
          ++failures;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(failures.load() == 0);
}

TEST_CASE("subprocess: no descriptor or zombie is left behind in the caller") {
  auto count_fds = [] {
    return std::distance(fs::directory_iterator("/proc/self/fd"), fs::directory_iterator{});
  };
  auto before = count_fds();
  (void)run_subprocess(shell("echo out; echo err >&2"));
  auto with_input = command({"/bin/cat"});
  with_input.stdin_data = "input";
  (void)run_subprocess(with_input);
  CHECK_THROWS_AS(run_subprocess(command({"/x/y"})), SubprocessError);
  auto slow = command({"/bin/sleep", "30"});
  slow.timeout = 50ms;
  slow.kill_grace = 0ms;
  auto killed = run_subprocess(slow);
  CHECK(killed.timed_out);
  CHECK(killed.term_signal == SIGKILL);
  CHECK(count_fds() == before);
  errno = 0;
  CHECK(::waitpid(-1, nullptr, WNOHANG) == -1);
  CHECK(errno == ECHILD);
}
