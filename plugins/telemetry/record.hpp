#pragma once
// Validation of `record` input and its conversion into log lines and metric samples.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aggregate.hpp"

namespace agentsys::telemetry {

/// What a record of kind "run" or "attempt" adds to the metrics.
struct Sample {
  SeriesKey series;
  std::string status;
  std::optional<double> latency_ms;
};

/// A validated batch of records.
struct Records {
  std::size_t count = 0;
  std::string lines;  ///< One JSON log line per record, each followed by '\n'.
  std::vector<Sample> samples;
};

/// Parses the `record` action's input: one record object or an array of them. All or nothing:
/// throws agentsys::Error(AS_ERR_INVALID_INPUT) naming the first bad record and field.
Records parse_records(std::string_view input_json);

/// Current UTC time as "YYYY-MM-DDTHH:MM:SS.mmmZ".
std::string utc_now_iso8601();

}  // namespace agentsys::telemetry
