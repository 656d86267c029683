#pragma once
// Persistence of the metrics aggregate under a directory shared by every agentsys process:
//   <dir>/.lock          flock(2): exclusive to update, shared to read
//   <dir>/metrics.json   the persisted aggregate (Aggregate::to_persisted_json), versioned
//   <dir>/metrics.prom   the same aggregate as Prometheus text (for a textfile collector)
// Both files are replaced atomically (temp file, fsync, rename, fsync of the directory).
#include <filesystem>
#include <string>

#include "aggregate.hpp"

namespace agentsys::telemetry {

class MetricsStore {
 public:
  /// Creates `dir` when missing. Throws std::exception when it cannot.
  explicit MetricsStore(std::filesystem::path dir);

  /// What `add` did besides adding.
  struct AddReport {
    std::string warning;  ///< Non-empty when a damaged metrics.json was moved aside.
  };

  /// Under the exclusive lock: reads metrics.json, adds `delta`, rewrites metrics.json and
  /// metrics.prom. A damaged metrics.json is renamed to metrics.json.corrupt-<unix ms> and
  /// counting restarts from `delta`. Throws (nothing written) when the file has an unknown
  /// version (agentsys::Error AS_ERR_UNSUPPORTED) or the I/O fails.
  AddReport add(const Aggregate& delta);

  /// Under the shared lock: the persisted aggregate (empty when none yet). Throws when the file
  /// is damaged or of an unknown version.
  [[nodiscard]] Aggregate load() const;

  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

}  // namespace agentsys::telemetry
