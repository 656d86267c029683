// Overhead of the host's http_request per call on the loopback: a 1 KB GET through the ABI
// (parse, policy decision, libcurl with a pooled handle and shared keep-alive connections,
// response JSON) against a local keep-alive server, next to a raw libcurl GET on one reused
// handle against the same server. The difference is the service's overhead: the server's own
// time, the kernel's TCP round trip and libcurl's own work are in both.
#include <benchmark/benchmark.h>
#include <curl/curl.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "config/toml_to_json.hpp"
#include "host/call_frame.hpp"
#include "host/host_api.hpp"
#include "host/host_services.hpp"
#include "host/string_writer.hpp"
#include "http_test_server.hpp"
#include "plugin/plugin_library.hpp"
#include "policy/policy_gate.hpp"
#include "registry/module_registry.hpp"
#include "test_paths.h"

namespace agentsys::bench {

void fail(benchmark::State& state, const std::string& message);  // main.cpp

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const std::string kBody(1024, 'b');

/// The shipped base + dev policy (dev allows the loopback), services on, events dropped.
class HttpEnv final : public HostSink {
 public:
  static HttpEnv& instance() {
    static HttpEnv env;
    return env;
  }
  void log(std::string_view, const CallFrame*, as_log_level, std::string_view) override {}
  void metric(std::string_view, const CallFrame*, std::string_view, double,
              std::string_view) override {}
  HostServices* services() override { return services_.get(); }

  test::HttpTestServer server{[](const test::HttpTestServer::Request&,
                                 test::HttpTestServer::Connection& c) { c.respond(200, kBody); }};
  std::string error;

 private:
  HttpEnv() {
    const fs::path source = AGENTSYS_TEST_SOURCE_DIR;
    LoadResult policy = PluginLibrary::load(fs::path(AGENTSYS_TEST_PLUGIN_DIR) / "policy.so");
    if (!policy) {
      error = policy.error;
      return;
    }
    error = registry_.install(policy.library, ModuleRegistry::Install::add);
    json layers = json::array();
    for (const char* name : {"base", "dev"}) {
      auto doc =
          config::parse_toml_file(source / "config/policy" / (std::string(name) + ".toml"), name);
      layers.push_back({{"name", name}, {"source", name}, {"document", doc.document}});
    }
    const fs::path state = fs::temp_directory_path() / "agentsys_http_bench";
    fs::create_directories(state);
    gate_ = std::make_unique<PolicyGate>(
        registry_, nullptr,
        json{{"env", "dev"}, {"vars", {{"state_dir", state.string()}}}, {"layers", layers}});
    HostEnvironment environment;
    environment.state_dir = state;
    environment.output_dir = state / "output";
    services_ = std::make_unique<HostServices>(*gate_, environment);
  }
  ModuleRegistry registry_{*this};
  std::unique_ptr<PolicyGate> gate_;
  std::unique_ptr<HostServices> services_;
};

size_t discard(char*, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(size * count, '\0');
  return size * count;
}

void BM_HttpRawCurlGet1K(benchmark::State& state) {
  HttpEnv& env = HttpEnv::instance();
  CURL* curl = curl_easy_init();
  const std::string url = env.server.url("/1k");
  std::string body;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROXY, "");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &discard);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  for (auto _ : state) {
    body.clear();
    if (curl_easy_perform(curl) != CURLE_OK || body.size() != kBody.size()) {
      fail(state, "raw GET failed");
      break;
    }
  }
  curl_easy_cleanup(curl);
}
BENCHMARK(BM_HttpRawCurlGet1K)->Repetitions(5)->ReportAggregatesOnly(true);

void BM_HttpServiceGet1K(benchmark::State& state) {
  HttpEnv& env = HttpEnv::instance();
  if (!env.error.empty()) {
    fail(state, env.error);
    return;
  }
  as_host_ctx ctx{"bench", &env};
  const std::string request = json{{"url", env.server.url("/1k")}}.dump();
  CallSpec spec;
  spec.module = "bench";
  for (auto _ : state) {
    CallFrame frame(spec);
    StringWriter out;
    StringWriter err;
    as_status st = host_api()->http_request(&ctx, &frame.raw, {request.data(), request.size()},
                                            out.get(), err.get());
    if (st != AS_OK) {
      fail(state, err.str());
      break;
    }
    benchmark::DoNotOptimize(out.str());
  }
}
BENCHMARK(BM_HttpServiceGet1K)->Repetitions(5)->ReportAggregatesOnly(true);

}  // namespace
}  // namespace agentsys::bench
