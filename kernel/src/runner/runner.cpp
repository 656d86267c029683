#include "runner/runner.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "host/call_frame.hpp"
#include "plugin/plugin_library.hpp"
#include "task/ids.hpp"
#include "util/process_identity.hpp"
#include "util/sha256.hpp"
#include "util/time.hpp"

namespace agentsys {
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

/// One acknowledged run, from submission to its terminal status.
struct Runner::Run {
  TaskSpec spec;  // ids filled in
  std::string run_id;
  std::string digest;      // only with a store or an idempotency key (nothing else reads it)
  std::string created_at;  // only with a store
  std::string key_id;      // "module\0key" when the task has an idempotency key
  RetryPolicy retry;
  std::chrono::milliseconds timeout{0};
  TaskStatus status = TaskStatus::pending;
  unsigned attempt = 0;
  std::optional<Clock::time_point> first_start;
  RunResult result;
  std::shared_ptr<ShadowRunner::Pair> shadow;  // shadow mode: V2's call beside this run
  std::promise<RunResult> promise;
  std::shared_future<RunResult> future = promise.get_future().share();
  bool completed = false;
};

/// One attempt; shared by the worker calling the plugin and the deadline timer.
struct Runner::Attempt {
  std::shared_ptr<Run> run;
  unsigned number = 0;
  std::unique_ptr<CallFrame> frame;
  std::shared_ptr<PluginInstance> instance;
  std::atomic<bool> resolved{false};  // first of worker/deadline to set it finishes the attempt
  Clock::time_point started;
  std::string started_at;  // only with a store
  TimerQueue::Id deadline_timer = 0;
};

namespace {

/// Why a plugin's successful output cannot be used ("" when it can; then `parsed` holds it):
/// it nests too deeply for the printer's recursion, or it is not JSON.
std::string output_problem(const std::string& text, json& parsed) {
  if (json_depth(text, kMaxOutputDepth) > kMaxOutputDepth) {
    return fmt::format("the plugin returned JSON nested more than {} levels deep", kMaxOutputDepth);
  }
  try {
    parsed = json::parse(text);
    return {};
  } catch (const json::parse_error& e) {
    // what() reads "[json.exception.parse_error.101] parse error at line 1, column 3: ...".
    std::string why = e.what();
    if (size_t at = why.find("parse error at "); at != std::string::npos) why.erase(0, at + 15);
    return "the plugin returned malformed JSON: " + why;
  }
}

std::string impl_name(as_impl impl) {
  return impl == AS_IMPL_NONE ? std::string() : std::string(to_string(impl));
}

RunResult result_from_row(const RunRow& row) {
  RunResult r;
  r.run_id = row.run_id;
  r.task_id = row.task_id;
  r.trace_id = row.trace_id;
  r.module = row.module;
  r.action = row.action;
  r.status = parse_task_status(row.status).value_or(TaskStatus::pending);
  r.error_code = parse_error_code(row.error_code).value_or(ErrorCode::none);
  r.message = row.message;
  r.output_json = row.output;
  r.key_fields_json = row.key_fields;
  r.latency_ms = row.latency_ms;
  r.attempts = static_cast<unsigned>(row.attempts);
  r.impl = row.impl == "v1" ? AS_IMPL_V1 : row.impl == "v2" ? AS_IMPL_V2 : AS_IMPL_NONE;
  r.plugin = row.plugin;
  r.plugin_version = row.plugin_version;
  return r;
}

RunResult rejection(const TaskSpec& spec, ErrorCode code, std::string message) {
  RunResult r;
  r.task_id = spec.task_id;
  r.trace_id = spec.trace_id;
  r.module = spec.module;
  r.action = spec.action;
  r.status = TaskStatus::skipped;
  r.error_code = code;
  r.message = std::move(message);
  return r;
}

std::shared_future<RunResult> ready_future(RunResult r) {
  std::promise<RunResult> p;
  p.set_value(std::move(r));
  return p.get_future().share();
}

}  // namespace

namespace {

// Every live runner, for interrupt_all() (a signal interrupts whatever the process runs).
std::mutex& live_mutex() {
  static std::mutex m;
  return m;
}
std::set<Runner*>& live_runners() {
  static std::set<Runner*> runners;
  return runners;
}

}  // namespace

Runner::Runner(ModuleRegistry& registry, RunStore* store, RunObserver* observer,
               RunnerOptions options)
    : registry_(registry), store_(store), observer_(observer), options_(std::move(options)) {
  rng_.seed(options_.rng_seed != 0 ? options_.rng_seed : std::random_device{}());
  if (options_.workers == 0) options_.workers = std::max(2U, std::thread::hardware_concurrency());
  if (store_ != nullptr) health_ = store_->health();
  if (!options_.journal_dir.empty()) {
    journal_ = std::make_unique<AttemptJournal>(options_.journal_dir, current_process_identity());
  }
  std::lock_guard lock(mutex_);
  for (unsigned i = 0; i < options_.workers; ++i) threads_.emplace_back([this] { worker_loop(); });
  std::lock_guard live(live_mutex());
  live_runners().insert(this);
}

size_t Runner::interrupt_all(const std::string& why) {
  std::lock_guard live(live_mutex());  // a runner cannot shut down meanwhile
  for (Runner* r : live_runners()) r->interrupt(why);
  return live_runners().size();
}

void Runner::interrupt(const std::string& why) {
  std::vector<std::shared_ptr<Attempt>> calling;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;  // no new attempt, no retry
    calling.assign(calling_.begin(), calling_.end());
  }
  ready_cv_.notify_all();
  for (const std::shared_ptr<Attempt>& a : calling) cancel_attempt(a, why);
}

void Runner::cancel_attempt(const std::shared_ptr<Attempt>& attempt, const std::string& why) {
  if (attempt->resolved.exchange(true)) return;  // it finished, or its deadline came first
  timers_.cancel(attempt->deadline_timer);
  attempt->frame->cancelled = true;  // tells the plugin, and kills its host subprocesses
  stuck_.fetch_add(1);               // the worker retires when the call returns
  Invocation inv;
  inv.impl = attempt->instance->descriptor().impl;
  inv.plugin = attempt->instance->descriptor().name;
  inv.plugin_version = attempt->instance->descriptor().version;
  inv.outcome.status = AS_ERR_CANCELLED;
  inv.outcome.error = fmt::format("attempt {} was cancelled: {}", attempt->number, why);
  inv.latency_ms =
      std::chrono::duration<double, std::milli>(Clock::now() - attempt->started).count();
  finish_attempt(attempt->run, *attempt, std::move(inv), false);
}

Runner::~Runner() { shutdown(); }

void Runner::shutdown() {
  {
    std::lock_guard live(live_mutex());
    live_runners().erase(this);
  }
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  ready_cv_.notify_all();
  for (;;) {  // replacement workers may be added while we join
    std::thread t;
    {
      std::lock_guard lock(mutex_);
      if (threads_.empty()) break;
      t = std::move(threads_.back());
      threads_.pop_back();
    }
    t.join();
  }
  timers_.stop();  // pending retries are dropped: those runs stay `retrying` for recovery
  if (ShadowRunner* s = started_shadows()) s->shutdown();
  // Runs that never got (another) attempt stay recorded for recovery; release their waiters.
  std::vector<std::shared_ptr<Run>> left;
  {
    std::lock_guard lock(mutex_);
    ready_.clear();
    left.assign(active_.begin(), active_.end());
  }
  for (auto& run : left) {
    std::lock_guard lock(mutex_);
    if (run->completed) continue;
    run->completed = true;
    run->result.status = run->status;
    run->result.message = "the runner shut down before the run finished; recovery resumes it";
    run->promise.set_value(run->result);
  }
  if (store_ != nullptr) store_->sync();
}

void Runner::check_input_bounds(const TaskSpec& spec) const {
  size_t limit = options_.max_input_bytes;
  if (auto d = options_.module_defaults.find(spec.module);
      d != options_.module_defaults.end() && d->second.max_input_bytes) {
    limit = *d->second.max_input_bytes;
  }
  if (spec.input_json.size() > limit) {
    throw std::invalid_argument(fmt::format(
        "the input of module '{}' is {} bytes, more than its limit of {} (max_input_bytes in "
        "its module table or [runner])",
        spec.module, spec.input_json.size(), limit));
  }
  if (size_t depth = json_depth(spec.input_json); depth > kMaxJsonDepth) {
    throw std::invalid_argument(fmt::format(
        "the input nests arrays and objects more than {} levels deep: flatten it", kMaxJsonDepth));
  }
}

std::shared_ptr<Runner::Run> Runner::make_run(TaskSpec spec) {
  if (!is_valid_identifier(spec.module)) {
    throw std::invalid_argument(fmt::format("invalid module id '{}'", spec.module));
  }
  if (!registry_.binding(spec.module)) {
    throw std::invalid_argument(
        fmt::format("unknown module '{}': no loaded plugin serves it (see 'agentsys module list')",
                    spec.module));
  }
  if (spec.action.empty()) throw std::invalid_argument("the action must not be empty");
  check_input_bounds(spec);
  if (!json::accept(spec.input_json)) throw std::invalid_argument("the input is not valid JSON");
  if (spec.trace_id.empty()) {
    spec.trace_id = new_trace_id();
  } else if (!is_valid_trace_id(spec.trace_id)) {
    throw std::invalid_argument(fmt::format(
        "trace id '{}' is not 32 lowercase hex characters (W3C trace-context)", spec.trace_id));
  }
  if (spec.task_id.empty()) spec.task_id = new_time_ordered_id("task");
  if (spec.timeout && spec.timeout->count() <= 0) {
    throw std::invalid_argument("the timeout must be positive");
  }

  auto run = std::make_shared<Run>();
  run->run_id = new_time_ordered_id("run");
  if (store_ != nullptr || !spec.idempotency_key.empty()) {
    // The digest covers what the task does: the same key with another input is a conflict.
    // With a key the input is canonicalised first, so formatting differences do not conflict.
    std::string canonical =
        spec.idempotency_key.empty() ? spec.input_json : json::parse(spec.input_json).dump();
    run->digest = sha256_hex(spec.module + '\n' + spec.action + '\n' + canonical + '\n' +
                             (spec.dry_run ? "dry" : "wet"));
  }
  if (store_ != nullptr) run->created_at = iso8601_now();
  run->retry = options_.default_retry;
  run->timeout = options_.default_timeout;
  if (auto defaults = options_.module_defaults.find(spec.module);
      defaults != options_.module_defaults.end()) {
    run->retry = defaults->second.retry.value_or(run->retry);
    run->timeout = defaults->second.timeout.value_or(run->timeout);
  }
  if (spec.retry) run->retry = *spec.retry;
  if (spec.timeout) run->timeout = *spec.timeout;
  if (!spec.idempotency_key.empty()) run->key_id = spec.module + '\0' + spec.idempotency_key;
  run->result.run_id = run->run_id;
  run->result.task_id = spec.task_id;
  run->result.trace_id = spec.trace_id;
  run->result.module = spec.module;
  run->result.action = spec.action;
  run->spec = std::move(spec);
  return run;
}

RunResult Runner::replay(const std::string& run_id, const std::string& module) {
  store_->sync();  // our own pending writes first
  // The key's run may still be running in another kernel process: wait for its end, bounded.
  for (int i = 0; i < 3000; ++i) {
    std::optional<RunRow> row = store_->find_run(run_id);
    if (!row) break;
    RunResult r = result_from_row(*row);
    if (is_terminal(r.status) || i == 2999) {
      r.replayed = true;
      return r;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  RunResult r;
  r.run_id = run_id;
  r.module = module;
  r.status = TaskStatus::failed;
  r.error_code = ErrorCode::internal;
  r.message = "the run holding this idempotency key is missing from the store";
  return r;
}

Submission Runner::submit(TaskSpec spec) {
  std::vector<TaskSpec> one;
  one.push_back(std::move(spec));
  return submit_batch(std::move(one)).front();
}

std::vector<Submission> Runner::submit_batch(std::vector<TaskSpec> specs) {
  std::vector<std::shared_ptr<Run>> runs;
  runs.reserve(specs.size());
  for (TaskSpec& spec : specs) runs.push_back(make_run(std::move(spec)));  // all valid, or throw

  std::vector<Submission> futures(runs.size());
  std::vector<std::pair<size_t, std::string>> replays;  // index, run id
  std::vector<size_t> accepted;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) throw std::runtime_error("the runner is shutting down");
    for (size_t i = 0; i < runs.size(); ++i) {
      Run& run = *runs[i];
      if (!run.key_id.empty()) {
        if (auto it = in_flight_keys_.find(run.key_id); it != in_flight_keys_.end()) {
          if (it->second->digest == run.digest) {
            futures[i] = {it->second->run_id, it->second->future};
          } else {
            futures[i].result = ready_future(rejection(
                run.spec, ErrorCode::idempotency_conflict,
                fmt::format("idempotency key '{}' is held by run {} with a different input",
                            run.spec.idempotency_key, it->second->run_id)));
          }
          continue;
        }
        if (store_ != nullptr) {
          if (auto held = store_->idempotency(run.spec.module, run.spec.idempotency_key)) {
            if (held->second == run.digest) {
              replays.emplace_back(i, held->first);
            } else {
              futures[i].result = ready_future(rejection(
                  run.spec, ErrorCode::idempotency_conflict,
                  fmt::format("idempotency key '{}' is held by run {} with a different input",
                              run.spec.idempotency_key, held->first)));
            }
            continue;
          }
        }
        in_flight_keys_[run.key_id] = runs[i];
      }
      if (health_[run.spec.module].paused) {
        run.status = TaskStatus::skipped;
        run.result.error_code = ErrorCode::module_paused;
        run.result.message = fmt::format(
            "module '{}' is paused after {} consecutive failed runs: fix the cause, "
            "then run 'agentsys module resume {}'",
            run.spec.module, health_[run.spec.module].consecutive_failures, run.spec.module);
      } else if (options_.precheck) {
        if (auto denied = options_.precheck(run.spec)) {
          run.status = TaskStatus::skipped;
          run.result.error_code = denied->first;
          run.result.message = denied->second;
        }
      }
      futures[i] = {run.run_id, run.future};
      accepted.push_back(i);
    }
  }

  if (store_ != nullptr && !accepted.empty()) {
    std::vector<RunRow> rows;
    rows.reserve(accepted.size());
    for (size_t i : accepted) {
      const Run& run = *runs[i];
      RunRow row;
      row.run_id = run.run_id;
      row.task_id = run.spec.task_id;
      row.trace_id = run.spec.trace_id;
      row.module = run.spec.module;
      row.action = run.spec.action;
      row.input = run.spec.input_json;
      row.input_digest = run.digest;
      row.idempotency_key = run.spec.idempotency_key;
      row.dry_run = run.spec.dry_run;
      row.timeout_ms = run.timeout.count();
      row.retry_policy = run.retry.to_json().dump();
      row.status = std::string(to_string(run.status));
      row.error_code = run.result.error_code == ErrorCode::none
                           ? std::string()
                           : std::string(to_string(run.result.error_code));
      row.message = run.result.message;
      row.created_at = run.created_at;
      row.updated_at = run.created_at;
      row.owner = current_process_identity();
      rows.push_back(std::move(row));
    }
    std::vector<IdempotencyClaim> claims = store_->acknowledge(rows);
    for (size_t c = 0; c < claims.size(); ++c) {
      if (claims[c].inserted) continue;
      // Another kernel process took the key between our check and our commit.
      size_t i = accepted[c];
      Run& run = *runs[i];
      {
        std::lock_guard lock(mutex_);
        in_flight_keys_.erase(run.key_id);
        run.completed = true;
      }
      if (claims[c].existing_digest == run.digest) {
        replays.emplace_back(i, claims[c].existing_run_id);
      } else {
        futures[i] = {"", ready_future(rejection(
                              run.spec, ErrorCode::idempotency_conflict,
                              fmt::format("idempotency key '{}' is held by run {} with a "
                                          "different input",
                                          run.spec.idempotency_key, claims[c].existing_run_id)))};
      }
      accepted[c] = SIZE_MAX;
    }
  }
  for (const auto& [i, run_id] : replays) {
    futures[i] = {run_id, ready_future(replay(run_id, runs[i]->spec.module))};
  }

  // The whole batch under one lock and with one wake-up, not one of each per run.
  std::vector<std::shared_ptr<Run>> skipped;
  size_t queued = 0;
  {
    std::lock_guard lock(mutex_);
    for (size_t i : accepted) {
      if (i == SIZE_MAX) continue;
      active_.insert(runs[i]);
      if (runs[i]->status == TaskStatus::skipped) {
        skipped.push_back(runs[i]);
      } else if (!stopping_) {  // else left recorded as it is; shutdown releases the waiter
        ready_.push_back(runs[i]);
        ++queued;
      }
    }
  }
  if (queued == 1) ready_cv_.notify_one();
  if (queued > 1) ready_cv_.notify_all();
  for (const std::shared_ptr<Run>& run : skipped) {
    event(*run, "skipped",
          json{{"error_code", to_string(run->result.error_code)}, {"message", run->result.message}}
              .dump());
    complete(run);
  }
  return futures;
}

void Runner::enqueue(std::shared_ptr<Run> run) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;  // left recorded as it is; shutdown releases the waiter
    ready_.push_back(std::move(run));
  }
  ready_cv_.notify_one();
}

std::shared_ptr<Runner::Run> Runner::next_ready() {
  std::unique_lock lock(mutex_);
  std::shared_ptr<Run> picked;
  ready_cv_.wait(lock, [&] {
    if (stopping_) return true;
    for (auto it = ready_.begin(); it != ready_.end(); ++it) {
      const std::string& m = (*it)->spec.module;
      auto limit = options_.module_limits.find(m);
      if (limit == options_.module_limits.end() || running_per_module_[m] < limit->second) {
        picked = std::move(*it);
        ready_.erase(it);
        ++running_per_module_[m];
        return true;
      }
    }
    return false;
  });
  return stopping_ && !picked ? nullptr : picked;
}

void Runner::release_slot(const std::string& module) {
  {
    std::lock_guard lock(mutex_);
    auto it = running_per_module_.find(module);
    if (it != running_per_module_.end() && it->second > 0) --it->second;
  }
  // Only a per-module limit can leave a ready task waiting for this slot.
  if (options_.module_limits.count(module) != 0) ready_cv_.notify_all();
}

void Runner::spawn_worker() {
  std::lock_guard lock(mutex_);
  if (!stopping_) threads_.emplace_back([this] { worker_loop(); });
}

void Runner::worker_loop() {
  while (std::shared_ptr<Run> run = next_ready()) {
    if (execute(run)) return;  // replaced while stuck in a plugin: retire
  }
}

bool Runner::execute(const std::shared_ptr<Run>& run) {
  auto attempt = std::make_shared<Attempt>();
  attempt->run = run;
  transition(run->status, TaskStatus::running);
  attempt->number = ++run->attempt;
  attempt->started = Clock::now();
  if (store_ != nullptr) attempt->started_at = iso8601_now();
  if (!run->first_start) run->first_start = attempt->started;

  CallSpec spec;
  spec.module = run->spec.module;
  spec.action = run->spec.action;
  spec.input_json = run->spec.input_json;
  spec.trace_id = run->spec.trace_id;
  spec.run_id = run->run_id;
  spec.task_id = run->spec.task_id;
  spec.attempt = attempt->number;
  spec.dry_run = run->spec.dry_run;
  spec.deadline_unix_ms = unix_ms_now() + run->timeout.count();
  attempt->frame = std::make_unique<CallFrame>(spec);

  ModuleRegistry::Route route = registry_.route(run->spec.module, run->spec.idempotency_key.empty()
                                                                      ? run->spec.task_id
                                                                      : run->spec.idempotency_key);
  attempt->instance = route.instance;
  if (route.shadow && route.instance && attempt->number == 1 && options_.on_shadow) {
    std::chrono::milliseconds budget = run->timeout;
    if (auto d = options_.module_defaults.find(run->spec.module);
        d != options_.module_defaults.end() && d->second.shadow_budget) {
      budget = *d->second.shadow_budget;
    }
    run->shadow = shadows().start(run->spec, run->run_id, route.shadow, budget);
  }
  if (route.instance) {
    run->result.impl = route.instance->descriptor().impl;
    run->result.plugin = route.instance->descriptor().name;
    run->result.plugin_version = route.instance->descriptor().version;
  }
  persist(*run);
  if (store_ != nullptr) {
    store_->put_attempt({run->run_id, attempt->number, "running", "", "",
                         impl_name(run->result.impl), run->result.plugin, attempt->started_at, "",
                         0});
  }
  event(*run, "started");

  if (!route.instance) {
    attempt->resolved = true;
    Invocation inv;
    inv.outcome = std::move(route.error);
    finish_attempt(run, *attempt, std::move(inv), false);
    return false;
  }
  std::weak_ptr<Attempt> weak = attempt;
  attempt->deadline_timer = timers_.schedule(attempt->started + run->timeout, [this, weak] {
    if (std::shared_ptr<Attempt> a = weak.lock()) on_deadline(a);
  });
  {
    std::lock_guard lock(mutex_);
    calling_.insert(attempt);
  }
  // An isolated plugin cannot take this process down; an in-process one can, and then the
  // journal is how recovery knows this attempt was the one running.
  AttemptJournal* journal = route.instance->isolated() ? nullptr : journal_.get();
  if (journal != nullptr) journal->begin(run->run_id, attempt->number);
  Invocation inv = ModuleRegistry::call(*route.instance, *attempt->frame);
  if (journal != nullptr) journal->end(run->run_id, attempt->number);
  {
    std::lock_guard lock(mutex_);
    calling_.erase(attempt);
  }
  if (attempt->resolved.exchange(true)) {
    // The deadline won: the run has moved on and a replacement worker took this one's place.
    stuck_.fetch_sub(1);
    spdlog::warn("run {}: attempt {} returned {:.0f} ms after its timeout; result discarded",
                 run->run_id, attempt->number,
                 inv.latency_ms - static_cast<double>(run->timeout.count()));
    return true;
  }
  timers_.cancel(attempt->deadline_timer);
  finish_attempt(run, *attempt, std::move(inv), false);
  return false;
}

void Runner::on_deadline(const std::shared_ptr<Attempt>& attempt) {
  if (attempt->resolved.exchange(true)) return;
  attempt->frame->cancelled = true;  // tells the plugin, and kills its host subprocesses
  stuck_.fetch_add(1);
  spawn_worker();  // the stuck worker retires when its call finally returns
  Invocation inv;
  inv.impl = attempt->instance->descriptor().impl;
  inv.plugin = attempt->instance->descriptor().name;
  inv.plugin_version = attempt->instance->descriptor().version;
  inv.outcome.status = AS_ERR_TIMEOUT;
  inv.outcome.error = fmt::format("attempt {} exceeded its timeout of {} ms and was abandoned",
                                  attempt->number, attempt->run->timeout.count());
  inv.latency_ms =
      std::chrono::duration<double, std::milli>(Clock::now() - attempt->started).count();
  finish_attempt(attempt->run, *attempt, std::move(inv), true);
}

void Runner::finish_attempt(const std::shared_ptr<Run>& run, const Attempt& attempt, Invocation inv,
                            bool timed_out) {
  ErrorCode code = timed_out ? ErrorCode::timeout : from_status(inv.outcome.status);
  std::string message = inv.outcome.error;
  json output;
  if (code == ErrorCode::none) {
    std::string problem = output_problem(inv.outcome.output, output);
    if (!problem.empty()) {
      code = ErrorCode::plugin_error;
      message = std::move(problem);
    }
  }
  auto now = Clock::now();
  double attempt_ms = std::chrono::duration<double, std::milli>(now - attempt.started).count();
  RunResult& r = run->result;
  if (inv.impl != AS_IMPL_NONE) {
    r.impl = inv.impl;
    r.plugin = inv.plugin;
    r.plugin_version = inv.plugin_version;
  }
  r.attempts = attempt.number;
  r.latency_ms = std::chrono::duration<double, std::milli>(now - *run->first_start).count();
  std::string attempt_status =
      code == ErrorCode::none ? "succeeded" : (timed_out ? "timed_out" : "failed");
  std::string code_name = code == ErrorCode::none ? "" : std::string(to_string(code));
  if (store_ != nullptr) {
    store_->put_attempt({run->run_id, attempt.number, attempt_status, code_name, message,
                         impl_name(r.impl), r.plugin, attempt.started_at, iso8601_now(),
                         attempt_ms});
  }
  if (observer_ != nullptr) {
    observer_->record({"attempt", iso8601_now(), code == ErrorCode::none ? "info" : "warn",
                       run->spec.trace_id, run->run_id, run->spec.task_id, run->spec.module,
                       run->spec.action, impl_name(r.impl), attempt.number, attempt_status,
                       attempt_ms, code_name, message});
  }
  release_slot(run->spec.module);

  if (code == ErrorCode::none) {
    transition(run->status, TaskStatus::succeeded);
    r.error_code = ErrorCode::none;
    r.message.clear();
    r.output_json = output.dump();
    if (output.is_object() && output.contains("key_fields")) {
      r.key_fields_json = output["key_fields"].dump();
    }
    // Every task passes here: build the event's JSON only when a store records it.
    if (store_ != nullptr) event(*run, "succeeded", json{{"latency_ms", attempt_ms}}.dump());
    complete(run);
    return;
  }
  r.error_code = code;
  r.message = message;
  event(*run, "attempt_failed",
        json{{"error_code", code_name}, {"message", message}, {"latency_ms", attempt_ms}}.dump());
  bool stopping = false;
  std::chrono::milliseconds delay{0};
  {
    std::lock_guard lock(mutex_);
    stopping = stopping_;
    if (!stopping) delay = run->retry.next_delay(attempt.number + 1, rng_);
  }
  if (!stopping && run->retry.should_retry(attempt.number, code)) {
    transition(run->status, TaskStatus::retrying);
    event(*run, "retrying",
          json{{"next_attempt", attempt.number + 1}, {"delay_ms", delay.count()}}.dump());
    persist(*run);
    timers_.schedule(Clock::now() + delay, [this, run] { enqueue(run); });
    return;
  }
  TaskStatus final_status = code == ErrorCode::timeout     ? TaskStatus::timed_out
                            : code == ErrorCode::cancelled ? TaskStatus::cancelled
                                                           : TaskStatus::failed;
  transition(run->status, final_status);
  event(*run, std::string(to_string(final_status)),
        json{{"error_code", code_name}, {"message", message}, {"attempts", attempt.number}}.dump());
  complete(run);
}

void Runner::complete(const std::shared_ptr<Run>& run) {
  run->result.status = run->status;
  persist(*run);
  if (observer_ != nullptr) {
    const RunResult& r = run->result;
    observer_->record(
        {"run", iso8601_now(), r.ok() ? "info" : "error", r.trace_id, r.run_id, r.task_id, r.module,
         r.action, impl_name(r.impl), r.attempts, std::string(to_string(r.status)), r.latency_ms,
         r.error_code == ErrorCode::none ? "" : std::string(to_string(r.error_code)), r.message});
  }
  if (options_.on_finished) options_.on_finished(run->result);
  if (run->shadow) started_shadows()->primary_done(run->shadow, run->result);
  note_outcome(run);
  // A result is reported only once it is durable: nobody may see "succeeded" for a run that a
  // crash would leave running (and recovery would run again).
  auto resolve = [this, run] {
    std::lock_guard lock(mutex_);
    active_.erase(run);
    if (!run->key_id.empty()) {
      auto it = in_flight_keys_.find(run->key_id);
      if (it != in_flight_keys_.end() && it->second == run) in_flight_keys_.erase(it);
    }
    if (!run->completed) {
      run->completed = true;
      run->promise.set_value(std::move(run->result));  // nothing reads it once completed
    }
  };
  if (store_ != nullptr) {
    store_->after_commit(std::move(resolve));
  } else {
    resolve();
  }
}

void Runner::wait_idle() {
  // Polled: this is for a CLI about to exit, not a hot path, and it keeps `complete` lean.
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (active_.empty() || stopping_) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (ShadowRunner* s = started_shadows()) s->wait_idle();
}

ShadowRunner& Runner::shadows() {
  std::lock_guard lock(mutex_);
  if (!shadows_) shadows_ = std::make_unique<ShadowRunner>(options_.workers, options_.on_shadow);
  return *shadows_;
}

ShadowRunner* Runner::started_shadows() const {
  std::lock_guard lock(mutex_);
  return shadows_.get();
}

void Runner::note_outcome(const std::shared_ptr<Run>& run) {
  bool failed = run->status == TaskStatus::failed || run->status == TaskStatus::timed_out;
  bool succeeded = run->status == TaskStatus::succeeded;
  if (!failed && !succeeded) return;  // skipped and cancelled runs say nothing about health
  ModuleHealth snapshot;
  bool paused_now = false;
  {
    std::lock_guard lock(mutex_);
    ModuleHealth& h = health_[run->spec.module];
    if (succeeded) {
      if (h.consecutive_failures == 0) return;
      h.consecutive_failures = 0;
    } else {
      ++h.consecutive_failures;
      if (options_.pause_after_failures > 0 && !h.paused &&
          h.consecutive_failures >= options_.pause_after_failures) {
        h.paused = true;
        h.paused_reason =
            fmt::format("{} consecutive failed runs, the last {} ({})", h.consecutive_failures,
                        run->run_id, to_string(run->result.error_code));
        paused_now = true;
      }
    }
    snapshot = h;
  }
  if (store_ != nullptr) store_->set_health(run->spec.module, snapshot);
  if (paused_now) {
    spdlog::error("module {} paused: {}", run->spec.module, snapshot.paused_reason);
    event(*run, "module_paused", json{{"reason", snapshot.paused_reason}}.dump());
  }
}

void Runner::resume_module(const std::string& module) {
  ModuleHealth h;
  {
    std::lock_guard lock(mutex_);
    health_[module] = h;
  }
  if (store_ != nullptr) {
    store_->set_health(module, h);
    store_->append_event({0, iso8601_now(), "module_resumed", "", "", module, "", 0, ""});
    store_->sync();
  }
}

bool Runner::module_paused(const std::string& module) const {
  std::lock_guard lock(mutex_);
  auto it = health_.find(module);
  return it != health_.end() && it->second.paused;
}

void Runner::event(const Run& run, std::string type, std::string data) {
  if (store_ == nullptr) return;
  store_->append_event({0, iso8601_now(), std::move(type), run.spec.trace_id, run.run_id,
                        run.spec.module, impl_name(run.result.impl), run.attempt, std::move(data)});
}

void Runner::persist(const Run& run) {
  if (store_ == nullptr) return;
  const RunResult& r = run.result;
  RunRow row;
  row.run_id = run.run_id;
  row.status = std::string(to_string(run.status));
  row.error_code = r.error_code == ErrorCode::none ? "" : std::string(to_string(r.error_code));
  row.message = r.message;
  row.impl = impl_name(r.impl);
  row.plugin = r.plugin;
  row.plugin_version = r.plugin_version;
  row.attempts = run.attempt;
  row.output = r.output_json;
  row.key_fields = r.key_fields_json;
  row.latency_ms = r.latency_ms;
  row.updated_at = iso8601_now();
  row.owner = current_process_identity();
  store_->update_run(row);
}

std::vector<Submission> Runner::recover(RecoveryScope scope) {
  std::vector<Submission> futures;
  if (store_ == nullptr) return futures;
  std::map<std::string, std::map<std::string, std::set<unsigned>>> journals;  // per dead owner
  std::vector<std::shared_ptr<Run>> resume;
  for (const RunRow& row :
       store_->runs_in_status({"pending", "running", "retrying", "interrupted"})) {
    if (row.owner == current_process_identity() || process_identity_alive(row.owner)) continue;
    auto journal = journals.find(row.owner);
    if (journal == journals.end()) {
      journal =
          journals
              .emplace(row.owner, options_.journal_dir.empty()
                                      ? std::map<std::string, std::set<unsigned>>{}
                                      : AttemptJournal::unfinished(options_.journal_dir, row.owner))
              .first;
    }
    if (!store_->claim_run(row.run_id, row.owner, current_process_identity())) continue;
    static const std::set<unsigned> kNone;
    auto crashed = journal->second.find(row.run_id);
    recover_run(row, crashed == journal->second.end() ? kNone : crashed->second, scope, futures,
                resume);
  }
  if (!journals.empty() && !options_.journal_dir.empty()) {
    // What the journals showed is recorded: they go before anything runs again, since a run
    // resumed here may crash this process too.
    store_->sync();
    for (const auto& [owner, unused] : journals) {
      AttemptJournal::remove(options_.journal_dir, owner);
    }
  }
  for (std::shared_ptr<Run>& run : resume) enqueue(std::move(run));
  return futures;
}

unsigned Runner::record_crashes(const RunRow& row, const std::set<unsigned>& crashed) {
  unsigned crashes = 0;
  std::set<unsigned> finished;  // attempts whose end the kernel recorded: not crashes
  for (const AttemptRow& a : store_->attempts(row.run_id)) {
    if (a.error_code == to_string(ErrorCode::plugin_crashed)) {
      ++crashes;
    } else if (a.status != "running") {
      finished.insert(static_cast<unsigned>(a.attempt));
    }
  }
  for (unsigned number : crashed) {
    if (finished.count(number) != 0) continue;
    store_->put_attempt({row.run_id, number, "interrupted",
                         std::string(to_string(ErrorCode::plugin_crashed)),
                         "the kernel process died during this in-process plugin call", row.impl,
                         row.plugin, row.updated_at, iso8601_now(), 0});
    ++crashes;
  }
  return crashes;
}

void Runner::recover_run(const RunRow& row, const std::set<unsigned>& crashed, RecoveryScope scope,
                         std::vector<Submission>& futures,
                         std::vector<std::shared_ptr<Run>>& resume) {
  auto run = std::make_shared<Run>();
  run->run_id = row.run_id;
  run->digest = row.input_digest;
  run->created_at = row.created_at;
  run->spec.module = row.module;
  run->spec.action = row.action;
  run->spec.input_json = row.input;
  run->spec.idempotency_key = row.idempotency_key;
  run->spec.trace_id = row.trace_id;
  run->spec.task_id = row.task_id;
  run->spec.dry_run = row.dry_run;
  run->timeout = std::chrono::milliseconds(row.timeout_ms);
  try {
    run->retry = RetryPolicy::from_json(json::parse(row.retry_policy), options_.default_retry);
  } catch (const std::exception&) {
    run->retry = options_.default_retry;
  }
  if (!row.idempotency_key.empty()) run->key_id = row.module + '\0' + row.idempotency_key;
  // The journal may know of an attempt the store never heard of (its start was still queued).
  run->attempt =
      std::max(static_cast<unsigned>(row.attempts), crashed.empty() ? 0U : *crashed.rbegin());
  run->result = result_from_row(row);
  run->status = parse_task_status(row.status).value_or(TaskStatus::pending);

  const bool died_in_call = crashed.count(run->attempt) != 0;
  const unsigned crashes = record_crashes(row, crashed);
  if (run->status != TaskStatus::interrupted) {
    transition(run->status, TaskStatus::interrupted);
    if (row.status == "running" && !died_in_call) {
      store_->put_attempt({row.run_id, row.attempts, "interrupted", "interrupted",
                           "the kernel running this attempt stopped", row.impl, row.plugin,
                           row.updated_at, iso8601_now(), 0});
    }
    event(*run, "interrupted",
          json{{"previous_status", row.status}, {"previous_owner", row.owner}}.dump());
  }
  run->result.error_code = ErrorCode::interrupted;
  run->result.message = "the kernel running it stopped before it finished";

  if (crashes >= options_.quarantine_after_crashes && options_.quarantine_after_crashes > 0) {
    transition(run->status, TaskStatus::failed);
    run->result.error_code = ErrorCode::plugin_crashed;
    run->result.message = fmt::format(
        "quarantined: {} attempts of this task were running when their process died; it is not "
        "run again (see 'agentsys runs show {}')",
        crashes, run->run_id);
    event(*run, "quarantined", json{{"crashes", crashes}, {"attempts", run->attempt}}.dump());
    futures.push_back({run->run_id, run->future});
    complete(run);
    return;
  }
  ModuleRegistry::Route route = registry_.route(row.module, row.idempotency_key);
  if (!route.instance) {
    persist(*run);  // left interrupted for a kernel that serves the module
    return;
  }
  if (crashes > 0 && scope == RecoveryScope::automatic && !route.instance->isolated()) {
    event(*run, "recovery_deferred",
          json{{"reason",
                "an attempt was running in-process when its kernel died; "
                "'agentsys runs recover' runs it again"},
               {"crashes", crashes}}
              .dump());
    persist(*run);
    return;
  }
  run->first_start = Clock::now();
  if (run->retry.should_retry(run->attempt, ErrorCode::interrupted)) {
    transition(run->status, TaskStatus::retrying);
    event(*run, "retrying", json{{"next_attempt", run->attempt + 1}, {"delay_ms", 0}}.dump());
    persist(*run);
    {
      std::lock_guard lock(mutex_);
      if (!run->key_id.empty()) in_flight_keys_[run->key_id] = run;
      active_.insert(run);
    }
    futures.push_back({run->run_id, run->future});
    resume.push_back(run);
  } else {
    transition(run->status, TaskStatus::failed);
    event(*run, "failed", json{{"error_code", "interrupted"}, {"attempts", run->attempt}}.dump());
    futures.push_back({run->run_id, run->future});
    complete(run);
  }
}

}  // namespace agentsys
