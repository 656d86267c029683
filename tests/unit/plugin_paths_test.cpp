#include <doctest/doctest.h>

#include <fstream>

#include "plugin/plugin_paths.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace agentsys;

TEST_CASE("plugin search path: explicit dirs, then $AGENTSYS_PLUGIN_PATH, then the default") {
  CHECK(plugin_search_path({"/a", "/b"}, "/env1:/env2") == std::vector<fs::path>{"/a", "/b"});
  CHECK(plugin_search_path({}, "/env1::/env2") == std::vector<fs::path>{"/env1", "/env2"});
  CHECK(plugin_search_path({}, nullptr) == std::vector<fs::path>{default_plugin_dir()});
  CHECK(plugin_search_path({}, "") == std::vector<fs::path>{default_plugin_dir()});
}

TEST_CASE("the default plugin dir is ../lib/agentsys/plugins beside the executable") {
  fs::path dir = default_plugin_dir();
  CHECK(dir.filename() == "plugins");
  CHECK(dir.parent_path().filename() == "agentsys");
  CHECK(dir.parent_path().parent_path().filename() == "lib");
}

TEST_CASE("plugin files are the .so files of each directory, sorted, missing dirs skipped") {
  test::TempDir dir;
  for (const char* name : {"b.so", "a.so", "notes.txt", "c.so.bak"}) {
    std::ofstream(dir.path() / name) << "x";
  }
  fs::create_directory(dir.path() / "sub.so");
  auto files = find_plugin_files({dir.path() / "missing", dir.path()});
  REQUIRE(files.size() == 3);
  CHECK(files[0].filename() == "a.so");
  CHECK(files[1].filename() == "b.so");
  CHECK(files[2].filename() == "sub.so");
}
