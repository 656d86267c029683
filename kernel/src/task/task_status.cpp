#include "task/task_status.hpp"

#include <fmt/format.h>

#include <array>

namespace agentsys {
namespace {

constexpr std::array<std::pair<TaskStatus, std::string_view>, 9> kNames = {{
    {TaskStatus::pending, "pending"},
    {TaskStatus::running, "running"},
    {TaskStatus::retrying, "retrying"},
    {TaskStatus::succeeded, "succeeded"},
    {TaskStatus::failed, "failed"},
    {TaskStatus::timed_out, "timed_out"},
    {TaskStatus::cancelled, "cancelled"},
    {TaskStatus::interrupted, "interrupted"},
    {TaskStatus::skipped, "skipped"},
}};

}  // namespace

std::string_view to_string(TaskStatus status) {
  for (const auto& [s, name] : kNames) {
    if (s == status) return name;
  }
  return "unknown";
}

std::optional<TaskStatus> parse_task_status(std::string_view text) {
  for (const auto& [s, name] : kNames) {
    if (name == text) return s;
  }
  return std::nullopt;
}

bool is_terminal(TaskStatus status) {
  switch (status) {
    case TaskStatus::succeeded:
    case TaskStatus::failed:
    case TaskStatus::timed_out:
    case TaskStatus::cancelled:
    case TaskStatus::skipped: return true;
    default: return false;
  }
}

bool can_transition(TaskStatus from, TaskStatus to) {
  using S = TaskStatus;
  switch (from) {
    case S::pending:
      return to == S::running || to == S::cancelled || to == S::skipped || to == S::interrupted;
    case S::running:
      return to == S::succeeded || to == S::failed || to == S::timed_out || to == S::cancelled ||
             to == S::retrying || to == S::interrupted;
    case S::retrying:
      return to == S::running || to == S::cancelled || to == S::interrupted || to == S::skipped;
    case S::interrupted:
      // Recovery applies the retry policy: another attempt, or the run is given up.
      return to == S::retrying || to == S::failed || to == S::cancelled;
    default: return false;  // terminal states have no way out
  }
}

IllegalTransition::IllegalTransition(TaskStatus from, TaskStatus to)
    : std::logic_error(
          fmt::format("illegal task status transition {} -> {}", to_string(from), to_string(to))) {}

void transition(TaskStatus& status, TaskStatus to) {
  if (!can_transition(status, to)) throw IllegalTransition(status, to);
  status = to;
}

}  // namespace agentsys
