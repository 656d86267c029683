#pragma once
// Frames addressed to one waiting request, in arrival order: the socket's reader pushes, the
// thread serving the request pops. Closed when the peer goes away, with the reason.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

#include "isolation/wire.hpp"

namespace agentsys::wire {

class Mailbox {
 public:
  void push(Frame frame) {
    {
      std::lock_guard lock(mutex_);
      frames_.push_back(std::move(frame));
    }
    cv_.notify_one();
  }

  /// No more frames will come; pop() returns nullopt once the queue is drained.
  void close(std::string reason) {
    {
      std::lock_guard lock(mutex_);
      if (closed_) return;
      closed_ = true;
      reason_ = std::move(reason);
    }
    cv_.notify_all();
  }

  /// The next frame, or nullopt when `until` passed first (closed() tells the two apart).
  std::optional<Frame> pop(std::chrono::steady_clock::time_point until) {
    std::unique_lock lock(mutex_);
    cv_.wait_until(lock, until, [&] { return !frames_.empty() || closed_; });
    if (frames_.empty()) return std::nullopt;
    Frame f = std::move(frames_.front());
    frames_.pop_front();
    return f;
  }

  [[nodiscard]] bool closed() const {
    std::lock_guard lock(mutex_);
    return closed_ && frames_.empty();
  }
  [[nodiscard]] std::string reason() const {
    std::lock_guard lock(mutex_);
    return reason_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Frame> frames_;
  bool closed_ = false;
  std::string reason_;
};

}  // namespace agentsys::wire
