// telemetry: the cross-cutting telemetry plugin (kind telemetry, impl none, no modules,
// thread-safe). It writes the JSON-lines log and aggregates run/attempt metrics and plugin
// metrics, persisted across processes.
//
// CONTRACT (the kernel is written against exactly this)
//
// on_create config (a JSON object; every field optional; unknown fields are refused):
//   {"log_file": "<path>/agentsys.jsonl",  no log is written without it
//    "max_file_bytes": 10485760,           rotate before the live file would exceed this
//                                          (integer >= 1024; default 10 MiB)
//    "max_files": 5,                       rotated files kept: agentsys.1.jsonl ... .5.jsonl
//                                          (integer 0..1000; default 5)
//    "metrics_dir": "<path>"}              metrics are in-memory only without it
//   Parent directories of log_file and metrics_dir are created. A bad config (not an object,
//   wrong type, out of range, unknown field, a path that cannot be created or opened) fails
//   with AS_ERR_INVALID_INPUT and a message naming the field.
//
// Actions (call.action; call.module is ignored). Unknown action -> AS_ERR_UNSUPPORTED.
// Input that is not JSON or breaks the rules below -> AS_ERR_INVALID_INPUT naming the
// record/metric index and field (e.g. "record[3]: 'latency_ms' must be a non-negative number
// or null, got \"x\""). Batches are all or nothing: one bad element rejects the whole batch and
// nothing of it is logged or counted.
//
//   record   input: ONE record object or an ARRAY of them. A record:
//              kind        "run" | "attempt" | "event"                       (required)
//              ts          RFC 3339 string, e.g. "2026-11-25T10:00:00.123Z" (default: now, UTC)
//              level       "debug" | "info" | "warn" | "error"                (default: "info")
//              trace_id, run_id, task_id, action, error_code, message   string or null
//              module      string; required (non-empty) for run/attempt, else string or null
//              impl        "v1" | "v2" | null
//              attempt     non-negative integer or null
//              status      string; required (non-empty) for run/attempt (e.g. "succeeded",
//                          "failed", "timed_out"), else string or null
//              latency_ms  non-negative number or null
//              any other field is passed through to the log line unchanged.
//            Each record is written as ONE JSON line: ts, level, kind, trace_id, run_id,
//            task_id, module, impl, action, attempt, status, latency_ms, error_code, message
//            (in that order, null when absent), then the extra fields. Records of kind run and
//            attempt also update the metrics of their (kind, module, impl) series: count by
//            status, and the latency histogram when latency_ms is given.
//            Output: {"accepted": N}
//
//   metric   input: ONE metric object or an ARRAY of them (what plugins emit_metric):
//              {"plugin": "p", "name": "x", "value": 1.5, "labels": {"k": "v"}}
//            plugin and name non-empty strings, value a finite number, labels optional/null
//            or a flat object (number/bool label values are turned into their JSON text).
//            Aggregated as a sum per (plugin, name, labels). Output: {"accepted": N}
//
//   metrics  input: {"format": "json"} (also the default for {} or "") or
//            {"format": "prometheus"}. Reports persisted (metrics_dir/metrics.json, read under
//            a shared lock) + the in-memory delta.
//            json: {"series": [{"kind", "module", "impl" ("v1"|"v2"|null), "count",
//                               "by_status": {"<status>": n, ...},
//                               "latency_ms": {"count", "p50", "p95", "p99", "min", "max",
//                                              "sum"}}],   (p*/min/max null without samples)
//                   "plugin_metrics": [{"plugin", "name", "labels", "value"}],
//                   "dropped_series", "dropped_plugin_metrics"}
//            prometheus: {"text": "<text exposition format 0.0.4>"} with the families
//              agentsys_runs_total{module,impl,status}          counter
//              agentsys_attempts_total{module,impl,status}      counter
//              agentsys_run_latency_ms{module,impl}             histogram (_bucket{le}, _sum,
//                                                               _count); le = 0.5 1 2.5 5 10
//                                                               25 50 100 250 500 1000 2500
//                                                               5000 10000 30000 60000 120000
//                                                               300000 600000 1800000 3600000
//                                                               +Inf (ms)
//              agentsys_run_latency_ms_quantile{module,impl,quantile="0.5|0.95|0.99"} gauge
//              agentsys_attempt_latency_ms / _quantile          the same for attempts
//              agentsys_plugin_metric_total{plugin,name,<labels>} counter (the sum)
//              agentsys_telemetry_dropped_total{what}           counter
//            impl label: "v1", "v2" or "none". Plugin label keys are sanitised to
//            [a-zA-Z_][a-zA-Z0-9_]* (a clash with plugin/name gets a "label_" prefix).
//
//   flush    input ignored. Waits until the log lines written so far are in the file, then,
//            with metrics_dir: flock(metrics_dir/.lock, LOCK_EX), read metrics.json, add the
//            delta, write metrics.json and metrics.prom atomically (temp + fsync + rename),
//            unlock, clear the delta. Without metrics_dir the in-memory metrics stay as they
//            are. Output: {"log_flushed": bool, "persisted": bool}. A damaged metrics.json is
//            moved to metrics.json.corrupt-<unix ms> (the host gets a warning); one of an
//            unknown format version fails with AS_ERR_UNSUPPORTED and is left untouched.
//
// on_destroy (and on_quiesce) does what flush does; failures go to the host log.
//
// METRICS ACCURACY AND MEMORY: latency histograms have log-scale buckets with ratio 1.02
// from 0.001 ms to 1 h (1114 counters per series, allocated on the first sample) plus exact
// count/sum/min/max; p50/p95/p99 are nearest-rank estimates within ~1% (clamped to
// [min, max]). Prometheus le buckets are derived from those buckets (2% resolution at the
// edges). Series are capped (4096 run/attempt series, 16384 plugin metric series); what is
// beyond the caps is counted as dropped. The log queue holds at most 4096 lines; record
// blocks while it is full.
#include "telemetry_plugin.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "plugin_metric.hpp"
#include "prometheus.hpp"
#include "record.hpp"

#ifndef TELEMETRY_VERSION
#define TELEMETRY_VERSION "1.0.0"
#endif

namespace agentsys::telemetry {

namespace {

constexpr std::chrono::seconds kFlushTimeout{10};

std::string accepted(std::size_t n) { return fmt::format(R"({{"accepted":{}}})", n); }

}  // namespace

TelemetryPlugin::TelemetryPlugin(Host host, std::string_view config_json)
    : host_(host), config_(Config::parse(config_json)) {
  if (config_.log_file) {
    try {
      log_ = std::make_unique<LogWriter>(
          *config_.log_file, config_.max_file_bytes, config_.max_files,
          [this](const std::string& message, uint64_t count) {
            // The first failure and then every 1000th: the host log must not be flooded.
            if (count == 1 || count % 1000 == 0) {
              host_.error(fmt::format("telemetry: writing {} failed ({} failures so far): {}",
                                      config_.log_file->string(), count, message));
            }
          });
    } catch (const std::exception& e) {
      throw Error(AS_ERR_INVALID_INPUT,
                  fmt::format("telemetry config: cannot open log_file '{}': {}",
                              config_.log_file->string(), e.what()));
    }
  }
  if (config_.metrics_dir) {
    try {
      store_.emplace(*config_.metrics_dir);
    } catch (const std::exception& e) {
      throw Error(AS_ERR_INVALID_INPUT,
                  fmt::format("telemetry config: cannot use metrics_dir '{}': {}",
                              config_.metrics_dir->string(), e.what()));
    }
  }
}

TelemetryPlugin::~TelemetryPlugin() {
  try {
    flush();
  } catch (const std::exception& e) {
    try {
      host_.error(std::string("telemetry: final flush failed, metrics since the last flush are "
                              "lost: ") +
                  e.what());
    } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw
    }
  } catch (...) {  // NOLINT(bugprone-empty-catch)
  }
  log_.reset();  // drains the queue and joins the writer thread
}

std::string TelemetryPlugin::invoke(const Call& call) {
  const std::string_view action = call.action();
  if (action == "record") return record(call.input());
  if (action == "metric") return metric(call.input());
  if (action == "metrics") return metrics(call.input());
  if (action == "flush") return flush();
  throw Error(AS_ERR_UNSUPPORTED,
              fmt::format("telemetry: unknown action '{}' (supported: record, metric, metrics, "
                          "flush)",
                          action));
}

void TelemetryPlugin::quiesce() {
  try {
    flush();
  } catch (const std::exception& e) {
    host_.warn(std::string("telemetry: flush on quiesce failed: ") + e.what());
  }
}

std::string TelemetryPlugin::record(std::string_view input) {
  const Records records = parse_records(input);
  if (log_) log_->write(records.lines);
  std::lock_guard lock(delta_mutex_);
  for (const Sample& s : records.samples) delta_.add_record(s.series, s.status, s.latency_ms);
  return accepted(records.count);
}

std::string TelemetryPlugin::metric(std::string_view input) {
  auto samples = parse_plugin_metrics(input);
  std::lock_guard lock(delta_mutex_);
  for (const auto& [key, value] : samples) delta_.add_metric(key, value);
  return accepted(samples.size());
}

std::string TelemetryPlugin::metrics(std::string_view input) {
  std::string format = "json";
  if (input.find_first_not_of(" \t\r\n") != std::string_view::npos) {
    nlohmann::json j = nlohmann::json::parse(input, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      throw Error(AS_ERR_INVALID_INPUT,
                  "metrics: input must be a JSON object like {\"format\": \"prometheus\"}");
    }
    if (auto it = j.find("format"); it != j.end()) {
      if (!it->is_string() || (*it != "json" && *it != "prometheus")) {
        throw Error(AS_ERR_INVALID_INPUT,
                    "metrics: 'format' must be \"json\" or \"prometheus\", got " + it->dump());
      }
      format = it->get<std::string>();
    }
  }
  Aggregate total;
  {
    std::lock_guard persist_lock(persist_mutex_);  // no flush in progress: delta is complete
    if (store_) total = store_->load();
    std::lock_guard lock(delta_mutex_);
    total.merge(delta_);
  }
  if (format == "prometheus") return nlohmann::json{{"text", render_prometheus(total)}}.dump();
  return total.to_report_json().dump();
}

std::string TelemetryPlugin::flush() {
  const bool log_flushed = log_ && log_->flush(kFlushTimeout);
  const bool persisted = persist();
  return nlohmann::json{{"log_flushed", log_flushed}, {"persisted", persisted}}.dump();
}

bool TelemetryPlugin::persist() {
  if (!store_) return false;
  std::lock_guard persist_lock(persist_mutex_);
  Aggregate pending;
  {
    std::lock_guard lock(delta_mutex_);
    std::swap(pending, delta_);
  }
  if (pending.empty()) return true;
  try {
    MetricsStore::AddReport report = store_->add(pending);
    if (!report.warning.empty()) host_.warn("telemetry: " + report.warning);
  } catch (...) {
    std::lock_guard lock(delta_mutex_);
    pending.merge(delta_);  // keep it for the next attempt
    std::swap(pending, delta_);
    throw;
  }
  return true;
}

}  // namespace agentsys::telemetry

AS_PLUGIN_ENTRY(agentsys::telemetry::TelemetryPlugin, .name = "telemetry",
                .version = TELEMETRY_VERSION,
                .description =
                    "JSON-lines log, run/attempt and plugin metrics (Prometheus), "
                    "persisted across processes",
                .kind = AS_PLUGIN_KIND_TELEMETRY, .impl = AS_IMPL_NONE, .modules = {},
                .thread_safe = true)
