// The loader: every refusal case names its reason; good plugins load with their descriptor;
// a rebuilt file at the same path reloads (private copies defeat dlopen's path cache).
#include <doctest/doctest.h>

#include "plugin/plugin_library.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using agentsys::LoadResult;
using agentsys::PluginLibrary;
using namespace agentsys::test;

namespace {

std::string refusal(const fs::path& file) {
  LoadResult r = PluginLibrary::load(file);
  REQUIRE_MESSAGE(!r, file.string() << " unexpectedly loaded");
  return r.error;
}

}  // namespace

TEST_CASE("loader refuses a file that is not a shared library") {
  std::string why = refusal(bad("not_a_library"));
  CHECK(why.find("not a loadable shared library") != std::string::npos);
  // dlerror's text names the file the operator gave, not the kernel's private copy.
  CHECK(why.find(bad("not_a_library").string()) != std::string::npos);
  CHECK(why.find("agentsys-plugins-") == std::string::npos);
}

TEST_CASE("loader refuses a library without the entry symbol") {
  CHECK(refusal(bad("no_entry")) ==
        "no 'as_plugin_entry' symbol: not an AgentSystem plugin (export it with AS_PLUGIN_ENTRY "
        "from agentsys/plugin.hpp)");
}

TEST_CASE("loader refuses another ABI major and names both versions") {
  CHECK(refusal(bad("abi_major_2")) ==
        "built for plugin ABI 2.3 but this kernel speaks ABI 1.3 (the major version must match): "
        "rebuild the plugin against AgentSystemSDK 1.x");
}

TEST_CASE("loader refuses a plugin that needs a newer minor ABI") {
  CHECK(refusal(bad("abi_minor_future")) ==
        "needs plugin ABI 1.10 or newer but this kernel provides 1.3: upgrade the kernel");
}

TEST_CASE("loader refuses malformed descriptors") {
  CHECK(refusal(bad("null_name")) == "malformed descriptor: null or empty name");
  CHECK(refusal(bad("unknown_kind")) ==
        "malformed descriptor: unknown kind 42 (expected 1 domain, 2 policy, 3 telemetry or 4 "
        "lineage)");
  CHECK(refusal(bad("missing_invoke")) == "malformed vtable: required hook on_invoke is null");
  CHECK(refusal(bad("no_modules")) ==
        "malformed descriptor: a domain plugin must serve at least one module");
}

TEST_CASE("loader refuses an entry point that reports failure") {
  CHECK(refusal(bad("entry_fails")) == "as_plugin_entry returned status -3");
}

TEST_CASE("loader refuses a file whose name differs from the plugin name") {
  CHECK(refusal(bad("name_mismatch")) ==
        "file name 'name_mismatch.so' does not match the plugin name 'something_else': rename it "
        "to something_else.so");
}

TEST_CASE("loader refuses missing files and directories") {
  CHECK(refusal(kFixtureDir / "does_not_exist.so") == "no such file");
  CHECK(refusal(kFixtureDir / "bad") == "not a regular file");
}

TEST_CASE("loader reads the descriptor of a C plugin and a C++ plugin") {
  LoadResult v1 = PluginLibrary::load(bundled("demo_v1"));
  REQUIRE_MESSAGE(v1, v1.error);
  const auto& d1 = v1.library->descriptor();
  CHECK(d1.name == "demo_v1");
  CHECK(d1.version == "1.0.0");
  CHECK(d1.kind == AS_PLUGIN_KIND_DOMAIN);
  CHECK(d1.impl == AS_IMPL_V1);
  CHECK(d1.modules == std::vector<std::string>{"demo"});
  CHECK(d1.thread_safe);
  CHECK((d1.vtable.on_export_state == nullptr));

  LoadResult v2 = PluginLibrary::load(bundled("demo_v2"));
  REQUIRE_MESSAGE(v2, v2.error);
  const auto& d2 = v2.library->descriptor();
  CHECK(d2.name == "demo_v2");
  CHECK(d2.impl == AS_IMPL_V2);
  CHECK(d2.abi_major == AS_ABI_VERSION_MAJOR);
  CHECK((d2.vtable.on_export_state != nullptr));
  CHECK((d2.vtable.on_import_state != nullptr));
  CHECK(v2.library->path() == bundled("demo_v2"));
}

TEST_CASE("a rebuilt plugin file at the same path loads as the new build") {
  TempDir dir;
  fs::path target = dir.path() / "demo_v2.so";
  fs::copy_file(bundled("demo_v2"), target);
  LoadResult first = PluginLibrary::load(target);
  REQUIRE(first);

  // Overwrite in place, as a rebuild does, while the first build is still loaded.
  fs::copy_file(kFixtureDir / "rebuilt" / "demo_v2.so", target,
                fs::copy_options::overwrite_existing);
  LoadResult second = PluginLibrary::load(target);
  REQUIRE(second);
  CHECK(first.library->descriptor().version == "2.0.0");
  CHECK(second.library->descriptor().version == "2.0.1-rebuilt");
}
