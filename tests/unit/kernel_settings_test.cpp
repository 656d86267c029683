// The shipped configuration turned into kernel options (config/kernel_settings.cpp).
#include <doctest/doctest.h>

#include "config/kernel_settings.hpp"
#include "test_support.hpp"

using namespace agentsys;
using namespace agentsys::test;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

TEST_CASE("apply_config: runner, module defaults, modes, plugin config, databases, policy") {
  config::EffectiveConfig cfg = config::load_config(
      {"dev", kSourceDir / "config", {"runner.default_timeout_s=12.5"}, std::nullopt});
  KernelOptions o;
  config::apply_config(cfg, o);
  CHECK(o.state_dir.is_absolute());
  CHECK(o.state_dir.filename() == "var");
  CHECK(o.durability == Durability::normal);
  CHECK(o.runner.workers == 4);
  CHECK(o.runner.pause_after_failures == 0);
  CHECK(o.runner.default_timeout == 12500ms);
  CHECK(o.runner.default_retry.maximum_attempts == 2);
  // config/modules/demo.toml: timeout_s = 30, max_concurrency = 4, retry.maximum_attempts = 2
  REQUIRE(o.runner.module_defaults.count("demo") == 1);
  CHECK(o.runner.module_defaults["demo"].timeout == 30000ms);
  CHECK(o.runner.module_defaults["demo"].retry->maximum_attempts == 2);
  // keys the module leaves out come from [retry]
  CHECK(o.runner.module_defaults["demo"].retry->initial_interval == 200ms);
  CHECK(o.runner.module_limits["demo"] == 4);
  CHECK(o.default_modes.at("demo") == ModuleMode::v1);
  CHECK(nlohmann::json::parse(o.plugin_configs.at("demo_v1"))["greeting"] == "hello");
  CHECK(o.plugin_configs.at("demo_v2") == o.plugin_configs.at("demo_v1"));
  CHECK(o.host.databases.at("ops").is_absolute());
  CHECK(o.host.databases.at("ops").filename() == "ops.db");
  CHECK(o.host.output_dir.is_absolute());
  REQUIRE(o.policy_config.has_value());
  CHECK((*o.policy_config)["layers"].size() >= 2);  // base and dev at least
}

TEST_CASE("a module's own timeout applies to its tasks that set none") {
  RunnerOptions o;
  o.default_timeout = 1000ms;
  o.module_defaults["behave"].timeout = 50ms;
  o.default_retry.maximum_attempts = 1;
  NullSink sink;
  ModuleRegistry registry(sink);
  LoadResult behave = PluginLibrary::load(good("behave_v2"));
  REQUIRE(registry.install(behave.library, ModuleRegistry::Install::add).empty());
  Runner runner(registry, nullptr, nullptr, o);
  TaskSpec t;
  t.module = "behave";
  t.action = "hang";
  t.input_json = R"({"ms": 300})";
  CHECK(runner.run(t).status == TaskStatus::timed_out);
  t.timeout = 2000ms;  // the task's own wins
  CHECK(runner.run(t).ok());
}

TEST_CASE("apply_config: config_sections and ${placeholders} reach the module's plugins") {
  config::EffectiveConfig cfg =
      config::load_config({"dev",
                           kSourceDir / "config",
                           {R"(modules.demo.config_sections=["databases", "output"])",
                            R"(modules.demo.config.script="${repo_root}/examples/x.py")"},
                           std::nullopt});
  KernelOptions o;
  config::apply_config(cfg, o);
  nlohmann::json plugin = nlohmann::json::parse(o.plugin_configs.at("demo_v2"));
  CHECK(plugin["script"] == (kSourceDir / "examples/x.py").string());
  CHECK(plugin["greeting"] == "hello");
  CHECK(fs::path(plugin["databases"]["ops"].get<std::string>()).is_absolute());
  CHECK(plugin["output"]["dir"] == "var/output");
}
