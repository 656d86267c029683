// demo_v2: the V2 side of the demo module, written with plugin.hpp.
// Action "run" echoes the input and counts the calls it served; the count survives a hot
// reload of a newer build through export_state/import_state.
#include <agentsys/plugin.hpp>

#include <atomic>
#include <nlohmann/json.hpp>

#ifndef DEMO_V2_VERSION
#define DEMO_V2_VERSION "2.0.0"
#endif

namespace {

class DemoV2 {
 public:
  DemoV2(agentsys::Host host, std::string_view /*config_json*/) : host_(host) {}

  std::string invoke(const agentsys::Call& call) {
    if (call.action() != "run") {
      throw agentsys::Error(
          AS_ERR_UNSUPPORTED,
          "demo_v2: unknown action '" + std::string(call.action()) + "' (supported: run)");
    }
    nlohmann::json input = nlohmann::json::parse(call.input(), nullptr, false);
    if (input.is_discarded()) throw agentsys::Error(AS_ERR_INVALID_INPUT, "input is not JSON");
    uint64_t served = calls_.fetch_add(1) + 1;
    host_.metric("demo_calls_total", 1.0, R"({"impl":"v2"})", &call);
    return nlohmann::json{{"impl", "v2"},
                          {"plugin", "demo_v2"},
                          {"version", DEMO_V2_VERSION},
                          {"input", input},
                          {"calls_served", served}}
        .dump();
  }

  std::string export_state() { return nlohmann::json{{"calls", calls_.load()}}.dump(); }

  void import_state(std::string_view state) {
    calls_ = nlohmann::json::parse(state).at("calls").get<uint64_t>();
  }

 private:
  agentsys::Host host_;
  std::atomic<uint64_t> calls_{0};
};

}  // namespace

AS_PLUGIN_ENTRY(DemoV2, .name = "demo_v2", .version = DEMO_V2_VERSION,
                .description = "Demo module, native side (C++ plugin.hpp): echoes the input",
                .kind = AS_PLUGIN_KIND_DOMAIN, .impl = AS_IMPL_V2, .modules = {"demo"},
                .thread_safe = true)
