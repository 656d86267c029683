// agentsys preflight and agentsys config show, end to end: the real binary on the
// repository's configuration and on configuration broken on purpose (tests/fixtures/config).
#include <doctest/doctest.h>

#include <algorithm>

#include "cli_support.hpp"
#include "test_paths.h"

using namespace agentsys::cli_test;

namespace {

const fs::path kSourceDir = AGENTSYS_TEST_SOURCE_DIR;
const fs::path kRepoConfig = kSourceDir / "config";

/// A fixture configuration copied into the scratch directory, with the repository's schemas.
fs::path stage_fixture(const Cli& cli, const std::string& name) {
  fs::path dir = cli.dir() / ("config-" + name);
  fs::copy(kSourceDir / "tests" / "fixtures" / "config" / name, dir, fs::copy_options::recursive);
  fs::copy(kRepoConfig / "schema", dir / "schema", fs::copy_options::recursive);
  return dir;
}

std::vector<std::string> bad_plugins() {
  return {"--plugin-dir", (fs::path(AGENTSYS_TEST_FIXTURE_DIR) / "bad").string()};
}

/// The one line of `out` that mentions all of `parts`.
std::string line_with(const std::string& out, const std::vector<std::string>& parts) {
  std::string found;
  for (const std::string& line : lines_of(out)) {
    if (std::all_of(parts.begin(), parts.end(),
                    [&](const std::string& p) { return contains(line, p); })) {
      if (!found.empty()) return "(more than one line)";
      found = line;
    }
  }
  return found;
}

}  // namespace

TEST_CASE("preflight passes on the repository's configuration for dev, staging and prod") {
  Cli cli;
  for (const char* env : {"dev", "staging", "prod"}) {
    INFO(env);
    Result r = cli({"--config-dir", kRepoConfig.string(), "preflight", "--env", env});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(contains(r.out, std::string("preflight ok: environment ") + env));
  }
  // Nothing was left behind: no state directory, no probe file.
  CHECK_FALSE(fs::exists(cli.dir() / "var"));
  json j = cli.json_of({"--config-dir", kRepoConfig.string(), "preflight", "--json"});
  CHECK(j["ok"] == true);
  CHECK(j["problems"].empty());
  CHECK(j["checked"]["env"] == "dev");
  CHECK(j["checked"]["files"].get<int>() >= 5);
  CHECK(j["checked"]["modules"] ==
        json::array({"demo", "report_orchestrator", "report_remediation_runner", "report_scheduler",
                     "skill_parser", "skill_router"}));
}

TEST_CASE("preflight reports every problem of a broken configuration in one run, located") {
  Cli cli;
  fs::path dir = stage_fixture(cli, "broken");
  std::vector<std::string> args = bad_plugins();
  args.insert(args.end(), {"--config-dir", dir.string(), "preflight", "--env", "dev"});
  Result r = cli(args);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "preflight found"));

  // FILE:LINE:COL: PATH: RULE: message, one line each.
  CHECK(contains(line_with(r.out, {"env/dev.toml:7:1: /runner/max_concurrency: schema.type:"}),
                 "expected integer, got string \"four\""));
  CHECK(contains(line_with(r.out, {"env/dev.toml:3:1: /kernel/state_dir: dir.writable:"}),
                 "/proc/agentsys-preflight/state"));
  CHECK(contains(line_with(r.out, {"env/dev.toml:10:1: /output/dir: dir.writable:"}),
                 "not a directory"));
  CHECK(!line_with(r.out, {"env/prod.toml:3:", "toml.syntax"}).empty());
  CHECK(!line_with(r.out, {"modules/zz_malformed.toml:1:", "toml.syntax"}).empty());
  CHECK(contains(
      line_with(r.out, {"modules/demo.toml:2:1: /modules/demo/v1_plugin: module.plugin_serves:"}),
      "implements v2, not v1"));
  CHECK(contains(
      line_with(r.out, {"modules/ghost.toml:2:1: /modules/ghost/v1_plugin: module.plugin_loads:"}),
      "no plugin 'ghost_v1'"));
  CHECK(!line_with(r.out, {"modules/ghost.toml:3:1: /modules/ghost/mode: module.mode:"}).empty());
  CHECK(contains(
      line_with(r.out, {"modules/other.toml:2:1: /modules/other/v2_plugin: module.plugin_serves:"}),
      "serves demo, not module 'other'"));
  CHECK(contains(
      line_with(r.out, {"modules/other.toml:5:1: /modules/old/v1_plugin: module.plugin_loads:"}),
      "built for plugin ABI 2."));
  CHECK(
      contains(line_with(r.out, {"routes/routes.toml:9:1: /routes/1/module: route.module_exists:"}),
               "no module 'nowhere'"));
  CHECK(!line_with(r.out, {"routes/routes.toml:13:1: /routes/2/match: route.pattern:"}).empty());
  CHECK(contains(line_with(r.out, {"routes/routes.toml:17:1: /routes/3/id: route.id_unique:"}),
                 "routes/routes.toml:2:1"));
  // Found by the policy plugin's validate, located in the policy file.
  CHECK(!line_with(r.out, {"policy/base.toml:6:1: /command/allow/0/more_args: policy."}).empty());
  CHECK(count_lines(r.out) == 14);

  // The same as JSON.
  args.push_back("--json");
  json j = cli.json_of(args, 1);
  CHECK(j["ok"] == false);
  CHECK(j["problems"].size() == 14);
  for (const json& p : j["problems"]) {
    INFO(p.dump());
    CHECK_FALSE(p["file"].get<std::string>().empty());
    CHECK_FALSE(p["rule"].get<std::string>().empty());
    CHECK_FALSE(p["message"].get<std::string>().empty());
  }
  CHECK(std::any_of(j["problems"].begin(), j["problems"].end(), [](const json& p) {
    return p["rule"] == "toml.syntax" && p["line"] == 3 && p["column"].is_number();
  }));
}

TEST_CASE("preflight usage errors exit 2") {
  Cli cli;
  Result r = cli({"--config-dir", kRepoConfig.string(), "preflight", "--env", "qa"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "unknown environment 'qa'"));
  CHECK(contains(r.err, "available: dev, prod, staging"));
  r = cli({"--config-dir", (cli.dir() / "nothing").string(), "preflight"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "no env/ folder"));
  r = cli({"--config-dir", kRepoConfig.string(), "--set", "novalue", "preflight"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "--set 'novalue'"));
}

TEST_CASE("config show prints every value with its source, as a table and as JSON") {
  Cli cli;
  Result r = cli({"--config-dir", kRepoConfig.string(), "config", "show", "--env", "prod", "--set",
                  "runner.max_concurrency=3"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(contains(r.out, "environment prod"));
  CHECK(!line_with(r.out, {"KEY", "VALUE", "SOURCE"}).empty());
  CHECK(contains(line_with(r.out, {"runner.max_concurrency "}), "--set"));
  CHECK(contains(line_with(r.out, {"kernel.durability "}), "\"full\""));
  CHECK(contains(line_with(r.out, {"kernel.durability "}), "env/prod.toml:"));
  CHECK(contains(line_with(r.out, {"modules.demo.v1_plugin "}), "modules/demo.toml:"));
  CHECK(contains(line_with(r.out, {"routes[0].module "}), "routes/demo.toml:"));

  json j = cli.json_of({"--config-dir", kRepoConfig.string(), "--env", "prod", "config", "show",
                        "--set", "runner.max_concurrency=3", "--json"});
  CHECK(j["env"] == "prod");
  CHECK(j["config_dir"] == kRepoConfig.lexically_normal().string());
  CHECK(j["values"]["runner"]["max_concurrency"] == 3);
  CHECK(j["sources"]["/runner/max_concurrency"] == "--set");
  CHECK(contains(j["sources"]["/kernel/durability"].get<std::string>(), "env/prod.toml:"));
  CHECK(j["values"]["modules"]["demo"]["v2_plugin"] == "demo_v2");
  CHECK(j["policy_layers"].is_array());

  // AGENTSYS_ENV picks the environment when --env is not given; --state-dir is a layer too.
  json s = cli.json_of({"--config-dir", kRepoConfig.string(), "--state-dir", "elsewhere", "config",
                        "show", "--json"});
  CHECK(s["env"] == "dev");
  CHECK(s["values"]["kernel"]["state_dir"] == "elsewhere");
  CHECK(s["sources"]["/kernel/state_dir"] == "--state-dir");

  Result bad = cli({"--config-dir", kRepoConfig.string(), "config", "show", "--set",
                    "runner.max_concurrency=many"});
  CHECK(bad.exit_code == 1);
  CHECK(contains(bad.err, "--set: /runner/max_concurrency: schema.type: expected integer"));
  Result unknown = cli({"--config-dir", kRepoConfig.string(), "config", "show", "--env", "qa"});
  CHECK(unknown.exit_code == 2);
  CHECK(contains(unknown.err, "available: dev, prod, staging"));
}
