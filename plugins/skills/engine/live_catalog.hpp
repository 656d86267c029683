#pragma once
// The skills folder as the router sees it, kept current without a restart: the folder and each
// skill's folder are watched with inotify, and the first request after any change (a SKILL.md
// edited, a skill added, removed or renamed) rescans and reindexes before it is answered. Where
// inotify is not available, each request compares the folder's modification times instead.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "finding.hpp"
#include "router.hpp"
#include "router_settings.hpp"

namespace agentsys::skills {

struct CatalogState {
  std::shared_ptr<const Router> router;
  std::vector<Finding> findings;  ///< the last scan's
  size_t invalid = 0;
  uint64_t generation = 0;  ///< 1 for the first scan, +1 per reload
};

class LiveCatalog {
 public:
  LiveCatalog(std::filesystem::path dir, RouterSettings settings);
  ~LiveCatalog();
  LiveCatalog(const LiveCatalog&) = delete;
  LiveCatalog& operator=(const LiveCatalog&) = delete;

  /// The catalogue as the folder is now. Thread-safe. Throws std::runtime_error when the
  /// folder cannot be read.
  std::shared_ptr<const CatalogState> current();
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }

 private:
  [[nodiscard]] bool changed();
  void watch_folders();
  [[nodiscard]] std::string signature() const;

  std::filesystem::path dir_;
  RouterSettings settings_;
  std::mutex mutex_;
  std::shared_ptr<const CatalogState> state_;
  int inotify_fd_ = -1;
  std::string signature_;  ///< without inotify: the folder's modification times
};

}  // namespace agentsys::skills
