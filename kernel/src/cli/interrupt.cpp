#include "cli/interrupt.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "runner/runner.hpp"

namespace agentsys::cli {
namespace {

std::atomic<int> g_signal{0};
std::atomic<size_t> g_runners{0};

// A command that runs no task has nothing to record: it ends at once. One that does gets
// this long to record its cancelled runs before the process ends regardless.
constexpr std::chrono::seconds kGrace{10};

void wait_for_signals(sigset_t set) {
  for (;;) {
    int sig = 0;
    if (::sigwait(&set, &sig) != 0) continue;
    if (g_signal.exchange(sig) != 0) std::_Exit(128 + sig);  // the second: at once
    const std::string why = fmt::format("interrupted by {}", sig == SIGINT ? "SIGINT" : "SIGTERM");
    g_runners = Runner::interrupt_all(why);
    if (g_runners == 0) {
      std::fflush(nullptr);
      std::fprintf(stderr, "agentsys: %s\n", why.c_str());
      std::_Exit(128 + sig);
    }
    // The command now finishes by itself; it must not hang on a plugin that ignores it.
    std::thread([sig] {
      std::this_thread::sleep_for(kGrace);
      std::fflush(nullptr);
      std::fprintf(stderr, "agentsys: still running %lld s after the signal: exiting\n",
                   static_cast<long long>(kGrace.count()));
      std::_Exit(128 + sig);
    }).detach();
  }
}

}  // namespace

void handle_interrupts() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  ::pthread_sigmask(SIG_BLOCK, &set, nullptr);  // inherited by every later thread
  std::thread([set] { wait_for_signals(set); }).detach();
}

int interrupted_by() { return g_signal.load(); }

int exit_code_after_interrupt(int code, std::ostream& err) {
  const int sig = interrupted_by();
  if (sig == 0) return code;
  fmt::print(err,
             "agentsys: interrupted by {}: attempts in progress were cancelled and recorded; "
             "runs not started are left for recovery (agentsys runs recover)\n",
             sig == SIGINT ? "SIGINT" : "SIGTERM");
  return 128 + sig;
}

}  // namespace agentsys::cli
