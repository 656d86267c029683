#include "store/state_store.hpp"

#include <fmt/format.h>

#include "store/schema.hpp"

namespace agentsys {
namespace fs = std::filesystem;

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

int StateStore::latest_schema_version() { return schema::latest_version(); }

int StateStore::schema_version() { return schema::current_version(db_); }

void StateStore::migrate() { schema::migrate(db_); }

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
