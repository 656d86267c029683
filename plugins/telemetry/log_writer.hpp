#pragma once
// The JSON-lines log: an spdlog async logger on a private thread pool writing through a
// rotating file sink. Never touches spdlog's global registry (the kernel uses spdlog too).
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace spdlog {
class async_logger;
namespace details {
class thread_pool;
}
}  // namespace spdlog

namespace agentsys::telemetry {

class FlushNotifyingSink;

class LogWriter {
 public:
  /// Called (from the writer thread) when writing fails; `count` is the number of failures so far.
  using ErrorHandler = std::function<void(const std::string& message, uint64_t count)>;

  /// Opens (creating parent directories) `file`. Throws std::exception when it cannot.
  LogWriter(const std::filesystem::path& file, std::size_t max_file_bytes, std::size_t max_files,
            ErrorHandler on_error);
  /// Writes out every queued line, flushes the file and stops the writer thread.
  ~LogWriter();
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  /// Queues lines, each ending in '\n' (JSON lines hold no raw newline). Blocks while the
  /// queue is full.
  void write(std::string_view lines);

  /// Waits until every line queued before the call is written and the file flushed; false
  /// when that did not happen within `timeout`.
  bool flush(std::chrono::milliseconds timeout);

  [[nodiscard]] uint64_t errors() const { return errors_.load(); }

 private:
  std::shared_ptr<spdlog::details::thread_pool> pool_;
  std::shared_ptr<FlushNotifyingSink> sink_;
  std::shared_ptr<spdlog::async_logger> logger_;
  std::mutex flush_mutex_;  // one flush request in flight at a time
  std::atomic<uint64_t> errors_{0};
  ErrorHandler on_error_;
};

}  // namespace agentsys::telemetry
