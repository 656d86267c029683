#pragma once
// Durable runs, attempts, events, idempotency keys and module health, with group commit.
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite.hpp"

namespace agentsys {

struct RunRow {
  std::string run_id, task_id, trace_id, module, action, input, input_digest, idempotency_key;
  bool dry_run = false;
  int64_t timeout_ms = 0;
  std::string retry_policy;  ///< JSON.
  std::string status, error_code, message, impl, plugin, plugin_version;
  int64_t attempts = 0;
  std::string output, key_fields;
  double latency_ms = 0;
  std::string created_at, updated_at;
  std::string owner;  ///< Process identity of the kernel running it.
};

struct AttemptRow {
  std::string run_id;
  int64_t attempt = 0;
  std::string status, error_code, message, impl, plugin, started_at, finished_at;
  double latency_ms = 0;
};

struct EventRow {
  int64_t id = 0;
  std::string ts, type, trace_id, run_id, module, impl;
  int64_t attempt = 0;
  std::string data;  ///< JSON object, or "".
};

/// One policy decision (the decision log). `input` is the request as given, truncated.
struct DecisionRow {
  int64_t id = 0;
  std::string ts, trace_id, run_id, plugin, kind, input_digest, input, decision, rule, reason;
};

struct ModuleHealth {
  int64_t consecutive_failures = 0;
  bool paused = false;
  std::string paused_reason;
};

struct RunFilter {
  std::string module;
  std::string status;
  int64_t limit = 100;
};

/// What the host's query_runs service asks for: recent runs of one module, newest first.
struct RunQuery {
  std::string module;                  ///< Required.
  std::vector<std::string> statuses;   ///< Empty: any status.
  std::string idempotency_key_prefix;  ///< Empty: any key (and runs without one).
  std::string since;                   ///< ISO-8601 UTC; empty: no lower bound on created_at.
  bool include_dry_runs = false;
  int64_t limit = 100;
};

/// Outcome of acknowledging one run whose task carries an idempotency key.
struct IdempotencyClaim {
  bool inserted = true;         ///< The run was recorded (and the key, if any, claimed).
  std::string existing_run_id;  ///< When not inserted: the run that holds the key.
  std::string existing_digest;  ///< ... and the digest of its input.
};

enum class Durability {
  full,    ///< fsync at every commit: survives power loss (group commit amortises it)
  normal,  ///< WAL without fsync per commit: survives a kernel crash, not a power loss
};

/// The kernel's run store over the state database. Writes are queued and applied by one writer
/// thread in batched transactions (group commit), in submission order; `acknowledge` and
/// `sync` wait for their commit. Reads use a second connection. Thread-safe.
class RunStore {
 public:
  RunStore(const std::filesystem::path& state_dir, Durability durability = Durability::full);
  ~RunStore();
  RunStore(const RunStore&) = delete;
  RunStore& operator=(const RunStore&) = delete;

  /// Records new runs, claiming their idempotency keys, and returns once that is committed:
  /// this is the acknowledgement. A run whose key is already held is not recorded.
  std::vector<IdempotencyClaim> acknowledge(const std::vector<RunRow>& runs);

  /// Queued writes.
  void update_run(const RunRow& row);  ///< The mutable columns (status ... latency, owner).
  void put_attempt(const AttemptRow& row);
  void append_event(const EventRow& row);
  void set_health(const std::string& module, const ModuleHealth& health);
  void append_decision(const DecisionRow& row);

  /// Returns once every write queued before the call is committed.
  void sync();

  /// Runs `fn` on the writer thread once every write queued before the call is committed (or
  /// has failed and been logged). Never blocks the caller.
  void after_commit(std::function<void()> fn);

  /// Takes over a run from a dead kernel: sets its owner to `new_owner` only if it is still
  /// `old_owner` (two recovering kernels never both take it). Committed on return.
  bool claim_run(const std::string& run_id, const std::string& old_owner,
                 const std::string& new_owner);

  std::optional<RunRow> find_run(const std::string& run_id);
  std::vector<RunRow> list_runs(const RunFilter& filter);
  /// Runs matching `query`, newest first (created_at, then run id), at most `query.limit`.
  std::vector<RunRow> query_runs(const RunQuery& query);
  std::vector<RunRow> runs_in_status(const std::vector<std::string>& statuses);
  std::vector<AttemptRow> attempts(const std::string& run_id);
  std::vector<EventRow> events(const std::string& run_id);
  /// A module's events of one type, newest first (e.g. its `cutover` and `rollback` events).
  std::vector<EventRow> module_events(const std::string& module, const std::string& type,
                                      int64_t limit = 100);
  std::map<std::string, ModuleHealth> health();
  /// Decisions, oldest first; all of them when `run_id` is empty.
  std::vector<DecisionRow> decisions(const std::string& run_id);
  /// Run id and input digest holding (module, key), if any.
  std::optional<std::pair<std::string, std::string>> idempotency(const std::string& module,
                                                                 const std::string& key);

  /// Runs `fn` on the read connection under its lock (for integrity checks and tests).
  void with_reader(const std::function<void(sqlite::Database&)>& fn);

 private:
  using Op = std::function<void(sqlite::Database&)>;
  struct Batch {
    std::vector<Op> ops;
    std::vector<std::promise<void>> waiters;
    std::vector<std::function<void()>> after;
  };
  void enqueue(Op op);
  void writer_loop();
  void apply(Batch& batch);

  sqlite::Database writer_db_;
  sqlite::Database reader_db_;
  std::mutex reader_mutex_;

  std::mutex queue_mutex_;
  std::condition_variable queue_cv_;
  Batch pending_;
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace agentsys
