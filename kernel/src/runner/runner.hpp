#pragma once
// The runner: every task's way through the kernel — acknowledgement, idempotency, policy
// pre-check, routing, per-attempt timeout, retries with backoff, concurrency limits, the
// module circuit breaker, durable records and telemetry.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "registry/module_registry.hpp"
#include "runner/shadow_runner.hpp"
#include "runner/timer_queue.hpp"
#include "store/attempt_journal.hpp"
#include "store/run_store.hpp"
#include "task/task.hpp"
#include "util/json_depth.hpp"

namespace agentsys {

/// One log/metric record per attempt and per finished run, for telemetry.
struct TelemetryRecord {
  std::string kind;  ///< "attempt" or "run"
  std::string ts;
  std::string level;
  std::string trace_id, run_id, task_id, module, action, impl;
  unsigned attempt = 0;
  std::string status;
  double latency_ms = 0;
  std::string error_code;  ///< "" when none
  std::string message;
};

/// Receives telemetry records; must be cheap and thread-safe (it is called on the hot path).
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual void record(TelemetryRecord record) = 0;
};

/// Decides before a task runs whether policy lets it run at all (the policy pre-check). An
/// empty optional allows it; otherwise the run ends with that error code and message.
using TaskPrecheck =
    std::function<std::optional<std::pair<ErrorCode, std::string>>(const TaskSpec&)>;

/// A module's own defaults for tasks that set none (from its configuration).
struct ModuleDefaults {
  std::optional<std::chrono::milliseconds> timeout;
  std::optional<RetryPolicy> retry;
  /// Shadow mode: V2's own time budget (default: the task's timeout).
  std::optional<std::chrono::milliseconds> shadow_budget;
  /// The largest input accepted (default: RunnerOptions::max_input_bytes).
  std::optional<size_t> max_input_bytes;
};

struct RunnerOptions {
  unsigned workers = 0;  ///< Concurrent attempts overall; 0: the number of CPUs (at least 2).
  std::map<std::string, unsigned> module_limits;  ///< Concurrent attempts per module.
  std::map<std::string, ModuleDefaults> module_defaults;
  /// Consecutive failed runs after which a module is paused; 0 never pauses.
  unsigned pause_after_failures = 5;
  std::chrono::milliseconds default_timeout{std::chrono::minutes(5)};
  /// The largest task input accepted, for modules that set none.
  size_t max_input_bytes = kDefaultMaxInputBytes;
  RetryPolicy default_retry;
  TaskPrecheck precheck;
  /// Called with every run's final result (on a worker thread, before the result is handed
  /// back): lineage. Must be thread-safe; keep it cheap for modules that do not need it.
  std::function<void(const RunResult&)> on_finished;
  /// Called once both sides of a shadow-mode task are done (on a shadow thread): the
  /// reconciliation. Must be thread-safe.
  ShadowRunner::OnPair on_shadow;
  uint64_t rng_seed = 0;  ///< 0: random. Fixed seeds make backoff jitter reproducible.
  /// Where the attempt journal is kept (in-process calls in progress, see AttemptJournal);
  /// empty: none, and recovery cannot tell a task that crashed its kernel.
  std::filesystem::path journal_dir;
  /// Recovery fails, instead of running again, a task whose attempts were running when their
  /// process died this many times (plugin_crashed, a `quarantined` event).
  unsigned quarantine_after_crashes = 2;
};

/// What the recovery pass may run again in this process.
enum class RecoveryScope {
  /// Inside a command that came for other work (`run`, `batch`): a run whose last attempt
  /// was running in-process when its kernel died is left for `runs recover`, since running it
  /// here could take this command down the same way. Other runs (and every run of an
  /// isolated module) are resumed.
  automatic,
  /// `agentsys runs recover`: every recoverable run, quarantine aside.
  everything,
};

/// Thread-safe. Submitting returns once the run is acknowledged (durably recorded when a store
/// is attached); the future resolves when the run reaches a terminal status or is deferred
/// past this runner's lifetime (see `shutdown`).
class Runner {
 public:
  /// `store` and `observer` may be null (no durability / no telemetry).
  Runner(ModuleRegistry& registry, RunStore* store, RunObserver* observer,
         RunnerOptions options = {});
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  /// Validates, acknowledges and queues tasks. Throws std::invalid_argument for a task that
  /// cannot be accepted at all (unknown module, malformed JSON, bad id), before recording any.
  std::vector<Submission> submit_batch(std::vector<TaskSpec> specs);
  Submission submit(TaskSpec spec);
  RunResult run(TaskSpec spec) { return submit(std::move(spec)).result.get(); }

  /// Finds runs left in flight by kernels that are no longer running, marks them interrupted
  /// and, where their retry policy allows, runs them again here. Returns their futures.
  std::vector<Submission> recover(RecoveryScope scope = RecoveryScope::everything);

  /// Waits until no run is in flight (pending, running or awaiting a retry) and every shadow
  /// comparison is done: the CLI's way to let the tasks a run submitted (a scheduler's jobs)
  /// and the shadows of its runs finish before it exits.
  void wait_idle();

  /// Resumes a paused module (resets its failure count).
  void resume_module(const std::string& module);
  [[nodiscard]] bool module_paused(const std::string& module) const;

  /// Stops taking work, lets running attempts finish and returns. Runs waiting for a retry
  /// stay `retrying` in the store for a later recovery.
  void shutdown();
  /// Stops taking work and cancels every attempt in progress (its plugin is told, its host
  /// subprocesses are killed); those runs end `cancelled` with `why`. Runs not yet started
  /// stay recorded for recovery once shutdown() releases them.
  void interrupt(const std::string& why);
  /// interrupt() on every live runner of the process (the CLI's signal handling). Returns
  /// how many runners there were.
  static size_t interrupt_all(const std::string& why);

  /// Attempts that ran past their timeout and whose plugin has not returned yet.
  [[nodiscard]] unsigned stuck_attempts() const { return stuck_.load(); }

 private:
  struct Run;
  struct Attempt;

  void worker_loop();
  std::shared_ptr<Run> next_ready();
  void enqueue(std::shared_ptr<Run> run);
  /// Runs one attempt; true when the attempt was abandoned at its deadline (the calling worker
  /// has been replaced and must retire).
  bool execute(const std::shared_ptr<Run>& run);
  void on_deadline(const std::shared_ptr<Attempt>& attempt);
  void finish_attempt(const std::shared_ptr<Run>& run, const Attempt& attempt, Invocation inv,
                      bool timed_out);
  void complete(const std::shared_ptr<Run>& run);
  void release_slot(const std::string& module);
  void spawn_worker();
  void note_outcome(const std::shared_ptr<Run>& run);
  void event(const Run& run, std::string type, std::string data = {});
  void persist(const Run& run);
  RunResult replay(const std::string& run_id, const std::string& module);
  std::shared_ptr<Run> make_run(TaskSpec spec);
  void cancel_attempt(const std::shared_ptr<Attempt>& attempt, const std::string& why);
  /// Throws std::invalid_argument when the input is larger or nests deeper than allowed.
  void check_input_bounds(const TaskSpec& spec) const;
  /// Recovery of one run claimed from a dead kernel; `crashed` are the attempts its journal
  /// shows in progress. Adds the run's future to `futures` unless it is left for later, and
  /// the run to `resume` when it is to run again.
  void recover_run(const RunRow& row, const std::set<unsigned>& crashed, RecoveryScope scope,
                   std::vector<Submission>& futures, std::vector<std::shared_ptr<Run>>& resume);
  /// Marks `row`'s attempts in `crashed` as ended by their process dying (plugin_crashed) and
  /// returns how many attempts of the run have ended that way in all.
  unsigned record_crashes(const RunRow& row, const std::set<unsigned>& crashed);

  ShadowRunner& shadows();                              // started on first use
  [[nodiscard]] ShadowRunner* started_shadows() const;  // null until then

  ModuleRegistry& registry_;
  RunStore* store_;
  RunObserver* observer_;
  RunnerOptions options_;
  TimerQueue timers_;

  mutable std::mutex mutex_;  // guards everything below
  std::condition_variable ready_cv_;
  std::deque<std::shared_ptr<Run>> ready_;
  std::map<std::string, unsigned> running_per_module_;
  std::map<std::string, ModuleHealth> health_;
  std::map<std::string, std::shared_ptr<Run>> in_flight_keys_;  // "module\0key" -> run
  std::unordered_set<std::shared_ptr<Run>> active_;             // not yet complete
  std::mt19937_64 rng_;
  std::vector<std::thread> threads_;
  bool stopping_ = false;
  std::atomic<unsigned> stuck_{0};
  std::set<std::shared_ptr<Attempt>> calling_;  // attempts inside a plugin call
  std::unique_ptr<ShadowRunner> shadows_;       // started by the first shadow-mode task
  std::unique_ptr<AttemptJournal> journal_;     // null without options_.journal_dir
};

}  // namespace agentsys
