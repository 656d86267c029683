#include "config.hpp"

#include <agentsys/plugin.hpp>

#include <limits>
#include <nlohmann/json.hpp>
#include <string>

namespace agentsys::telemetry {

namespace {

constexpr std::size_t kMinFileBytes = 1024;
constexpr std::size_t kMaxFiles = 1000;

[[noreturn]] void invalid(const std::string& message) {
  throw Error(AS_ERR_INVALID_INPUT, "telemetry config: " + message);
}

std::filesystem::path path_field(const nlohmann::json& j, const char* field) {
  const auto& v = j.at(field);
  if (!v.is_string() || v.get_ref<const std::string&>().empty()) {
    invalid(std::string("'") + field + "' must be a non-empty path string, got " + v.dump());
  }
  return std::filesystem::path(v.get<std::string>());
}

std::size_t size_field(const nlohmann::json& j, const char* field, std::size_t min,
                       std::size_t max) {
  const auto& v = j.at(field);
  if (!v.is_number_integer() || (!v.is_number_unsigned() && v.get<int64_t>() < 0)) {
    invalid(std::string("'") + field + "' must be a non-negative integer, got " + v.dump());
  }
  const auto n = v.get<uint64_t>();
  if (n < min || n > max) {
    invalid(std::string("'") + field + "' must be between " + std::to_string(min) + " and " +
            std::to_string(max) + ", got " + std::to_string(n));
  }
  return static_cast<std::size_t>(n);
}

}  // namespace

Config Config::parse(std::string_view json) {
  Config c;
  if (json.find_first_not_of(" \t\r\n") == std::string_view::npos) return c;
  nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded()) invalid("not valid JSON");
  if (!j.is_object()) invalid("must be a JSON object, got " + std::string(j.type_name()));
  for (const auto& [key, value] : j.items()) {
    if (key != "log_file" && key != "max_file_bytes" && key != "max_files" &&
        key != "metrics_dir") {
      invalid("unknown field '" + key +
              "' (known: log_file, max_file_bytes, max_files, metrics_dir)");
    }
  }
  if (j.contains("log_file") && !j["log_file"].is_null()) c.log_file = path_field(j, "log_file");
  if (j.contains("metrics_dir") && !j["metrics_dir"].is_null()) {
    c.metrics_dir = path_field(j, "metrics_dir");
  }
  if (j.contains("max_file_bytes")) {
    c.max_file_bytes =
        size_field(j, "max_file_bytes", kMinFileBytes, std::numeric_limits<std::size_t>::max() / 2);
  }
  if (j.contains("max_files")) c.max_files = size_field(j, "max_files", 0, kMaxFiles);
  if (c.log_file && (c.log_file->filename().empty() || c.log_file->filename() == "." ||
                     c.log_file->filename() == "..")) {
    invalid("'log_file' must name a file, got '" + c.log_file->string() + "'");
  }
  return c;
}

}  // namespace agentsys::telemetry
