#include "runner/timer_queue.hpp"

namespace agentsys {

TimerQueue::TimerQueue() : thread_([this] { loop(); }) {}

TimerQueue::~TimerQueue() { stop(); }

void TimerQueue::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

TimerQueue::Id TimerQueue::schedule(Clock::time_point when, std::function<void()> fn) {
  Id id = 0;
  bool earliest = false;
  {
    std::lock_guard lock(mutex_);
    id = next_id_++;
    auto it = due_.emplace(when, std::make_pair(id, std::move(fn)));
    by_id_[id] = it;
    earliest = it == due_.begin();
  }
  // Wake the thread only when its next wake-up moves earlier (most deadlines never fire).
  if (earliest) cv_.notify_one();
  return id;
}

bool TimerQueue::cancel(Id id) {
  std::lock_guard lock(mutex_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return false;
  due_.erase(it->second);
  by_id_.erase(it);
  return true;
}

void TimerQueue::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (due_.empty()) {
      cv_.wait(lock);
      continue;
    }
    auto first = due_.begin();
    if (first->first > Clock::now()) {
      // A copy: the entry may be cancelled (and freed) while we wait without the lock.
      const Clock::time_point when = first->first;
      cv_.wait_until(lock, when);
      continue;
    }
    std::function<void()> fn = std::move(first->second.second);
    by_id_.erase(first->second.first);
    due_.erase(first);
    lock.unlock();
    fn();
    lock.lock();
  }
}

}  // namespace agentsys
