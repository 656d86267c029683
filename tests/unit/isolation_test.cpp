// Isolated plugin instances seen through the registry, as the runner sees them: the wire
// format, streaming across the boundary, hot swap, and a host that cannot start.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "host/call_frame.hpp"
#include "http_test_server.hpp"
#include "isolation/isolated_hooks.hpp"
#include "isolation/wire.hpp"
#include "registry/module_registry.hpp"
#include "test_support.hpp"

using namespace agentsys;
using namespace agentsys::test;
using json = nlohmann::json;

namespace {

std::shared_ptr<const PluginLibrary> load(const std::filesystem::path& file) {
  LoadResult r = PluginLibrary::load(file);
  REQUIRE_MESSAGE(r, file.string() << ": " << r.error);
  return r.library;
}

Invocation call(ModuleRegistry& registry, std::string_view module, std::string_view action,
                const std::string& input = "{}") {
  CallSpec spec;
  spec.module = module;
  spec.action = action;
  spec.input_json = input;
  spec.run_id = "run_isolation_test";
  CallFrame frame(spec);
  return registry.invoke(frame);
}

}  // namespace

TEST_CASE("wire: payloads decode as they were encoded, and a truncated one is refused") {
  const std::string payload =
      wire::Encoder().str("module").u64(42).i64(-7).f64(2.5).str(std::string(3, '\0')).take();
  wire::Decoder d(payload);
  CHECK(d.str() == "module");
  CHECK(d.u64() == 42);
  CHECK(d.i64() == -7);
  CHECK(d.f64() == 2.5);
  CHECK(d.str() == std::string(3, '\0'));
  CHECK_THROWS_AS(d.u64(), wire::ProtocolError);

  const std::string call =
      wire::encode_call("m", "a", R"({"x":1})", "trace", "run", "task", 3, AS_CALL_DRY_RUN, 99);
  wire::CallFields f = wire::decode_call(call);
  CHECK(f.module == "m");
  CHECK(f.input_json == R"({"x":1})");
  CHECK(f.attempt == 3);
  CHECK(f.flags == AS_CALL_DRY_RUN);
  CHECK(f.deadline_unix_ms == 99);
  CHECK_THROWS_AS(wire::decode_call(call.substr(0, call.size() - 3)), wire::ProtocolError);
}

TEST_CASE("isolation: http_stream reaches the plugin chunk by chunk, and its stop ends it") {
  TempDir dir;
  PolicedSink sink;
  ModuleRegistry registry(sink);
  sink.enable(registry, dir.path(), nullptr, {}, {"dev"});
  REQUIRE(registry
              .install(load(good("crashy_v2")), ModuleRegistry::Install::add, "{}",
                       isolated_hooks(IsolationSpec{}))
              .empty());
  HttpTestServer server([](const HttpTestServer::Request&, HttpTestServer::Connection& c) {
    c.send(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
        "Transfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < 50; ++i) {
      if (!c.send("b\r\ndata: tick\n\r\n")) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    c.send("0\r\n\r\n");
  });
  const auto start = std::chrono::steady_clock::now();
  Invocation inv =
      call(registry, "crashy", "stream",
           json{{"request", {{"url", server.url("/ticks")}}}, {"stop_after", 3}}.dump());
  REQUIRE_MESSAGE(inv.outcome.status == AS_OK, inv.outcome.error);
  json out = json::parse(inv.outcome.output);
  CHECK(out["chunks"] == 3);
  CHECK(out["body"] == "data: tick\ndata: tick\ndata: tick\n");
  CHECK(out["summary"]["stopped"] == true);
  CHECK(out["summary"]["status"] == 200);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(800));  // not 50 ticks
}

TEST_CASE("isolation: a hot swap keeps the module isolated and fails no call in flight") {
  NullSink sink;
  ModuleRegistry registry(sink);
  REQUIRE(registry
              .install(load(bundled("demo_v2")), ModuleRegistry::Install::add, "{}",
                       isolated_hooks(IsolationSpec{}))
              .empty());
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::atomic<int> calls{0};
  std::thread caller([&] {
    while (!stop) {
      Invocation inv = call(registry, "demo", "run", R"({"n":1})");
      if (inv.outcome.status != AS_OK) ++failures;
      ++calls;
    }
  });
  while (calls.load() < 20) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  // No hooks given: the replacement runs where the instance it replaces runs.
  REQUIRE(
      registry
          .install(load(kFixtureDir / "rebuilt" / "demo_v2.so"), ModuleRegistry::Install::replace)
          .empty());
  const int at_swap = calls.load();
  while (calls.load() < at_swap + 20) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  stop = true;
  caller.join();
  CHECK(failures == 0);
  auto binding = registry.binding("demo");
  REQUIRE(binding);
  CHECK(binding->v2->isolated());
  Invocation after = call(registry, "demo", "run");
  CHECK(after.plugin_version == "2.0.1-rebuilt");
}

TEST_CASE("isolation: a host program that cannot start refuses the install with the reason") {
  NullSink sink;
  ModuleRegistry registry(sink);
  IsolationSpec spec;
  spec.host_program = "/nonexistent/agentsys-plugin-host";
  const std::string error = registry.install(load(bundled("demo_v2")), ModuleRegistry::Install::add,
                                             "{}", isolated_hooks(spec));
  CHECK(error.find("demo_v2: on_create failed") != std::string::npos);
  CHECK(error.find("/nonexistent/agentsys-plugin-host") != std::string::npos);
  CHECK_FALSE(registry.binding("demo"));
}
