#include "store/state_store.hpp"

#include <fmt/format.h>

#include <array>
#include <string_view>

namespace agentsys {
namespace fs = std::filesystem;
namespace {

// Append-only: migration N (1-based) brings the schema from version N-1 to N.
constexpr std::array<std::string_view, 1> kMigrations = {
    R"sql(
    CREATE TABLE module_modes (
      module     TEXT PRIMARY KEY,
      mode       TEXT NOT NULL CHECK (mode IN ('v1', 'v2')),
      updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    );
    )sql",
};

}  // namespace

fs::path StateStore::database_path(const fs::path& state_dir) { return state_dir / "agentsys.db"; }

std::unique_ptr<StateStore> StateStore::open(const fs::path& state_dir, bool create) {
  if (create) fs::create_directories(state_dir);
  std::unique_ptr<StateStore> store(new StateStore(database_path(state_dir)));
  store->migrate();
  return store;
}

StateStore::StateStore(const fs::path& file) : db_(file, true) {
  db_.exec("PRAGMA journal_mode=WAL");
  db_.exec("PRAGMA synchronous=NORMAL");
  db_.exec("PRAGMA foreign_keys=ON");
}

int StateStore::latest_schema_version() { return static_cast<int>(kMigrations.size()); }

int StateStore::schema_version() {
  sqlite::Statement st = db_.prepare("PRAGMA user_version");
  st.step();
  return static_cast<int>(st.column_int(0));
}

void StateStore::migrate() {
  int version = schema_version();
  if (version > latest_schema_version()) {
    throw sqlite::Error(fmt::format(
        "{} has schema version {}, newer than this agentsys understands ({}): use a newer build",
        db_.file().string(), version, latest_schema_version()));
  }
  for (int v = version; v < latest_schema_version(); ++v) {
    sqlite::Transaction tx(db_);
    db_.exec(kMigrations[static_cast<size_t>(v)]);
    db_.exec(fmt::format("PRAGMA user_version = {}", v + 1));
    tx.commit();
  }
}

std::map<std::string, ModuleMode> StateStore::module_modes() {
  std::map<std::string, ModuleMode> modes;
  sqlite::Statement st = db_.prepare("SELECT module, mode FROM module_modes");
  while (st.step()) {
    if (auto mode = parse_module_mode(st.column_text(1))) modes[st.column_text(0)] = *mode;
  }
  return modes;
}

void StateStore::set_module_mode(const std::string& module, ModuleMode mode) {
  sqlite::Statement st = db_.prepare(
      "INSERT INTO module_modes(module, mode) VALUES (?1, ?2) "
      "ON CONFLICT(module) DO UPDATE SET mode = excluded.mode, "
      "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')");
  st.bind(1, module).bind(2, to_string(mode));
  st.step();
}

}  // namespace agentsys
