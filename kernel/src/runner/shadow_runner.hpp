#pragma once
// Shadow calls. In shadow mode a task's V2 runs beside its V1 on threads of its own, under its
// own time budget and sandboxed (side effects outside its run directory are only recorded), so
// V1's result and latency never wait for it. When both sides are done, the pair is handed on
// (to the reconciliation) on a shadow thread.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "registry/module_registry.hpp"
#include "runner/timer_queue.hpp"
#include "task/task.hpp"

namespace agentsys {

/// A finished shadow pair.
struct ShadowOutcome {
  TaskSpec spec;              ///< The task as the primary ran it (ids filled in).
  std::string run_id;         ///< The primary (V1) run.
  std::string shadow_run_id;  ///< V2's own run id ("<run_id>-shadow"): its directory, events.
  RunResult primary;          ///< V1's final result.
  Invocation shadow;          ///< V2's call: outcome, plugin, latency.
  bool overran = false;       ///< V2 ran past its budget: a V2 failure.
  std::string started_at;     ///< When V2's call started (ISO 8601).
};

class ShadowRunner {
 public:
  using OnPair = std::function<void(const ShadowOutcome&)>;
  struct Pair;

  /// `threads` shadow calls run at once (more wait their turn); `on_pair` must be thread-safe.
  ShadowRunner(unsigned threads, OnPair on_pair);
  ~ShadowRunner();
  ShadowRunner(const ShadowRunner&) = delete;
  ShadowRunner& operator=(const ShadowRunner&) = delete;

  /// Starts V2's call for the primary run `run_id` of `spec`; V2 gets `budget` from the moment
  /// its call starts.
  std::shared_ptr<Pair> start(const TaskSpec& spec, const std::string& run_id,
                              std::shared_ptr<PluginInstance> v2, std::chrono::milliseconds budget);
  /// Hands over V1's final result; the pair is compared once V2 is done too.
  void primary_done(const std::shared_ptr<Pair>& pair, const RunResult& primary);

  /// Waits until every started pair has been handed on.
  void wait_idle();
  /// Stops: pairs not yet handed on are dropped (with a warning); running calls finish first.
  void shutdown();

 private:
  void worker_loop();
  /// Runs V2's call; true when its deadline passed first (a replacement worker took over).
  bool call(const std::shared_ptr<Pair>& pair);
  void on_deadline(const std::shared_ptr<Pair>& pair);
  /// Posts the hand-over when both sides are done (never on the primary's thread).
  void maybe_finish(const std::shared_ptr<Pair>& pair);
  void post(std::function<bool()> job);
  void spawn_worker();

  OnPair on_pair_;
  TimerQueue timers_;
  std::mutex mutex_;
  std::condition_variable ready_cv_;
  std::condition_variable idle_cv_;
  std::deque<std::function<bool()>> jobs_;  // true: the worker retires
  std::vector<std::thread> threads_;
  size_t pending_pairs_ = 0;  // started, not yet handed on
  bool stopping_ = false;
};

}  // namespace agentsys
