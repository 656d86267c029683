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

std::map<std::string, Routing> StateStore::module_routing() {
  std::map<std::string, Routing> routing;
  sqlite::Statement st = db_.prepare("SELECT module, mode, percent, salt FROM module_routing");
  while (st.step()) {
    if (auto mode = parse_module_mode(st.column_text(1))) {
      routing[st.column_text(0)] =
          Routing{*mode, static_cast<unsigned>(st.column_int(2)), st.column_text(3)};
    }
  }
  return routing;
}

void StateStore::set_module_routing(const std::string& module, const Routing& routing) {
  sqlite::Statement st = db_.prepare(
      "INSERT INTO module_routing(module, mode, percent, salt) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT(module) DO UPDATE SET mode = excluded.mode, percent = excluded.percent, "
      "salt = excluded.salt, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')");
  st.bind(1, module)
      .bind(2, to_string(routing.mode))
      .bind(3, static_cast<int64_t>(routing.percent))
      .bind(4, routing.salt);
  st.step();
}

std::string StateStore::routing_version() {
  sqlite::Statement st = db_.prepare(
      "SELECT coalesce(group_concat(module || ':' || mode || ':' || percent || ':' || "
      "salt, ','), '') FROM (SELECT * FROM module_routing ORDER BY module)");
  st.step();
  return st.column_text(0);
}

}  // namespace agentsys
