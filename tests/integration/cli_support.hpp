#pragma once
// Helpers for the end-to-end tests of the agentsys executable (task_cli_test, crash_test): run
// the binary to completion through the shell, or start it as a child that can be killed.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_paths.h"
#include "test_support.hpp"

extern char** environ;  // NOLINT: POSIX

namespace agentsys::cli_test {

namespace fs = std::filesystem;
using json = nlohmann::json;

/// Every plugin the task tests need: demo_v1/demo_v2, telemetry and the test fixtures (behave...).
inline std::vector<std::string> all_plugin_dirs() {
  return {"--plugin-dir", std::string(AGENTSYS_TEST_PLUGIN_DIR), "--plugin-dir",
          (std::filesystem::path(AGENTSYS_TEST_FIXTURE_DIR) / "good").string()};
}

struct Result {
  int exit_code = -1;
  std::string out;
  std::string err;
  double seconds = 0;  ///< Wall time of the process.
};

inline std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q.append("'\\''");
    } else {
      q.push_back(c);
    }
  }
  q.push_back('\'');
  return q;
}

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

inline int count_lines(const std::string& text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

inline bool is_hex32(const std::string& s) {
  return s.size() == 32 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

/// Runs agentsys to completion in a scratch directory (state in its `var/`), with every plugin
/// directory of the build (all_plugin_dirs) unless `plugins` is false.
class Cli {
 public:
  explicit Cli(bool plugins = true) : plugins_(plugins) {}

  /// `env`: extra environment variables of this run only, as NAME=VALUE.
  Result operator()(const std::vector<std::string>& args,
                    const std::vector<std::string>& env = {}) const {
    return with_plugin_dirs(plugins_ ? all_plugin_dirs() : std::vector<std::string>{}, args, env);
  }

  /// Runs with `plugin_args` (e.g. {"--plugin-dir", DIR, ...}) instead of all_plugin_dirs.
  Result with_plugin_dirs(const std::vector<std::string>& plugin_args,
                          const std::vector<std::string>& args,
                          const std::vector<std::string>& env = {}) const {
    std::vector<std::string> all = plugin_args;
    all.insert(all.end(), args.begin(), args.end());
    std::string cmd = "cd " + quote(dir_.path().string()) + " && exec";
    if (!env.empty()) cmd += " env";
    for (const auto& e : env) cmd += " " + quote(e);
    cmd += " " + quote(AGENTSYS_TEST_BIN);
    for (const auto& a : all) cmd += " " + quote(a);
    return run_shell(cmd);
  }

  /// Runs a shell command line with stdout and stderr captured, stdin from /dev/null.
  Result run_shell(std::string cmd) const {
    fs::path out = dir_.path() / "stdout.txt";
    fs::path err = dir_.path() / "stderr.txt";
    cmd += " >" + quote(out.string()) + " 2>" + quote(err.string()) + " </dev/null";
    auto start = std::chrono::steady_clock::now();
    int status = std::system(cmd.c_str());
    Result r;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
  }

  /// Runs and parses stdout as JSON; fails the test (throws) when it is not JSON.
  json json_of(const std::vector<std::string>& args, int expected_exit = 0) const {
    Result r = (*this)(args);
    if (r.exit_code != expected_exit) {
      throw std::runtime_error("agentsys exited " + std::to_string(r.exit_code) + " (expected " +
                               std::to_string(expected_exit) + "): " + r.err);
    }
    return json::parse(r.out);
  }

  /// Runs `bash SCRIPT args...` of the source tree on this directory's state, as an operator
  /// would: the script finds this test's agentsys binary and runs it here.
  Result script(const std::string& script, const std::vector<std::string>& args,
                const std::vector<std::string>& env = {}) const {
    std::string cmd = "exec env AGENTSYS=" + quote(AGENTSYS_TEST_BIN) +
                      " AGENTSYS_WORKDIR=" + quote(dir_.path().string());
    for (const auto& e : env) cmd += " " + quote(e);
    cmd += " bash " + quote((fs::path(AGENTSYS_TEST_SOURCE_DIR) / script).string());
    for (const auto& a : args) cmd += " " + quote(a);
    if (plugins_) {
      for (const auto& a : all_plugin_dirs()) cmd += " " + quote(a);
    }
    return run_shell(cmd);
  }

  [[nodiscard]] const fs::path& dir() const { return dir_.path(); }
  [[nodiscard]] fs::path state_dir() const { return dir_.path() / "var"; }

 private:
  agentsys::test::TempDir dir_;
  bool plugins_;
};

/// agentsys started as a child process (posix_spawn) with stdout and stderr sent to files, so
/// that it can be killed at any moment.
class Child {
 public:
  Child(const std::vector<std::string>& args, const fs::path& out, const fs::path& err) {
    std::vector<std::string> argv_s = {AGENTSYS_TEST_BIN};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error(std::string("posix_spawn: ") + std::strerror(rc));
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      wait();
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }

  /// Sends SIGKILL; false when the child had already exited (it is still reaped by wait()).
  bool kill9() const { return pid_ > 0 && ::kill(pid_, SIGKILL) == 0; }

  /// Reaps the child (until then a killed kernel is a zombie that still looks alive to the
  /// recovery pass); returns the raw wait status.
  int wait() {
    if (pid_ > 0) {
      while (::waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
      }
      pid_ = -1;
    }
    return status_;
  }

  /// True while the child runs; reaps it (keeping its status for wait()) once it has exited.
  bool running() {
    if (pid_ <= 0) return false;
    if (::waitpid(pid_, &status_, WNOHANG) != pid_) return true;
    pid_ = -1;
    return false;
  }

 private:
  pid_t pid_ = -1;
  int status_ = 0;
};

}  // namespace agentsys::cli_test
