#pragma once
// A legacy report's CSV turned into the key fields every implementation reports: the rows as
// JSON objects, numbers as numbers, empty cells as null, every column kept (generated_at too:
// the reconciliation decides what to ignore, not the wrapper).
#include <nlohmann/json.hpp>
#include <string_view>

namespace agentsys::reports::v1 {

/// Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF) with a header row.
/// Returns {"columns": [...], "rows": [{column: value}, ...]}.
nlohmann::json parse_csv(std::string_view text);

}  // namespace agentsys::reports::v1
