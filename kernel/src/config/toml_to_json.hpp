#pragma once
// TOML (toml++) to JSON (nlohmann), keeping for every value where it was written, so that a
// schema violation found in the JSON can name the file, line and column of the TOML.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "config/problem.hpp"
#include "config/source_map.hpp"

namespace agentsys::config {

struct ParsedToml {
  bool ok = false;
  nlohmann::json document = nlohmann::json::object();
  SourceMap positions;  ///< Every table, array and value, by JSON pointer.
  Problem error;        ///< When !ok: rule "toml.syntax" (with line:column) or "file.read".
};

/// Parses TOML text. Integers stay integers, floats doubles, dates and times become their
/// RFC 3339 text. `display_name` names the file in the error.
ParsedToml parse_toml(std::string_view text, const std::string& display_name);

/// Reads and parses a file.
ParsedToml parse_toml_file(const std::filesystem::path& file, const std::string& display_name);

/// One TOML value written on its own (`4`, `true`, `"x"`, `[1, 2]`, `{ a = 1 }`); nullopt when
/// the text is not a single TOML value.
std::optional<nlohmann::json> parse_toml_value(std::string_view text);

}  // namespace agentsys::config
