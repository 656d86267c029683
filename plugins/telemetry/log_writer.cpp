#include "log_writer.hpp"

#include <spdlog/async.h>
#include <spdlog/async_logger.h>
#include <spdlog/details/thread_pool.h>
#include <spdlog/formatter.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/sink.h>

#include <algorithm>
#include <condition_variable>
#include <exception>

namespace agentsys::telemetry {

namespace {

// Lines travel in messages of up to kLinesPerMessage: one queue operation (and at most one
// wake-up of the writer thread) per message rather than per line. The queue still holds at
// most 4096 lines.
constexpr std::size_t kLinesPerMessage = 64;
constexpr std::size_t kQueueItems = 4096 / kLinesPerMessage;

/// The payload as it is, plus a newline: what a "%v" pattern does, without the pattern.
class LineFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    dest.append(msg.payload.begin(), msg.payload.end());
    dest.push_back('\n');
  }
  [[nodiscard]] std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<LineFormatter>();
  }
};

}  // namespace

/// Forwards to a rotating file sink and counts completed flushes, so that a caller can wait
/// for the asynchronous flush it requested.
class FlushNotifyingSink final : public spdlog::sinks::sink {
 public:
  FlushNotifyingSink(const std::filesystem::path& file, std::size_t max_bytes,
                     std::size_t max_files)
      : inner_(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(file.string(), max_bytes,
                                                                      max_files)) {}

  /// Hands the message's lines to the rotating sink one by one, so that it rotates between
  /// lines. A line that fails does not stop the others; the first failure is reported.
  void log(const spdlog::details::log_msg& msg) override {
    std::string_view text(msg.payload.data(), msg.payload.size());
    std::exception_ptr failure;
    while (!text.empty()) {
      const std::size_t end = std::min(text.find('\n'), text.size());
      spdlog::details::log_msg line = msg;
      line.payload = spdlog::string_view_t(text.data(), end);
      try {
        inner_->log(line);
      } catch (...) {
        if (!failure) failure = std::current_exception();
      }
      text.remove_prefix(std::min(end + 1, text.size()));
    }
    if (failure) std::rethrow_exception(failure);
  }
  void flush() override {
    struct Notify {
      FlushNotifyingSink* self;
      ~Notify() {
        {
          std::lock_guard lock(self->mutex_);
          ++self->flushes_;
        }
        self->cv_.notify_all();
      }
    } notify{this};
    inner_->flush();
  }
  void set_pattern(const std::string& pattern) override { inner_->set_pattern(pattern); }
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override {
    inner_->set_formatter(std::move(formatter));
  }

  uint64_t flushes() {
    std::lock_guard lock(mutex_);
    return flushes_;
  }
  bool wait_past(uint64_t seen, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return flushes_ > seen; });
  }

 private:
  std::shared_ptr<spdlog::sinks::rotating_file_sink_mt> inner_;
  std::mutex mutex_;
  std::condition_variable cv_;
  uint64_t flushes_ = 0;
};

LogWriter::LogWriter(const std::filesystem::path& file, std::size_t max_file_bytes,
                     std::size_t max_files, ErrorHandler on_error)
    : on_error_(std::move(on_error)) {
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
  sink_ = std::make_shared<FlushNotifyingSink>(file, max_file_bytes, max_files);
  pool_ = std::make_shared<spdlog::details::thread_pool>(kQueueItems, 1);
  // Not registered anywhere: the name only shows up in spdlog's own error messages.
  logger_ = std::make_shared<spdlog::async_logger>("agentsys.telemetry", sink_, pool_,
                                                   spdlog::async_overflow_policy::block);
  logger_->set_formatter(std::make_unique<LineFormatter>());
  logger_->set_level(spdlog::level::trace);
  logger_->flush_on(spdlog::level::off);
  logger_->set_error_handler([this](const std::string& message) {
    const uint64_t n = ++errors_;
    if (on_error_) on_error_(message, n);
  });
}

LogWriter::~LogWriter() {
  flush(std::chrono::seconds(10));
  // Queued messages hold the logger; destroying the pool drains the queue and joins.
  logger_.reset();
  pool_.reset();
}

void LogWriter::write(std::string_view lines) {
  while (!lines.empty()) {
    std::size_t end = 0;
    for (std::size_t n = 0; n < kLinesPerMessage && end < lines.size(); ++n) {
      end = std::min(lines.find('\n', end), lines.size()) + 1;
    }
    end = std::min(end, lines.size());
    logger_->log(spdlog::source_loc{}, spdlog::level::info,
                 spdlog::string_view_t(lines.data(), end));
    lines.remove_prefix(end);
  }
}

bool LogWriter::flush(std::chrono::milliseconds timeout) {
  std::lock_guard lock(flush_mutex_);
  const uint64_t seen = sink_->flushes();
  logger_->flush();
  return sink_->wait_past(seen, timeout);
}

}  // namespace agentsys::telemetry
