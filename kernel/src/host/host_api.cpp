#include "host/host_api.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "host/abi_str.hpp"
#include "host/call_frame.hpp"
#include "host/file_services.hpp"
#include "host/http_service.hpp"
#include "host/policy_check_service.hpp"
#include "host/query_runs_service.hpp"
#include "host/run_command_service.hpp"
#include "host/run_sql_service.hpp"
#include "host/submit_task_service.hpp"

namespace agentsys {
namespace {

const CallFrame* frame_of(const as_call* call) {
  return call == nullptr ? nullptr : CallFrame::from_raw(call);
}

spdlog::level::level_enum to_spdlog(as_log_level level) {
  switch (level) {
    case AS_LOG_DEBUG: return spdlog::level::debug;
    case AS_LOG_INFO: return spdlog::level::info;
    case AS_LOG_WARN: return spdlog::level::warn;
    case AS_LOG_ERROR: return spdlog::level::err;
  }
  return spdlog::level::info;
}

void host_log(as_host_ctx* ctx, const as_call* call, int32_t raw_level, as_str message) {
  as_log_level level = raw_level <= AS_LOG_DEBUG   ? AS_LOG_DEBUG
                       : raw_level >= AS_LOG_ERROR ? AS_LOG_ERROR
                                                   : static_cast<as_log_level>(raw_level);
  if (ctx != nullptr && ctx->sink != nullptr) {
    ctx->sink->log(ctx->plugin, frame_of(call), level, view(message));
  } else {
    spdlog::log(to_spdlog(level), "[plugin] {}", view(message));
  }
}

void host_emit_metric(as_host_ctx* ctx, const as_call* call, as_str name, double value,
                      as_str labels) {
  if (ctx != nullptr && ctx->sink != nullptr) {
    ctx->sink->metric(ctx->plugin, frame_of(call), view(name), value, view(labels));
  }
}

int host_is_cancelled(as_host_ctx* /*ctx*/, const as_call* call) {
  const CallFrame* frame = frame_of(call);
  if (frame == nullptr) return 0;
  if (frame->cancelled.load(std::memory_order_relaxed)) return 1;
  if (frame->raw.deadline_unix_ms > 0) {
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    if (now >= frame->raw.deadline_unix_ms) return 1;
  }
  return 0;
}

const as_host_api kHostApi = {
    sizeof(as_host_api),  AS_ABI_VERSION_MAJOR, AS_ABI_VERSION_MINOR,  &host_log,
    &host_emit_metric,    &host_is_cancelled,   &run_command_service,  &run_sql_service,
    &read_file_service,   &write_file_service,  &http_request_service, &policy_check_service,
    &submit_task_service, &query_runs_service,  &http_stream_service,
};

}  // namespace

void LoggerSink::log(std::string_view plugin, const CallFrame* call, as_log_level level,
                     std::string_view message) {
  if (call != nullptr) {
    spdlog::log(to_spdlog(level), "[{}] [{}] {}", plugin, call->module(), message);
  } else {
    spdlog::log(to_spdlog(level), "[{}] {}", plugin, message);
  }
}

void LoggerSink::metric(std::string_view plugin, const CallFrame* /*call*/, std::string_view name,
                        double value, std::string_view labels_json) {
  spdlog::debug("[{}] metric {}={} {}", plugin, name, value, labels_json);
}

const as_host_api* host_api() { return &kHostApi; }

}  // namespace agentsys
