// The module registry: binding rules, routing by mode, serialisation of non-thread-safe
// plugins, exceptions turned into statuses, the host API seen from a plugin, state transfer.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "host/call_frame.hpp"
#include "registry/module_registry.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace agentsys;
using namespace agentsys::test;
using json = nlohmann::json;

namespace {

std::shared_ptr<const PluginLibrary> load(const fs::path& file) {
  LoadResult r = PluginLibrary::load(file);
  REQUIRE_MESSAGE(r, file.string() << ": " << r.error);
  return r.library;
}

Invocation call(const ModuleRegistry& registry, std::string_view module,
                std::string_view action = "run", std::string_view input = "{}") {
  CallSpec spec;
  spec.module = module;
  spec.action = action;
  spec.input_json = input;
  CallFrame frame(spec);
  return registry.invoke(frame);
}

}  // namespace

TEST_CASE("a module binds its V1 and V2 plugins and defaults to V1") {
  RecordingSink sink;
  ModuleRegistry registry(sink);
  REQUIRE(registry.install(load(bundled("demo_v2")), ModuleRegistry::Install::add).empty());
  auto only_v2 = registry.binding("demo");
  REQUIRE(only_v2);
  CHECK(only_v2->mode() == ModuleMode::v2);  // nothing else to route to

  REQUIRE(registry.install(load(bundled("demo_v1")), ModuleRegistry::Install::add).empty());
  auto both = registry.binding("demo");
  CHECK(both->mode() == ModuleMode::v1);
  CHECK(both->v1->descriptor().name == "demo_v1");
  CHECK(both->v2->descriptor().name == "demo_v2");

  Invocation r = call(registry, "demo", "run", R"({"x":1})");
  CHECK(r.outcome.status == AS_OK);
  CHECK(r.impl == AS_IMPL_V1);
  CHECK(json::parse(r.outcome.output) ==
        json::parse(R"({"impl":"v1","plugin":"demo_v1","input":{"x":1}})"));

  CHECK(registry.set_mode("demo", ModuleMode::v2).empty());
  r = call(registry, "demo", "run", R"({"x":2})");
  CHECK(r.impl == AS_IMPL_V2);
  CHECK(json::parse(r.outcome.output)["impl"] == "v2");
  CHECK(r.plugin == "demo_v2");
  CHECK(r.plugin_version == "2.0.0");
}

TEST_CASE("a second plugin for the same module and implementation is refused") {
  RecordingSink sink;
  ModuleRegistry registry(sink);
  REQUIRE(registry.install(load(bundled("demo_v1")), ModuleRegistry::Install::add).empty());
  std::string error = registry.install(load(bad("dup_demo_v1")), ModuleRegistry::Install::add);
  CHECK(error == "declares module 'demo' (v1), already provided by plugin 'demo_v1' (" +
                     bundled("demo_v1").string() + ")");
  CHECK(registry.plugins().size() == 1);
  CHECK(registry.binding("demo")->v1->descriptor().name == "demo_v1");
}

TEST_CASE("the same plugin name cannot be added twice, only replaced") {
  RecordingSink sink;
  ModuleRegistry registry(sink);
  REQUIRE(registry.install(load(bundled("demo_v1")), ModuleRegistry::Install::add).empty());
  CHECK(registry.install(load(bundled("demo_v1")), ModuleRegistry::Install::add) ==
        "plugin 'demo_v1' is already loaded from " + bundled("demo_v1").string());
  CHECK(registry.install(load(bundled("demo_v1")), ModuleRegistry::Install::replace).empty());
}

TEST_CASE("set_mode rejects unknown modules and missing implementations") {
  RecordingSink sink;
  ModuleRegistry registry(sink);
  REQUIRE(registry.install(load(bundled("demo_v1")), ModuleRegistry::Install::add).empty());
  CHECK(registry.set_mode("nope", ModuleMode::v2).find("unknown module 'nope'") == 0);
  CHECK(registry.set_mode("demo", ModuleMode::v2) ==
        "module 'demo' has no v2 plugin loaded, so it cannot be routed to v2");
  CHECK(registry.binding("demo")->mode() == ModuleMode::v1);
}

TEST_CASE("a restored mode whose implementation is missing fails calls loudly") {
  RecordingSink sink;
  ModuleRegistry registry(sink);
  REQUIRE(registry.install(load(bundled("demo_v1")), ModuleRegistry::Install::add).empty());
  CHECK(registry.restore_mode("demo", ModuleMode::v2));
  CHECK_FALSE(registry.restore_mode("unknown", ModuleMode::v2));
  Invocation r = call(registry, "demo");
  CHECK(r.outcome.status == AS_ERR_UNSUPPORTED);
  CHECK(r.outcome.error.find("routed to v2 but no v2 plugin is loaded") != std::string::npos);
  CHECK(call(registry, "unknown").outcome.status == AS_ERR_NOT_FOUND);
}

TEST_CASE("exceptions inside a plugin become statuses, never cross the ABI") {
  RecordingSink sink;
  ModuleRegistry registry(sink);
  REQUIRE(registry.install(load(good("throwing_v2")), ModuleRegistry::Install::add).empty());
  Invocation r = call(registry, "throwing", "throw_std");
  CHECK(r.outcome.status == AS_ERR_INTERNAL);
  CHECK(r.outcome.error == "boom from throwing_v2");
  r = call(registry, "throwing", "throw_int");
  CHECK(r.outcome.status == AS_ERR_INTERNAL);
  CHECK(r.outcome.error == "unknown exception");
  r = call(registry, "throwing", "invalid");
  CHECK(r.outcome.status == AS_ERR_INVALID_INPUT);
  CHECK(r.outcome.error == "field 'x' is required");
  r = call(registry, "throwing", "nope");
  CHECK(r.outcome.status == AS_ERR_UNSUPPORTED);
  // The plugin keeps working after all of that.
  CHECK(call(registry, "throwing", "log").outcome.status == AS_OK);
}

TEST_CASE("on_create failure is reported and nothing is bound") {
  RecordingSink sink;
  ModuleRegistry registry(sink);
  std::string error = registry.install(load(good("throwing_v2")), ModuleRegistry::Install::add,
                                       R"({"fail_create":true})");
  CHECK(error ==
        "throwing_v2: on_create failed (status -1): refusing to start: fail_create was set");
  CHECK_FALSE(registry.binding("throwing"));
  CHECK(registry.plugins().empty());
}

TEST_CASE("plugins log and emit metrics through the host API, attributed to the call") {
  RecordingSink sink;
  ModuleRegistry registry(sink);
  REQUIRE(registry.install(load(good("throwing_v2")), ModuleRegistry::Install::add).empty());
  REQUIRE(call(registry, "throwing", "log").outcome.status == AS_OK);
  auto logs = sink.logs();
  REQUIRE(logs.size() == 1);
  CHECK(logs[0].plugin == "throwing_v2");
  CHECK(logs[0].text == "1:hello from throwing_v2");
  CHECK(logs[0].had_call);
  auto metrics = sink.metrics();
  REQUIRE(metrics.size() == 1);
  CHECK(metrics[0].text == R"(fixture_metric=2.5 {"k":"v"})");
}

TEST_CASE("a side-effect service of a kernel without policy is refused with a clear message") {
  RecordingSink sink;  // no services: this kernel runs without policy
  ModuleRegistry registry(sink);
  REQUIRE(registry.install(load(good("throwing_v2")), ModuleRegistry::Install::add).empty());
  Invocation r = call(registry, "throwing", "http_request");
  CHECK(r.outcome.status == AS_ERR_POLICY_DENIED);
  CHECK(r.outcome.error.rfind("http_request: refused: this kernel runs without a policy", 0) == 0);
}

TEST_CASE("cancellation reaches a plugin through is_cancelled") {
  RecordingSink sink;
  ModuleRegistry registry(sink);
  REQUIRE(registry.install(load(good("throwing_v2")), ModuleRegistry::Install::add).empty());
  CallSpec spec;
  spec.module = "throwing";
  spec.action = "sleep";
  CallFrame frame(spec);
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    frame.cancelled = true;
  });
  auto start = std::chrono::steady_clock::now();
  Invocation r = registry.invoke(frame);
  canceller.join();
  CHECK(r.outcome.status == AS_ERR_CANCELLED);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(250));
}

TEST_CASE("calls to a plugin that is not thread-safe are serialised") {
  NullSink sink;
  ModuleRegistry registry(sink);
  REQUIRE(registry.install(load(good("serial_v1")), ModuleRegistry::Install::add).empty());
  REQUIRE_FALSE(registry.binding("serial")->v1->descriptor().thread_safe);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        if (call(registry, "serial").outcome.status != AS_OK) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
}

TEST_CASE("replacing a plugin carries its state over to the new build") {
  NullSink sink;
  ModuleRegistry registry(sink);
  REQUIRE(registry.install(load(bundled("demo_v2")), ModuleRegistry::Install::add).empty());
  for (int i = 0; i < 3; ++i) REQUIRE(call(registry, "demo").outcome.status == AS_OK);
  REQUIRE(
      registry
          .install(load(kFixtureDir / "rebuilt" / "demo_v2.so"), ModuleRegistry::Install::replace)
          .empty());
  json out = json::parse(call(registry, "demo").outcome.output);
  CHECK(out["version"] == "2.0.1-rebuilt");
  CHECK(out["calls_served"] == 4);
}
