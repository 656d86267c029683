#pragma once
// Appending JSON text by hand, for the few hot paths where building an nlohmann::json and
// dumping it costs more than the work being recorded (telemetry records: ~20x faster).
#include <string>
#include <string_view>

namespace agentsys {

/// Appends `s` as a JSON string literal (quotes included). Control characters are escaped and
/// invalid UTF-8 bytes are replaced by U+FFFD, so the output is always valid JSON.
void append_json_string(std::string& out, std::string_view s);

/// Appends a JSON string literal, or `null` when `s` is empty.
void append_json_string_or_null(std::string& out, std::string_view s);

}  // namespace agentsys
