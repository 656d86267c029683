#include "test_support.hpp"

#include <fmt/format.h>
#include <stdlib.h>

namespace agentsys::test {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "agentsys-test-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void RecordingSink::log(std::string_view plugin, const CallFrame* call, as_log_level level,
                        std::string_view message) {
  std::lock_guard lock(mutex_);
  logs_.push_back({std::string(plugin), fmt::format("{}:{}", static_cast<int>(level), message),
                   call != nullptr});
}

void RecordingSink::metric(std::string_view plugin, const CallFrame* call, std::string_view name,
                           double value, std::string_view labels_json) {
  std::lock_guard lock(mutex_);
  metrics_.push_back(
      {std::string(plugin), fmt::format("{}={} {}", name, value, labels_json), call != nullptr});
}

std::vector<RecordingSink::Entry> RecordingSink::logs() {
  std::lock_guard lock(mutex_);
  return logs_;
}

std::vector<RecordingSink::Entry> RecordingSink::metrics() {
  std::lock_guard lock(mutex_);
  return metrics_;
}

}  // namespace agentsys::test
