#pragma once
// The kernel's durable state under the state directory: one SQLite database in WAL mode.
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "registry/module_mode.hpp"
#include "store/sqlite.hpp"

namespace agentsys {

/// Durable kernel state. The schema is versioned (PRAGMA user_version) and migrated forward
/// on open, one transaction per migration.
class StateStore {
 public:
  /// The database file inside a state directory.
  static std::filesystem::path database_path(const std::filesystem::path& state_dir);

  /// Opens the store, creating the state directory and database when `create` is set.
  /// Throws sqlite::Error (or filesystem_error) with the path on failure.
  static std::unique_ptr<StateStore> open(const std::filesystem::path& state_dir, bool create);

  /// The schema version this build migrates to.
  static int latest_schema_version();
  [[nodiscard]] int schema_version();

  /// The routing an operator set per module (`agentsys module set`).
  [[nodiscard]] std::map<std::string, Routing> module_routing();
  void set_module_routing(const std::string& module, const Routing& routing);
  /// A cheap token that changes whenever any module's routing changes (also from another
  /// process): lets a running kernel pick up `module set` without re-reading every time.
  [[nodiscard]] std::string routing_version();

 private:
  explicit StateStore(const std::filesystem::path& file);
  void migrate();

  sqlite::Database db_;
};

}  // namespace agentsys
