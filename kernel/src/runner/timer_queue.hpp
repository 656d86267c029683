#pragma once
// A single thread that runs callbacks at given times (attempt deadlines, retry backoffs).
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace agentsys {

class TimerQueue {
 public:
  using Clock = std::chrono::steady_clock;
  using Id = uint64_t;

  TimerQueue();
  ~TimerQueue();  ///< Drops callbacks not yet due.
  /// Stops the thread (idempotent); callbacks not yet due never run.
  void stop();
  TimerQueue(const TimerQueue&) = delete;
  TimerQueue& operator=(const TimerQueue&) = delete;

  /// Runs `fn` on the timer thread at `when` (at once if past). Callbacks must not block.
  Id schedule(Clock::time_point when, std::function<void()> fn);
  /// Drops a callback that has not run yet; false if it already ran or is unknown.
  bool cancel(Id id);

 private:
  void loop();

  std::mutex mutex_;
  std::condition_variable cv_;
  std::multimap<Clock::time_point, std::pair<Id, std::function<void()>>> due_;
  std::map<Id, std::multimap<Clock::time_point, std::pair<Id, std::function<void()>>>::iterator>
      by_id_;
  Id next_id_ = 1;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace agentsys
