#include <doctest/doctest.h>

#include "store/state_store.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace agentsys;

TEST_CASE("the state store creates, migrates and persists module routing") {
  test::TempDir dir;
  fs::path state = dir.path() / "nested" / "var";
  std::string version_before;
  {
    auto store = StateStore::open(state, true);
    CHECK(store->schema_version() == StateStore::latest_schema_version());
    CHECK(store->module_routing().empty());
    version_before = store->routing_version();
    store->set_module_routing("demo", {ModuleMode::v2, 0, {}});
    store->set_module_routing("other", {ModuleMode::cutover, 20, "salt1"});
    store->set_module_routing("demo", {ModuleMode::shadow, 0, {}});
  }
  auto reopened = StateStore::open(state, false);
  auto routing = reopened->module_routing();
  CHECK(routing.size() == 2);
  CHECK(routing.at("demo").mode == ModuleMode::shadow);
  CHECK(routing.at("other") == Routing{ModuleMode::cutover, 20, "salt1"});
  CHECK(reopened->routing_version() != version_before);
  std::string version = reopened->routing_version();
  reopened->set_module_routing("other", {ModuleMode::cutover, 50, "salt1"});
  CHECK(reopened->routing_version() != version);
  CHECK(fs::exists(StateStore::database_path(state)));
}

TEST_CASE("a version 3 database keeps its module modes when migrated to routing") {
  test::TempDir dir;
  {
    sqlite::Database db(StateStore::database_path(dir.path()), true);
    db.exec(
        "CREATE TABLE module_modes (module TEXT PRIMARY KEY, mode TEXT NOT NULL, updated_at "
        "TEXT NOT NULL DEFAULT 'x'); INSERT INTO module_modes(module, mode) VALUES ('demo', "
        "'v2'); PRAGMA user_version = 1");
  }
  auto store = StateStore::open(dir.path(), false);
  CHECK(store->module_routing().at("demo").mode == ModuleMode::v2);
}

TEST_CASE("a database from a newer agentsys is refused, not downgraded") {
  test::TempDir dir;
  {
    sqlite::Database db(StateStore::database_path(dir.path()), true);
    db.exec("PRAGMA user_version = 999");
  }
  CHECK_THROWS_WITH_AS(StateStore::open(dir.path(), false),
                       doctest::Contains("has schema version 999, newer than this agentsys"),
                       sqlite::Error);
}

TEST_CASE("opening a state dir that cannot be created reports the path") {
  CHECK_THROWS_AS(StateStore::open("/proc/agentsys-cannot-exist/var", true), std::exception);
}
