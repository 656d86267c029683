// The policy plugin through its real ABI: loaded from the build's plugin directory, created
// with the shipped layers, answering decide, validate and describe.
#include "host/call_frame.hpp"
#include "plugin/plugin_instance.hpp"
#include "plugin/plugin_library.hpp"
#include "policy_test_support.hpp"

using namespace agentsys;
using namespace agentsys::policy::test;

namespace {

std::shared_ptr<const PluginLibrary> policy_library() {
  static const std::shared_ptr<const PluginLibrary> library = [] {
    LoadResult r = PluginLibrary::load(agentsys::test::bundled("policy"));
    REQUIRE_MESSAGE(r, r.error);
    return r.library;
  }();
  return library;
}

InvokeOutcome invoke(PluginInstance& instance, std::string_view action, const std::string& input) {
  CallSpec spec;
  spec.module = "";
  spec.action = action;
  spec.input_json = input;
  CallFrame frame(spec);
  return instance.invoke(frame);
}

json ok(PluginInstance& instance, std::string_view action, const json& input) {
  InvokeOutcome r = invoke(instance, action, input.dump());
  REQUIRE_MESSAGE(r.status == AS_OK, r.error);
  return json::parse(r.output);
}

}  // namespace

TEST_CASE("policy plugin: descriptor") {
  const auto& d = policy_library()->descriptor();
  CHECK(d.name == "policy");
  CHECK(d.kind == AS_PLUGIN_KIND_POLICY);
  CHECK(d.modules.empty());
  CHECK(d.thread_safe);
}

TEST_CASE("policy plugin: decide, validate and describe through the ABI") {
  Sandbox s;
  const json config{{"env", "prod"},
                    {"vars", s.vars()},
                    {"layers", {shipped_layer("base"), shipped_layer("prod")}}};
  agentsys::test::NullSink sink;
  std::string error;
  auto instance = PluginInstance::create(policy_library(), sink, config.dump(), error);
  REQUIRE_MESSAGE(instance, error);

  json d = ok(*instance, "decide",
              {{"kind", "action"}, {"action", "publish"}, {"module", "report_orchestrator"}});
  CHECK(d["decision"] == "needs_approval");
  CHECK(d["rule"] == "action.high_risk");
  d = ok(*instance, "decide", {{"kind", "sql"}, {"sql", "SELECT 1; DROP TABLE task_runs"}});
  CHECK(d["decision"] == "deny");
  CHECK(d["rule"] == "sql.multiple_statements");
  d = ok(*instance, "decide",
         {{"kind", "path"},
          {"path", s.run.string() + "/escape/x"},
          {"access", "write"},
          {"vars", {{"run_dir", s.run.string()}}}});
  CHECK(d["rule"] == "path.outside_roots");
  CHECK(d["canonical"] == (s.outside / "x").string());
  d = ok(*instance, "decide", {{"kind", "command"}, {"argv", {"bash", "-c", "id"}}});
  CHECK(d["rule"] == "command.inline_interpreter");

  // A malformed request is invalid input, not a deny.
  InvokeOutcome bad = invoke(*instance, "decide", R"({"kind":"path","path":"/x"})");
  CHECK(bad.status == AS_ERR_INVALID_INPUT);
  CHECK(bad.error.find("missing field 'access'") != std::string::npos);
  CHECK(invoke(*instance, "decide", "not json").status == AS_ERR_INVALID_INPUT);
  CHECK(invoke(*instance, "evaluate", "{}").status == AS_ERR_UNSUPPORTED);

  const json v = ok(
      *instance, "validate",
      {{"layers",
        {{{"name", "x"},
          {"source", "x.toml"},
          {"document", {{"command", {{"allow", {{{"executable", "a"}, {"args", {"("}}}}}}}}}}}}});
  CHECK(v["ok"] == false);
  CHECK(v["problems"][0]["path"] == "/command/allow/0/args/0");
  CHECK(ok(*instance, "validate", config) == json{{"ok", true}});

  const json described = ok(*instance, "describe", json::object());
  CHECK(described["env"] == "prod");
  CHECK(described["action"]["require_approval"] == true);
  CHECK(described["layers"].size() == 2);
}

TEST_CASE("policy plugin: a bad configuration fails on_create, naming source and field") {
  agentsys::test::NullSink sink;
  std::string error;
  const json config{
      {"layers",
       {{{"name", "prod"},
         {"source", "config/policy/prod.toml"},
         {"document",
          {{"command", {{"allow", {{{"executable", "a"}, {"args", {"x", "y", "("}}}}}}}}}}}}};
  auto instance = PluginInstance::create(policy_library(), sink, config.dump(), error);
  CHECK_FALSE(instance);
  CHECK(error.find(
            "config/policy/prod.toml: command.allow[0].args[2]: invalid regex '(': missing )") !=
        std::string::npos);
  // With no configuration at all, everything is denied by default.
  auto empty = PluginInstance::create(policy_library(), sink, "{}", error);
  REQUIRE_MESSAGE(empty, error);
  CHECK(ok(*empty, "decide", {{"kind", "command"}, {"argv", {"true"}}})["rule"] == "default.deny");
}
