#include <doctest/doctest.h>

#include "store/state_store.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace agentsys;

TEST_CASE("the state store creates, migrates and persists module modes") {
  test::TempDir dir;
  fs::path state = dir.path() / "nested" / "var";
  {
    auto store = StateStore::open(state, true);
    CHECK(store->schema_version() == StateStore::latest_schema_version());
    CHECK(store->module_modes().empty());
    store->set_module_mode("demo", ModuleMode::v2);
    store->set_module_mode("other", ModuleMode::v1);
    store->set_module_mode("demo", ModuleMode::v1);
  }
  auto reopened = StateStore::open(state, false);
  auto modes = reopened->module_modes();
  CHECK(modes.size() == 2);
  CHECK(modes.at("demo") == ModuleMode::v1);
  CHECK(modes.at("other") == ModuleMode::v1);
  CHECK(fs::exists(StateStore::database_path(state)));
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
