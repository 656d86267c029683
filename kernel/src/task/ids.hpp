#pragma once
// Identifiers: W3C trace ids, and time-ordered run and task ids.
#include <string>
#include <string_view>

namespace agentsys {

/// 32 lowercase hex characters, not all zero (W3C trace-context trace-id).
std::string new_trace_id();

/// True for a valid W3C trace-id.
bool is_valid_trace_id(std::string_view id);

/// "<prefix>_" + 12 hex chars of milliseconds since the epoch + 12 random hex chars, so ids
/// sort by creation time. Prefix "run" or "task".
std::string new_time_ordered_id(std::string_view prefix);

}  // namespace agentsys
