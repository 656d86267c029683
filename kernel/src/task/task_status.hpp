#pragma once
// A run's status and the state machine that governs it.
#include <optional>
#include <stdexcept>
#include <string_view>

namespace agentsys {

enum class TaskStatus {
  pending,      ///< Acknowledged, not started.
  running,      ///< An attempt is executing.
  retrying,     ///< An attempt failed; the next one is scheduled.
  succeeded,    ///< Terminal.
  failed,       ///< Terminal: the last attempt failed, or the error was not retryable.
  timed_out,    ///< Terminal: the last attempt ran past its timeout.
  cancelled,    ///< Terminal: cancelled by an operator or shutdown.
  interrupted,  ///< The kernel died while the run was in flight (found by recovery).
  skipped,      ///< Terminal: never started (e.g. its module is paused).
};

std::string_view to_string(TaskStatus status);
std::optional<TaskStatus> parse_task_status(std::string_view text);

/// True for succeeded, failed, timed_out, cancelled, skipped.
bool is_terminal(TaskStatus status);

/// True when the state machine allows `from` -> `to`.
bool can_transition(TaskStatus from, TaskStatus to);

/// An illegal transition: a bug in the caller, never silently applied.
class IllegalTransition : public std::logic_error {
 public:
  IllegalTransition(TaskStatus from, TaskStatus to);
};

/// Moves `status` to `to`, or throws IllegalTransition leaving it unchanged.
void transition(TaskStatus& status, TaskStatus to);

}  // namespace agentsys
