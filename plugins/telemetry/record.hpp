#pragma once
// Validation of `record` input and its conversion into log lines and metric samples.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aggregate.hpp"

namespace agentsys::telemetry {

/// One validated record.
struct Record {
  std::string line;  ///< The JSON log line (no trailing newline).
  /// Set for kind "run" / "attempt": what the record adds to the metrics.
  std::optional<SeriesKey> series;
  std::string status;
  std::optional<double> latency_ms;
};

/// Parses the `record` action's input: one record object or an array of them. All or nothing:
/// throws agentsys::Error(AS_ERR_INVALID_INPUT) naming the first bad record and field.
std::vector<Record> parse_records(std::string_view input_json);

/// Current UTC time as "YYYY-MM-DDTHH:MM:SS.mmmZ".
std::string utc_now_iso8601();

}  // namespace agentsys::telemetry
