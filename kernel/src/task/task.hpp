#pragma once
// What a caller submits (TaskSpec), and what a run ends with (RunResult).
#include <agentsys/abi.h>

#include <chrono>
#include <future>
#include <optional>
#include <string>

#include "task/error_code.hpp"
#include "task/retry_policy.hpp"
#include "task/task_status.hpp"

namespace agentsys {

/// A task as submitted. Empty ids are generated at submission.
struct TaskSpec {
  std::string module;
  std::string action = "run";
  std::string input_json = "{}";
  std::string idempotency_key;                       ///< Empty: no idempotency.
  std::string trace_id;                              ///< Empty: a new trace.
  std::string task_id;                               ///< Empty: generated.
  std::optional<RetryPolicy> retry;                  ///< Empty: the runner's default.
  std::optional<std::chrono::milliseconds> timeout;  ///< Per attempt; empty: the default.
  bool dry_run = false;
};

/// How a run ended. One type for every module.
struct RunResult {
  std::string run_id;
  std::string task_id;
  std::string trace_id;
  std::string module;
  std::string action;
  TaskStatus status = TaskStatus::pending;
  ErrorCode error_code = ErrorCode::none;
  std::string message;
  std::string output_json;      ///< The plugin's result ("" when none).
  std::string key_fields_json;  ///< output["key_fields"] when the plugin provides it, else "".
  double latency_ms = 0;        ///< From the first attempt's start to the end.
  unsigned attempts = 0;
  as_impl impl = AS_IMPL_NONE;  ///< The implementation that produced the result.
  std::string plugin;
  std::string plugin_version;
  bool replayed = false;  ///< Returned from the idempotency store without running again.

  [[nodiscard]] bool ok() const { return status == TaskStatus::succeeded; }
};

/// An accepted task: the id of the run that serves it (the existing run for an idempotency
/// replay; empty when nothing was recorded, e.g. an idempotency conflict) and its result.
struct Submission {
  std::string run_id;
  std::shared_future<RunResult> result;
};

}  // namespace agentsys
