// Configuration layers: defaults < env < modules < routes < command line, each value with its
// source; policy layers collected in order; errors that say what and where.
#include <doctest/doctest.h>

#include <algorithm>

#include "config/config_defaults.hpp"
#include "config/config_loader.hpp"
#include "config/config_paths.hpp"
#include "config_test_support.hpp"

using namespace agentsys::config;
using agentsys::test::ConfigDir;
using agentsys::test::kRepoConfigDir;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

EffectiveConfig load(const ConfigDir& dir, const std::string& env = "dev",
                     std::vector<std::string> overrides = {}) {
  return load_config({env, dir.path(), std::move(overrides), std::nullopt});
}

std::string file_of(const ConfigDir& dir, const std::string& relative) {
  return display_path(dir.path() / relative);
}

}  // namespace

TEST_CASE("each layer overrides the one before, --set last, with the source of every value") {
  ConfigDir dir;
  dir.write("env/dev.toml",
            "[runner]\n"
            "max_concurrency = 4\n"
            "default_timeout_s = 60\n"
            "[plugins]\n"
            "dirs = [\"a\", \"b\"]\n");
  dir.write("modules/a_first.toml",
            "[modules.demo]\nv1_plugin = \"demo_v1\"\nmode = \"v1\"\ntimeout_s = 10\n");
  dir.write("modules/b_second.toml", "[modules.demo]\nmode = \"v2\"\nv2_plugin = \"demo_v2\"\n");
  dir.write("routes/r.toml", "[[routes]]\nid = \"x\"\nmatch = \"^x\"\nmodule = \"demo\"\n");
  EffectiveConfig c = load(dir, "dev", {"runner.max_concurrency=8", "output.dir=out dir"});

  const json& v = c.values();
  // Defaults where no file says anything.
  CHECK(v["runner"]["pause_after_failures"] == default_config()["runner"]["pause_after_failures"]);
  CHECK(c.source_of("/runner/pause_after_failures") == "default");
  // The env file over the defaults.
  CHECK(v["runner"]["default_timeout_s"] == 60);
  CHECK(c.source_of("/runner/default_timeout_s") == file_of(dir, "env/dev.toml") + ":3:1");
  // Module files in file-name order: the second wins where both speak, tables merge.
  CHECK(v["modules"]["demo"]["mode"] == "v2");
  CHECK(c.source_of("/modules/demo/mode") == file_of(dir, "modules/b_second.toml") + ":2:1");
  CHECK(v["modules"]["demo"]["v1_plugin"] == "demo_v1");
  CHECK(c.source_of("/modules/demo/v1_plugin") == file_of(dir, "modules/a_first.toml") + ":2:1");
  CHECK(v["modules"]["demo"]["v2_plugin"] == "demo_v2");
  // Routes.
  CHECK(v["routes"][0]["module"] == "demo");
  CHECK(c.source_of("/routes/0/module") == file_of(dir, "routes/r.toml") + ":4:1");
  // The command line over everything; a string when the value is not TOML.
  CHECK(v["runner"]["max_concurrency"] == 8);
  CHECK(c.source_of("/runner/max_concurrency") == "--set");
  CHECK(v["output"]["dir"] == "out dir");
  // Arrays are leaves: replaced whole, one source.
  CHECK(v["plugins"]["dirs"] == json::array({"a", "b"}));
  CHECK(c.source_of("/plugins/dirs") == file_of(dir, "env/dev.toml") + ":5:1");
  CHECK(c.sources().count("/plugins/dirs/0") == 0);
  // Every leaf has a source, and every source names a leaf that exists.
  for (const auto& [pointer, source] : c.sources()) {
    INFO(pointer);
    CHECK_FALSE(source.empty());
    CHECK_FALSE(c.value(pointer).is_null());
  }
  CHECK(c.sources().count("/modules") == 0);  // the default empty table is no longer a leaf
}

TEST_CASE("arrays replace: a later layer's array is the whole array") {
  ConfigDir dir;
  dir.write("env/dev.toml", "[retry]\nnon_retryable_error_codes = [\"timeout\", \"internal\"]\n");
  EffectiveConfig c = load(dir, "dev", {"retry.non_retryable_error_codes=[\"cancelled\"]"});
  CHECK(c.values()["retry"]["non_retryable_error_codes"] == json::array({"cancelled"}));
  CHECK(c.source_of("/retry/non_retryable_error_codes") == "--set");
  EffectiveConfig empty = load(dir, "dev", {"retry.non_retryable_error_codes=[]"});
  CHECK(empty.values()["retry"]["non_retryable_error_codes"].empty());
}

TEST_CASE("route files are one layer: their routes concatenate in file order") {
  ConfigDir dir;
  dir.write("env/dev.toml", "");
  dir.write("routes/b.toml", "[[routes]]\nid = \"b1\"\nmatch = \"b\"\nmodule = \"m\"\n");
  dir.write("routes/a.toml",
            "[[routes]]\nid = \"a1\"\nmatch = \"a\"\nmodule = \"m\"\n\n"
            "[[routes]]\nid = \"a2\"\nmatch = \"a2\"\nmodule = \"m\"\n");
  EffectiveConfig c = load(dir);
  const json& routes = c.values()["routes"];
  REQUIRE(routes.size() == 3);
  CHECK(routes[0]["id"] == "a1");
  CHECK(routes[1]["id"] == "a2");
  CHECK(routes[2]["id"] == "b1");
  CHECK(c.source_of("/routes/1/id") == file_of(dir, "routes/a.toml") + ":7:1");
  CHECK(c.source_of("/routes/2/id") == file_of(dir, "routes/b.toml") + ":2:1");
}

TEST_CASE("policy layers: base, the environment's, then each module file's [policy]") {
  ConfigDir dir;
  dir.write("env/dev.toml", "");
  dir.write("env/prod.toml", "");
  dir.write("policy/base.toml", "[action]\nx = 1\n");
  dir.write("policy/prod.toml", "[action]\nx = 2\n");
  dir.write("modules/demo.toml",
            "[modules.demo]\nv1_plugin = \"demo_v1\"\n[policy.command]\ny = true\n");
  // No policy schema in this directory: the layers are passed on unchecked.
  fs::remove(dir.path() / "schema" / "policy.schema.json");

  EffectiveConfig prod = load(dir, "prod");
  const json& layers = prod.policy_layers();
  REQUIRE(layers.size() == 3);
  CHECK(layers[0]["name"] == "base");
  CHECK(layers[0]["source"] == file_of(dir, "policy/base.toml"));
  CHECK(layers[0]["document"] == json::parse(R"({"action": {"x": 1}})"));
  CHECK(layers[1]["name"] == "prod");
  CHECK(layers[2]["name"] == "module:demo");
  CHECK(layers[2]["source"] == file_of(dir, "modules/demo.toml"));
  CHECK(layers[2]["document"] == json::parse(R"({"command": {"y": true}})"));
  // The [policy] table is not a configuration value.
  CHECK_FALSE(prod.values().contains("policy"));

  // dev has no policy file of its own: skipped.
  CHECK(load(dir, "dev").policy_layers().size() == 2);

  json cfg = prod.policy_config();
  CHECK(cfg["env"] == "prod");
  CHECK(cfg["layers"] == layers);
  CHECK(cfg["vars"]["config_dir"] == dir.path().string());
  CHECK(cfg["vars"]["repo_root"] == dir.path().parent_path().string());
  CHECK(fs::path(cfg["vars"]["state_dir"].get<std::string>()).is_absolute());
}

TEST_CASE("an unknown environment is a usage error listing the available ones") {
  ConfigDir dir;
  dir.write("env/dev.toml", "");
  dir.write("env/prod.toml", "");
  for (const char* env : {"qa", "../dev", ""}) {
    INFO(env);
    try {
      load(dir, env);
      FAIL("expected ConfigError");
    } catch (const ConfigError& e) {
      CHECK(e.kind() == ConfigError::Kind::usage);
      CHECK(std::string(e.what()).find("unknown environment") != std::string::npos);
      CHECK(std::string(e.what()).find("available: dev, prod") != std::string::npos);
    }
  }
  CHECK_THROWS_AS(load_config({"dev", dir.path() / "nope", {}, std::nullopt}), ConfigError);
  CHECK_THROWS_WITH(load(dir, "dev", {"noequals"}), doctest::Contains("no '='"));
}

TEST_CASE("invalid files: every problem at once, located, load_config throws them") {
  ConfigDir dir;
  dir.write("env/dev.toml",
            "[runner]\nmax_concurrency = \"four\"\n[kernel]\ndurability = \"fast\"\n");
  dir.write("modules/bad.toml", "[modules.demo\nv1_plugin = 1\n");
  dir.write("modules/ok.toml", "[modules.demo]\nv1_plugin = \"demo_v1\"\n");
  try {
    load(dir);
    FAIL("expected ConfigError");
  } catch (const ConfigError& e) {
    CHECK(e.kind() == ConfigError::Kind::invalid);
    const auto& ps = e.problems();
    REQUIRE(ps.size() == 3);
    CHECK(ps[0].file == file_of(dir, "env/dev.toml"));
    CHECK(ps[0].line == 2);
    CHECK(ps[0].path == "/runner/max_concurrency");
    CHECK(ps[0].rule == "schema.type");
    CHECK(ps[1].line == 4);
    CHECK(ps[1].rule == "schema.enum");
    CHECK(ps[2].file == file_of(dir, "modules/bad.toml"));
    CHECK(ps[2].rule == "toml.syntax");
    CHECK(ps[2].line == 1);
  }
  // The collecting form goes on: the good module file is still merged.
  std::vector<Problem> problems;
  EffectiveConfig c = load_config({"dev", dir.path(), {}, std::nullopt}, problems);
  CHECK(problems.size() == 3);
  CHECK(c.values()["modules"]["demo"]["v1_plugin"] == "demo_v1");
}

TEST_CASE("the command line is checked against the schemas too") {
  ConfigDir dir;
  dir.write("env/dev.toml", "");
  try {
    load(dir, "dev", {"runner.max_concurrency=many", "runner.bogus=1"});
    FAIL("expected ConfigError");
  } catch (const ConfigError& e) {
    REQUIRE(e.problems().size() == 2);
    for (const Problem& p : e.problems()) CHECK(p.file == "--set");
    CHECK(e.problems()[0].path == "/runner/bogus");
    CHECK(e.problems()[0].rule == "schema.additionalProperties");
    CHECK(e.problems()[1].path == "/runner/max_concurrency");
    CHECK(e.problems()[1].rule == "schema.type");
  }
  EffectiveConfig c = load_config({"dev", dir.path(), {}, std::optional<fs::path>("/srv/state")});
  CHECK(c.values()["kernel"]["state_dir"] == "/srv/state");
  CHECK(c.source_of("/kernel/state_dir") == "--state-dir");
}

TEST_CASE("the repository's configuration loads for dev, staging and prod") {
  for (const char* env : {"dev", "staging", "prod"}) {
    INFO(env);
    EffectiveConfig c = load_config({env, kRepoConfigDir, {}, std::nullopt});
    CHECK(c.values()["modules"].contains("demo"));
    CHECK(c.source_of("/kernel/state_dir").find("env/" + std::string(env) + ".toml:") !=
          std::string::npos);
  }
  CHECK(available_envs(kRepoConfigDir) == std::vector<std::string>{"dev", "prod", "staging"});
}

TEST_CASE(
    "the configuration directory: --config-dir > $AGENTSYS_CONFIG_DIR > ./config > build tree > "
    "install tree") {
  ConfigDir root(false);
  fs::path cwd = root.path() / "work";
  fs::path exe_dir = root.path() / "prefix" / "bin";
  fs::create_directories(cwd);
  fs::create_directories(exe_dir);
  auto choose = [&](std::optional<fs::path> explicit_dir, const char* env) {
    return find_config_dir(explicit_dir, env, cwd, exe_dir);
  };
  CHECK(choose(fs::path("mine"), "/from/env").dir == cwd / "mine");
  CHECK(choose(fs::path("mine"), "/from/env").reason == "--config-dir");
  CHECK(choose(std::nullopt, "/from/env").dir == "/from/env");
  CHECK(choose(std::nullopt, nullptr).dir.empty());
  CHECK(choose(std::nullopt, nullptr).tried.size() == 3);

  fs::create_directories(root.path() / "prefix" / "etc" / "agentsys" / "env");
  CHECK(choose(std::nullopt, nullptr).dir == root.path() / "prefix" / "etc" / "agentsys");
  fs::create_directories(root.path() / "config" / "env");  // exe_dir/../../config
  CHECK(choose(std::nullopt, nullptr).dir == root.path() / "config");
  fs::create_directories(cwd / "config");  // no env/: not a configuration directory
  CHECK(choose(std::nullopt, "").dir == root.path() / "config");
  fs::create_directories(cwd / "config" / "env");
  CHECK(choose(std::nullopt, nullptr).dir == cwd / "config");
  CHECK(choose(std::nullopt, nullptr).reason == "./config");
}
