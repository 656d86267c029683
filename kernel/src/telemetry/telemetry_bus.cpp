#include "telemetry/telemetry_bus.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <nlohmann/json.hpp>

#include "host/call_frame.hpp"
#include "host/status_names.hpp"
#include "util/json_text.hpp"
#include "util/time.hpp"

namespace agentsys {
using json = nlohmann::json;

namespace {

constexpr size_t kBatch = 512;

// Numbers via std::to_chars: no format string to parse and no locale (this runs per record).
void append_uint(std::string& out, unsigned value) {
  char buf[16];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, value).ptr);
}

/// Three decimals, like "{:.3f}". The buffer fits any double in fixed notation.
void append_fixed3(std::string& out, double value) {
  char buf[328];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed, 3).ptr);
}

/// The record as the telemetry plugin's `record` action takes it, fields in the order of its
/// log line (which spares the plugin a lookup per field).
std::string to_json(const TelemetryRecord& r) {
  std::string out;
  out.reserve(320 + r.message.size());
  out.append(R"({"ts":)");
  append_json_string(out, r.ts);
  out.append(R"(,"level":)");
  append_json_string(out, r.level);
  out.append(R"(,"kind":)");
  append_json_string(out, r.kind);
  out.append(R"(,"trace_id":)");
  append_json_string_or_null(out, r.trace_id);
  out.append(R"(,"run_id":)");
  append_json_string_or_null(out, r.run_id);
  out.append(R"(,"task_id":)");
  append_json_string_or_null(out, r.task_id);
  out.append(R"(,"module":)");
  append_json_string(out, r.module);
  out.append(R"(,"impl":)");
  append_json_string_or_null(out, r.impl);
  out.append(R"(,"action":)");
  append_json_string(out, r.action);
  out.append(R"(,"attempt":)");
  append_uint(out, r.attempt);
  out.append(R"(,"status":)");
  append_json_string(out, r.status);
  out.append(R"(,"latency_ms":)");
  append_fixed3(out, r.latency_ms);
  out.append(R"(,"error_code":)");
  append_json_string_or_null(out, r.error_code);
  out.append(R"(,"message":)");
  append_json_string_or_null(out, r.message);
  out.push_back('}');
  return out;
}

}  // namespace

TelemetryBus::TelemetryBus(const ModuleRegistry& registry, size_t max_queued)
    : registry_(registry), max_queued_(max_queued), thread_([this] { loop(); }) {}

TelemetryBus::~TelemetryBus() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
  invoke_all("flush", "{}");
  if (dropped_ > 0) spdlog::warn("telemetry: {} records dropped (queue full)", dropped_);
}

void TelemetryBus::record(TelemetryRecord record) { enqueue(to_json(record)); }

void TelemetryBus::enqueue(std::string line) {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    if (records_.size() >= max_queued_) {
      records_.pop_front();
      ++dropped_;
    }
    records_.push_back(std::move(line));
    ++enqueued_;
    wake = records_.size() >= kBatch;
  }
  if (wake) cv_.notify_one();
}

void TelemetryBus::plugin_log(std::string_view plugin, const CallFrame* call,
                              std::string_view level, std::string_view message) {
  TelemetryRecord r;
  r.kind = "event";
  r.ts = iso8601_now();
  r.level = std::string(level);
  r.message = std::string(message);
  if (call != nullptr) {
    r.trace_id = std::string(call->raw.trace_id.ptr, call->raw.trace_id.len);
    r.run_id = std::string(call->raw.run_id.ptr, call->raw.run_id.len);
    r.module = std::string(call->module());
    r.action = std::string(call->raw.action.ptr, call->raw.action.len);
    r.attempt = call->raw.attempt;
  }
  std::string line = to_json(r);
  line.pop_back();  // the closing brace: append what a log line adds
  line.append(R"(,"event":"plugin_log","plugin":)");
  append_json_string(line, plugin);
  line.push_back('}');
  enqueue(std::move(line));
}

void TelemetryBus::metric(std::string_view plugin, std::string_view name, double value,
                          std::string_view labels_json) {
  json labels =
      json::parse(labels_json.empty() ? std::string_view("{}") : labels_json, nullptr, false);
  if (!labels.is_object()) labels = json::object();
  std::string line =
      json{{"plugin", plugin}, {"name", name}, {"value", value}, {"labels", labels}}.dump(
          -1, ' ', false, json::error_handler_t::replace);
  {
    std::lock_guard lock(mutex_);
    if (metrics_.size() >= max_queued_) return;
    metrics_.push_back(std::move(line));
    ++enqueued_;
  }
}

void TelemetryBus::loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    cv_.wait_for(lock, std::chrono::milliseconds(100),
                 [&] { return stopping_ || flush_now_ || records_.size() >= kBatch; });
    flush_now_ = false;
    std::deque<std::string> records;
    std::vector<std::string> metrics;
    records.swap(records_);
    metrics.swap(metrics_);
    uint64_t taken = enqueued_;
    bool stop = stopping_;
    lock.unlock();
    deliver(records, metrics);
    lock.lock();
    delivered_ = taken;
    drained_cv_.notify_all();
    if (stop && records_.empty() && metrics_.empty()) return;
  }
}

void TelemetryBus::deliver(std::deque<std::string>& records, std::vector<std::string>& metrics) {
  for (size_t start = 0; start < records.size(); start += kBatch) {
    size_t end = std::min(records.size(), start + kBatch);
    size_t bytes = 2;
    for (size_t i = start; i < end; ++i) bytes += records[i].size() + 1;
    std::string input;
    input.reserve(bytes);  // one allocation per batch, not one per doubling
    input += '[';
    for (size_t i = start; i < end; ++i) {
      if (i > start) input += ',';
      input += records[i];
    }
    input += ']';
    invoke_all("record", input);
  }
  for (const std::string& m : metrics) invoke_all("metric", m);
}

void TelemetryBus::invoke_all(std::string_view action, const std::string& input) {
  for (const auto& plugin : registry_.plugins()) {
    if (plugin->descriptor().kind != AS_PLUGIN_KIND_TELEMETRY) continue;
    CallSpec spec;
    spec.module = "";
    spec.action = action;
    spec.input_json = input;
    CallFrame frame(spec);
    InvokeOutcome out = plugin->invoke(frame);
    if (out.status != AS_OK) {
      spdlog::warn("telemetry plugin {}: {} failed ({}): {}", plugin->descriptor().name, action,
                   status_name(out.status), out.error);
    }
  }
}

void TelemetryBus::drain() {
  std::unique_lock lock(mutex_);
  uint64_t target = enqueued_;
  flush_now_ = true;
  cv_.notify_one();
  drained_cv_.wait(lock, [&] { return delivered_ >= target; });
}

std::string TelemetryBus::query_metrics(std::string_view format) {
  drain();
  for (const auto& plugin : registry_.plugins()) {
    if (plugin->descriptor().kind != AS_PLUGIN_KIND_TELEMETRY) continue;
    std::string input = json{{"format", format}}.dump();
    CallSpec spec;
    spec.module = "";
    spec.action = "metrics";
    spec.input_json = input;
    CallFrame frame(spec);
    InvokeOutcome out = plugin->invoke(frame);
    if (out.status != AS_OK) {
      throw std::runtime_error(fmt::format("telemetry plugin {}: metrics failed: {}",
                                           plugin->descriptor().name, out.error));
    }
    return out.output;
  }
  return {};
}

size_t TelemetryBus::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

}  // namespace agentsys
