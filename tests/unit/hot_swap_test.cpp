// Hot swap under load: callers never fail or see a half-swapped binding, and an old library
// is unloaded only after its last call returns.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "host/call_frame.hpp"
#include "registry/module_registry.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace agentsys;
using namespace agentsys::test;
using json = nlohmann::json;

namespace {

/// Private copies of `stem` mapped into this process (the loader's copies are stem.N.so).
size_t mapped_copies(const std::string& stem) {
  std::ifstream maps("/proc/self/maps");
  std::set<std::string> files;
  for (std::string line; std::getline(maps, line);) {
    size_t at = line.find("agentsys-plugins-");
    if (at != std::string::npos && line.find("/" + stem + ".", at) != std::string::npos) {
      files.insert(line.substr(line.find('/')));
    }
  }
  return files.size();
}

std::shared_ptr<const PluginLibrary> load(const fs::path& file) {
  LoadResult r = PluginLibrary::load(file);
  REQUIRE_MESSAGE(r, file.string() << ": " << r.error);
  return r.library;
}

}  // namespace

TEST_CASE("swapping V1<->V2 and reloading rebuilt files under load fails no call") {
  NullSink sink;
  ModuleRegistry registry(sink);
  // The reloaded file lives at one path and is overwritten by each "rebuild", as in real life.
  TempDir dir;
  fs::path live = dir.path() / "demo_v2.so";
  fs::copy_file(bundled("demo_v2"), live);
  REQUIRE(registry.install(load(bundled("demo_v1")), ModuleRegistry::Install::add).empty());
  REQUIRE(registry.install(load(live), ModuleRegistry::Install::add).empty());

  const std::set<std::string> valid = {"v1/", "v2/2.0.0", "v2/2.0.1-rebuilt"};
  std::atomic<bool> stop{false};
  std::atomic<long> calls{0};
  std::atomic<long> failures{0};
  std::mutex seen_mutex;
  std::set<std::string> seen;
  std::vector<std::string> errors;

  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&, t] {
      std::string input = json{{"thread", t}}.dump();
      std::set<std::string> local;
      while (!stop.load()) {
        CallSpec spec;
        spec.module = "demo";
        spec.input_json = input;
        CallFrame frame(spec);
        Invocation r = registry.invoke(frame);
        ++calls;
        std::string key;
        if (r.outcome.status == AS_OK) {
          json out = json::parse(r.outcome.output, nullptr, false);
          if (!out.is_discarded() && out.value("input", json()) == json{{"thread", t}}) {
            key = out.value("impl", "") + "/" + out.value("version", "");
          }
        }
        if (valid.count(key) == 0) {
          ++failures;
          std::lock_guard lock(seen_mutex);
          errors.push_back(r.outcome.error.empty() ? r.outcome.output : r.outcome.error);
        }
        local.insert(key);
      }
      std::lock_guard lock(seen_mutex);
      seen.insert(local.begin(), local.end());
    });
  }

  const fs::path builds[] = {bundled("demo_v2"), kFixtureDir / "rebuilt" / "demo_v2.so"};
  int swaps = 0;
  for (int i = 0; i < 120; ++i) {
    // A mode switch, then a reload of the "rebuilt" file.
    REQUIRE(registry.set_mode("demo", i % 2 == 0 ? ModuleMode::v2 : ModuleMode::v1).empty());
    ++swaps;
    fs::copy_file(builds[(i + 1) % 2], live, fs::copy_options::overwrite_existing);
    REQUIRE(registry.install(load(live), ModuleRegistry::Install::replace).empty());
    ++swaps;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  stop = true;
  for (auto& t : callers) t.join();

  INFO("first errors: " << (errors.empty() ? "" : errors.front()));
  CHECK(swaps >= 200);
  CHECK(failures == 0);
  CHECK(calls > 1000);
  CHECK(seen == valid);  // every implementation actually served calls
  // Every replaced build was unloaded: only the bound one is still mapped.
  CHECK(mapped_copies("demo_v2") == 1);
}

TEST_CASE("an old plugin is unloaded only after its last in-flight call returns") {
  NullSink sink;
  ModuleRegistry registry(sink);
  std::shared_ptr<const PluginLibrary> first = load(good("throwing_v2"));
  std::weak_ptr<const PluginLibrary> old = first;
  REQUIRE(registry.install(std::move(first), ModuleRegistry::Install::add).empty());

  Invocation slow;
  std::thread caller([&] {
    CallSpec spec;
    spec.module = "throwing";
    spec.action = "sleep";
    CallFrame frame(spec);
    slow = registry.invoke(frame);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the call is now in flight
  REQUIRE(registry.install(load(good("throwing_v2")), ModuleRegistry::Install::replace).empty());
  CHECK_FALSE(old.expired());  // still serving the in-flight call

  // New calls go to the new instance while the old one finishes.
  CallSpec spec;
  spec.module = "throwing";
  spec.action = "log";
  CallFrame frame(spec);
  CHECK(registry.invoke(frame).outcome.status == AS_OK);

  caller.join();
  CHECK(slow.outcome.status == AS_OK);
  CHECK(slow.outcome.output == R"({"slept":true})");
  CHECK(old.expired());  // unloaded once its last call returned
}
