// The agentsys executable end to end: real processes, real plugin files, real state dirs.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "test_paths.h"
#include "test_support.hpp"

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace agentsys::test;

namespace {

struct Result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q.append("'\\''");
    } else {
      q.push_back(c);
    }
  }
  q.push_back('\'');
  return q;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

/// Runs agentsys with `args` in a scratch directory; the bundled plugin dir is used unless the
/// arguments name --plugin-dir themselves.
class Cli {
 public:
  Result operator()(std::vector<std::string> args, const std::string& env = "") const {
    std::vector<std::string> quoted;
    for (const auto& a : args) quoted.push_back(quote(a));
    fs::path out = dir_.path() / "stdout.txt";
    fs::path err = dir_.path() / "stderr.txt";
    std::string cmd =
        fmt::format("cd {} && {} {} {} >{} 2>{} </dev/null", quote(dir_.path()), env,
                    quote(AGENTSYS_TEST_BIN), fmt::join(quoted, " "), quote(out), quote(err));
    int status = std::system(cmd.c_str());
    Result r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
  }
  [[nodiscard]] const fs::path& dir() const { return dir_.path(); }

 private:
  TempDir dir_;
};

const std::string kPlugins = AGENTSYS_TEST_PLUGIN_DIR;
const std::string kBad = (kFixtureDir / "bad").string();

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

int count_lines(const std::string& text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace

TEST_CASE("--version and --help exit 0, no command is a usage error") {
  Cli cli;
  Result v = cli({"--version"});
  CHECK(v.exit_code == 0);
  CHECK(contains(v.out, "plugin ABI 1.3"));
  Result h = cli({"--help"});
  CHECK(h.exit_code == 0);
  CHECK(contains(h.out, "plugins list"));
  CHECK(contains(h.out, "Exit codes: 0 ok, 1 runtime error"));
  CHECK(cli({}).exit_code == 2);
}

TEST_CASE("--help works at every level") {
  Cli cli;
  for (std::vector<std::string> args : {std::vector<std::string>{"plugins", "--help"},
                                        {"plugins", "list", "--help"},
                                        {"plugins", "inspect", "--help"},
                                        {"module", "--help"},
                                        {"module", "list", "--help"},
                                        {"module", "set", "--help"},
                                        {"run", "--help"},
                                        {"--help", "module", "set"}}) {
    Result r = cli(args);
    CAPTURE(args.back());
    CHECK(r.exit_code == 0);
    CHECK(contains(r.out, "Usage: agentsys"));
    CHECK(r.err.empty());
  }
}

TEST_CASE("unknown commands, verbs and options are usage errors with one clear line") {
  Cli cli;
  Result r = cli({"frobnicate"});
  CHECK(r.exit_code == 2);
  CHECK(r.err ==
        "agentsys: error: unknown command 'frobnicate': expected one of plugins, module, run, "
        "batch, runs, events, metrics, config, preflight, migrate, golden, lineage, policy, "
        "snapshot, todo, gate, reconcile, sample, skills (see agentsys --help)\n");
  r = cli({"module", "explode"});
  CHECK(r.exit_code == 2);
  CHECK(r.err ==
        "agentsys: error: unknown verb 'module explode': expected one of list, set, resume\n");
  r = cli({"module", "list", "--bogus"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "unrecognised option '--bogus'"));
  CHECK(cli({"module"}).exit_code == 2);
}

TEST_CASE("plugins list shows the bundled plugins, as a table and as JSON") {
  Cli cli;
  Result r = cli({"plugins", "list"});
  CHECK(r.exit_code == 0);
  for (const char* name :
       {"demo_v1", "demo_v2", "lineage", "policy", "telemetry", "report_orchestrator_v1",
        "report_orchestrator_v2", "report_scheduler_v2", "report_remediation_runner_v2"}) {
    CHECK(contains(r.out, name));
  }
  CHECK(contains(r.out, "14 plugin(s) loaded, 0 refused"));

  r = cli({"plugins", "list", "--json"});
  REQUIRE(r.exit_code == 0);
  json doc = json::parse(r.out);
  REQUIRE(doc["plugins"].size() == 14);
  std::map<std::string, json> by_name;
  for (const json& p : doc["plugins"]) by_name[p["name"].get<std::string>()] = p;
  CHECK(doc["plugins"][0]["name"] == "demo_v1");  // sorted by name
  CHECK(by_name["lineage"]["kind"] == "lineage");
  CHECK(by_name["policy"]["kind"] == "policy");
  CHECK(by_name["telemetry"]["kind"] == "telemetry");
  CHECK(by_name["demo_v1"]["impl"] == "v1");
  CHECK(by_name["demo_v2"]["modules"] == json::array({"demo"}));
  CHECK(by_name["report_orchestrator_v1"]["modules"] == json::array({"report_orchestrator"}));
  CHECK(by_name["report_orchestrator_v2"]["impl"] == "v2");
  CHECK(by_name["report_scheduler_v2"]["modules"] == json::array({"report_scheduler"}));
  CHECK(by_name["report_remediation_runner_v2"]["modules"] ==
        json::array({"report_remediation_runner"}));
  CHECK(by_name["report_remediation_runner_v2"]["abi"] == "1.2");
  CHECK(doc["refused"].empty());
}

TEST_CASE("every bad plugin is refused with one line naming the file and why, the rest load") {
  Cli cli;
  Result r = cli({"--plugin-dir", kPlugins, "--plugin-dir", kBad, "plugins", "list", "--json"});
  REQUIRE(r.exit_code == 0);
  json doc = json::parse(r.out);
  CHECK(doc["plugins"].size() == 14);  // the bundled plugins still load
  std::map<std::string, std::string> refused;
  for (const auto& item : doc["refused"]) {
    refused[fs::path(item["file"].get<std::string>()).stem().string()] = item["reason"];
  }
  CHECK(refused.size() == 11);
  CHECK(contains(refused["not_a_library"], "not a loadable shared library"));
  CHECK(contains(refused["no_entry"], "no 'as_plugin_entry' symbol"));
  CHECK(
      contains(refused["abi_major_2"], "built for plugin ABI 2.3 but this kernel speaks ABI 1.3"));
  CHECK(contains(refused["abi_minor_future"], "needs plugin ABI 1.10 or newer"));
  CHECK(refused["null_name"] == "malformed descriptor: null or empty name");
  CHECK(contains(refused["unknown_kind"], "unknown kind 42"));
  CHECK(contains(refused["missing_invoke"], "required hook on_invoke is null"));
  CHECK(contains(refused["no_modules"], "must serve at least one module"));
  CHECK(contains(refused["entry_fails"], "returned status -3"));
  CHECK(contains(refused["name_mismatch"], "does not match the plugin name 'something_else'"));
  CHECK(contains(refused["dup_demo_v1"],
                 "declares module 'demo' (v1), already provided by plugin 'demo_v1'"));

  // On stderr: exactly one warning line per refused file, each naming it.
  CHECK(count_lines(r.err) == 11);
  for (const auto& [stem, reason] : refused) {
    CHECK(contains(
        r.err, "agentsys: warning: refused plugin " + kBad + "/" + stem + ".so: " + reason + "\n"));
  }
}

TEST_CASE("plugins inspect shows a descriptor, or why a file cannot load") {
  Cli cli;
  Result r = cli({"plugins", "inspect", kPlugins + "/demo_v2.so", "--json"});
  REQUIRE(r.exit_code == 0);
  json doc = json::parse(r.out);
  CHECK(doc["loadable"] == true);
  CHECK(doc["name"] == "demo_v2");
  CHECK(doc["abi"] == "1.0");
  CHECK(doc["thread_safe"] == true);

  r = cli({"plugins", "inspect", kPlugins + "/demo_v1.so"});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "name:        demo_v1"));

  r = cli({"plugins", "inspect", kBad + "/abi_major_2.so", "--json"});
  CHECK(r.exit_code == 1);
  doc = json::parse(r.out);
  CHECK(doc["loadable"] == false);
  CHECK(contains(doc["reason"].get<std::string>(), "ABI 2.3"));

  r = cli({"plugins", "inspect", "/nonexistent/x.so"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "agentsys: error: plugins inspect: no such file '/nonexistent/x.so'\n");
  CHECK(cli({"plugins", "inspect"}).exit_code == 2);
}

TEST_CASE("run routes to V1 by default, module set switches to V2 and persists") {
  Cli cli;
  Result r = cli({"run", "demo", "--input", R"({"name":"ada"})", "--json"});
  REQUIRE(r.exit_code == 0);
  json doc = json::parse(r.out);
  CHECK(doc["impl"] == "v1");
  CHECK(doc["status"] == "succeeded");
  CHECK(doc["output"]["input"]["name"] == "ada");
  CHECK(fs::exists(cli.dir() / "var" / "agentsys.db"));  // the run is recorded

  r = cli({"module", "set", "demo", "--mode", "v2"});
  REQUIRE(r.exit_code == 0);
  CHECK(contains(r.out, "module demo: mode v1 -> v2"));

  doc = json::parse(cli({"run", "demo", "--json"}).out);
  CHECK(doc["impl"] == "v2");
  CHECK(doc["plugin"] == "demo_v2");

  doc = json::parse(cli({"module", "list", "--json"}).out);
  CHECK(doc[0]["module"] == "demo");
  CHECK(doc[0]["mode"] == "v2");
  CHECK(doc[0]["mode_source"] == "set");

  // A different state dir has its own modes.
  doc = json::parse(cli({"--state-dir", "other", "run", "demo", "--json"}).out);
  CHECK(doc["impl"] == "v1");
}

TEST_CASE("run reads @FILE input and rejects bad input with exit 2") {
  Cli cli;
  std::ofstream(cli.dir() / "in.json") << R"({"from":"file"})";
  Result r = cli({"run", "demo", "--input", "@in.json", "--json"});
  REQUIRE(r.exit_code == 0);
  CHECK(json::parse(r.out)["output"]["input"]["from"] == "file");

  r = cli({"run", "demo", "--input", "{not json"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "agentsys: error: --input is not valid JSON: line 1, column 3: "));
  CHECK(count_lines(r.err) == 1);

  r = cli({"run", "demo", "--input", "@missing.json"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "agentsys: error: --input: cannot read file 'missing.json'\n");

  r = cli({"run", "nosuchmodule"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "unknown module 'nosuchmodule'"));

  CHECK(cli({"run"}).exit_code == 2);
}

TEST_CASE("module set rejects bad modes and modules with exit 2, changing nothing") {
  Cli cli;
  Result r = cli({"module", "set", "demo", "--mode", "v3"});
  CHECK(r.exit_code == 2);
  CHECK(r.err ==
        "agentsys: error: module set: unknown mode 'v3': expected v1, v2, shadow or cutover\n");
  CHECK(cli({"module", "set", "demo", "--mode", "cutover"}).err ==
        "agentsys: error: module set: --mode cutover needs --percent N (0..100)\n");
  CHECK(cli({"module", "set", "demo", "--mode", "cutover", "--percent", "101"}).err ==
        "agentsys: error: module set: --percent must be 0..100, got 101\n");
  CHECK(cli({"module", "set", "demo", "--mode", "v2", "--percent", "5"}).exit_code == 2);
  r = cli({"module", "set", "ghost", "--mode", "v2"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "unknown module 'ghost'"));
  CHECK(cli({"module", "set", "demo"}).exit_code == 2);
  CHECK_FALSE(fs::exists(cli.dir() / "var"));
}

TEST_CASE("a plugin failure is a runtime error (exit 1) naming the module and the code") {
  Cli cli;
  const std::string good = (kFixtureDir / "good").string();
  Result r = cli({"--plugin-dir", good, "run", "throwing", "--action", "invalid"});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "agentsys: error: run run_"));
  CHECK(contains(r.err, " failed: throwing via v2 (throwing_v2 1.0.0), 1 attempt, "));
  CHECK(contains(r.err, "; error invalid_input (not retryable): field 'x' is required\n"));
  CHECK(count_lines(r.err) == 1);
  r = cli({"--plugin-dir", good, "run", "throwing", "--action", "bad_json", "--json"});
  CHECK(r.exit_code == 1);
  CHECK(json::parse(r.out)["error_code"] == "plugin_error");
  CHECK(contains(r.err, "the plugin returned malformed JSON: line 1, column 2: syntax error"));
  // Output nested deeper than the printer may recurse fails the attempt, not the kernel.
  r = cli({"--plugin-dir", good, "run", "throwing", "--action", "deep_json", "--json"});
  CHECK(r.exit_code == 1);
  CHECK(json::parse(r.out)["error_code"] == "plugin_error");
  CHECK(contains(r.err, "the plugin returned JSON nested more than 128 levels deep"));
}

TEST_CASE("AGENTSYS_PLUGIN_PATH replaces the default plugin directory") {
  Cli cli;
  Result r = cli({"plugins", "list", "--json"},
                 "AGENTSYS_PLUGIN_PATH=" + quote((kFixtureDir / "good").string()));
  REQUIRE(r.exit_code == 0);
  json doc = json::parse(r.out);
  std::set<std::string> names;
  for (const auto& p : doc["plugins"]) names.insert(p["name"]);
  CHECK(names == std::set<std::string>{"behave_v2", "cjson_v2", "crashy_v2", "noop_v2", "serial_v1",
                                       "throwing_v2"});
}
