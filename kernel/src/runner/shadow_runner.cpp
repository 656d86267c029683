#include "runner/shadow_runner.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <optional>
#include <utility>

#include "host/call_frame.hpp"
#include "util/time.hpp"

namespace agentsys {
using Clock = std::chrono::steady_clock;

struct ShadowRunner::Pair {
  ShadowOutcome outcome;
  std::shared_ptr<PluginInstance> instance;
  std::chrono::milliseconds budget{0};
  std::unique_ptr<CallFrame> frame;
  Clock::time_point started;
  TimerQueue::Id deadline_timer = 0;
  std::atomic<bool> resolved{false};  // first of call/deadline to set it decides V2's side

  std::mutex mutex;  // guards the three below
  bool primary_done = false;
  bool shadow_done = false;
  bool handed_on = false;
};

ShadowRunner::ShadowRunner(unsigned threads, OnPair on_pair) : on_pair_(std::move(on_pair)) {
  std::lock_guard lock(mutex_);
  for (unsigned i = 0; i < std::max(1U, threads); ++i) {
    threads_.emplace_back([this] { worker_loop(); });
  }
}

ShadowRunner::~ShadowRunner() { shutdown(); }

std::shared_ptr<ShadowRunner::Pair> ShadowRunner::start(const TaskSpec& spec,
                                                        const std::string& run_id,
                                                        std::shared_ptr<PluginInstance> v2,
                                                        std::chrono::milliseconds budget) {
  auto pair = std::make_shared<Pair>();
  pair->outcome.spec = spec;
  pair->outcome.run_id = run_id;
  pair->outcome.shadow_run_id = run_id + "-shadow";
  pair->instance = std::move(v2);
  pair->budget = budget;
  {
    std::lock_guard lock(mutex_);
    ++pending_pairs_;
  }
  post([this, pair] { return call(pair); });
  return pair;
}

bool ShadowRunner::call(const std::shared_ptr<Pair>& pair) {
  const TaskSpec& task = pair->outcome.spec;
  CallSpec spec;
  spec.module = task.module;
  spec.action = task.action;
  spec.input_json = task.input_json;
  spec.trace_id = task.trace_id;  // one trace: V1, V2 and their comparison
  spec.run_id = pair->outcome.shadow_run_id;
  spec.task_id = task.task_id;
  spec.dry_run = task.dry_run;
  spec.shadow = true;
  spec.deadline_unix_ms = unix_ms_now() + pair->budget.count();
  pair->frame = std::make_unique<CallFrame>(spec);
  pair->started = Clock::now();
  pair->outcome.started_at = iso8601_now();
  std::weak_ptr<Pair> weak = pair;
  pair->deadline_timer = timers_.schedule(pair->started + pair->budget, [this, weak] {
    if (std::shared_ptr<Pair> p = weak.lock()) on_deadline(p);
  });
  Invocation inv = ModuleRegistry::call(*pair->instance, *pair->frame);
  if (pair->resolved.exchange(true)) {
    spdlog::warn("shadow {}: V2 returned {:.0f} ms after its budget; result discarded",
                 pair->outcome.shadow_run_id,
                 inv.latency_ms - static_cast<double>(pair->budget.count()));
    return true;  // the deadline recorded the overrun and started a replacement worker
  }
  timers_.cancel(pair->deadline_timer);
  pair->outcome.shadow = std::move(inv);
  {
    std::lock_guard lock(pair->mutex);
    pair->shadow_done = true;
  }
  maybe_finish(pair);
  return false;
}

void ShadowRunner::on_deadline(const std::shared_ptr<Pair>& pair) {
  if (pair->resolved.exchange(true)) return;
  pair->frame->cancelled = true;  // tells the plugin, and kills its host subprocesses
  spawn_worker();                 // the stuck worker retires when its call returns
  Invocation inv;
  inv.impl = pair->instance->descriptor().impl;
  inv.plugin = pair->instance->descriptor().name;
  inv.plugin_version = pair->instance->descriptor().version;
  inv.outcome.status = AS_ERR_TIMEOUT;
  inv.outcome.error =
      fmt::format("V2 overran its shadow budget of {} ms and was abandoned", pair->budget.count());
  inv.latency_ms = std::chrono::duration<double, std::milli>(Clock::now() - pair->started).count();
  pair->outcome.shadow = std::move(inv);
  pair->outcome.overran = true;
  {
    std::lock_guard lock(pair->mutex);
    pair->shadow_done = true;
  }
  maybe_finish(pair);
}

void ShadowRunner::primary_done(const std::shared_ptr<Pair>& pair, const RunResult& primary) {
  {
    std::lock_guard lock(pair->mutex);
    pair->outcome.primary = primary;
    pair->primary_done = true;
  }
  maybe_finish(pair);
}

void ShadowRunner::maybe_finish(const std::shared_ptr<Pair>& pair) {
  {
    std::lock_guard lock(pair->mutex);
    if (!pair->primary_done || !pair->shadow_done || pair->handed_on) return;
    pair->handed_on = true;
  }
  post([this, pair] {
    try {
      on_pair_(pair->outcome);
    } catch (const std::exception& e) {
      spdlog::error("shadow {}: comparing V1 and V2 failed: {}", pair->outcome.run_id, e.what());
    }
    {
      std::lock_guard lock(mutex_);
      --pending_pairs_;
    }
    idle_cv_.notify_all();
    return false;
  });
}

void ShadowRunner::post(std::function<bool()> job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    jobs_.push_back(std::move(job));
  }
  ready_cv_.notify_one();
}

void ShadowRunner::spawn_worker() {
  std::lock_guard lock(mutex_);
  if (!stopping_) threads_.emplace_back([this] { worker_loop(); });
}

void ShadowRunner::worker_loop() {
  for (;;) {
    std::function<bool()> job;
    {
      std::unique_lock lock(mutex_);
      ready_cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, and nothing left to do
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    if (job()) return;
  }
}

void ShadowRunner::wait_idle() {
  std::unique_lock lock(mutex_);
  idle_cv_.wait(lock, [this] { return pending_pairs_ == 0 || stopping_; });
}

void ShadowRunner::shutdown() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  ready_cv_.notify_all();
  idle_cv_.notify_all();
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
  timers_.stop();
  size_t dropped = 0;
  {
    std::lock_guard lock(mutex_);
    dropped = std::exchange(pending_pairs_, 0);
  }
  if (dropped > 0) {
    spdlog::warn("{} shadow comparison(s) dropped: the kernel stopped before V1 and V2 finished",
                 dropped);
  }
}

}  // namespace agentsys
