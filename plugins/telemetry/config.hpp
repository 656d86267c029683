#pragma once
// The telemetry plugin's on_create configuration.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string_view>

namespace agentsys::telemetry {

struct Config {
  std::optional<std::filesystem::path> log_file;     ///< No log is written without it.
  std::size_t max_file_bytes = 10 * 1024 * 1024;     ///< Rotate before a file would exceed this.
  std::size_t max_files = 5;                         ///< Rotated files kept besides the live one.
  std::optional<std::filesystem::path> metrics_dir;  ///< In-memory metrics only without it.

  /// Parses and validates the config JSON ("" counts as {}); throws
  /// agentsys::Error(AS_ERR_INVALID_INPUT) naming the offending field.
  static Config parse(std::string_view json);
};

}  // namespace agentsys::telemetry
