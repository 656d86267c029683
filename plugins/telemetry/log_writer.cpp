#include "log_writer.hpp"

#include <spdlog/async.h>
#include <spdlog/async_logger.h>
#include <spdlog/details/thread_pool.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/sink.h>

#include <condition_variable>

namespace agentsys::telemetry {

namespace {
constexpr std::size_t kQueueItems = 4096;
}

/// Forwards to a rotating file sink and counts completed flushes, so that a caller can wait
/// for the asynchronous flush it requested.
class FlushNotifyingSink final : public spdlog::sinks::sink {
 public:
  FlushNotifyingSink(const std::filesystem::path& file, std::size_t max_bytes,
                     std::size_t max_files)
      : inner_(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(file.string(), max_bytes,
                                                                      max_files)) {}

  void log(const spdlog::details::log_msg& msg) override { inner_->log(msg); }
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
  logger_->set_formatter(std::make_unique<spdlog::pattern_formatter>("%v"));
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

void LogWriter::write(std::string_view line) {
  logger_->log(spdlog::source_loc{}, spdlog::level::info,
               spdlog::string_view_t(line.data(), line.size()));
}

bool LogWriter::flush(std::chrono::milliseconds timeout) {
  std::lock_guard lock(flush_mutex_);
  const uint64_t seen = sink_->flushes();
  logger_->flush();
  return sink_->wait_past(seen, timeout);
}

}  // namespace agentsys::telemetry
