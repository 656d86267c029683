#pragma once
// The lineage plugin's storage: one OpenLineage RunEvent per line in <dir>/events.jsonl,
// appended with O_APPEND and fsync'ed per batch, so events from concurrent kernels interleave
// by whole lines and an acknowledged event survives a crash.
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace agentsys::lineage {

class EventLog {
 public:
  explicit EventLog(std::filesystem::path dir);

  /// Appends the events (each a JSON object). Throws std::runtime_error on an I/O failure.
  void append(const std::vector<nlohmann::json>& events);
  /// Every event, oldest first. A torn last line (a crash mid-write) is skipped.
  [[nodiscard]] std::vector<nlohmann::json> read_all() const;
  [[nodiscard]] std::filesystem::path file() const { return dir_ / "events.jsonl"; }

 private:
  std::filesystem::path dir_;
  std::mutex mutex_;
};

}  // namespace agentsys::lineage
