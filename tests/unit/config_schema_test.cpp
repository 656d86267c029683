// The schemas of config/schema/: each is a valid draft-07 schema, and violations come back
// as JSON pointers with the keyword broken and a message saying what was expected.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "config/schema_validator.hpp"
#include "config_test_support.hpp"
#include "task/error_code.hpp"

using namespace agentsys::config;
using agentsys::test::ConfigDir;
using agentsys::test::kRepoConfigDir;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

json read(const fs::path& file) {
  std::ifstream in(file);
  return json::parse(in);
}

SchemaSet repo_schemas() {
  std::vector<Problem> problems;
  SchemaSet set = SchemaSet::load(kRepoConfigDir / "schema", problems);
  for (const Problem& p : problems) FAIL_CHECK(format_problem(p));
  return set;
}

bool has(const std::vector<SchemaViolation>& vs, const std::string& pointer,
         const std::string& keyword, const std::string& text = "") {
  return std::any_of(vs.begin(), vs.end(), [&](const SchemaViolation& v) {
    return v.pointer == pointer && v.keyword == keyword &&
           v.message.find(text) != std::string::npos;
  });
}

std::string dump(const std::vector<SchemaViolation>& vs) {
  std::string out;
  for (const auto& v : vs) out += v.pointer + " " + v.keyword + ": " + v.message + "\n";
  return out;
}

}  // namespace

TEST_CASE("every schema in config/schema holds the draft-07 meta-schema") {
  json meta = read(kRepoConfigDir / "schema" / "meta" / "draft-07.json");
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(kRepoConfigDir / "schema")) {
    if (entry.path().extension() != ".json") continue;
    INFO(entry.path().string());
    auto violations = SchemaSet::check_against_meta(meta, read(entry.path()));
    CHECK_MESSAGE(violations.empty(), dump(violations));
    ++checked;
  }
  CHECK(checked >= 4);  // env, module, route, task (+ policy, report... as they come)
  // The meta-schema describes itself.
  CHECK(SchemaSet::check_against_meta(meta, meta).empty());
}

TEST_CASE("the meta-schema refuses broken schemas") {
  json meta = read(kRepoConfigDir / "schema" / "meta" / "draft-07.json");
  auto bad = [&](const char* schema) {
    return SchemaSet::check_against_meta(meta, json::parse(schema));
  };
  CHECK(has(bad(R"({"type": "integr"})"), "/type", "enum"));
  CHECK(has(bad(R"({"minimum": "3"})"), "/minimum", "type"));
  CHECK(has(bad(R"({"required": ["a", "a"]})"), "/required", "uniqueItems"));
  CHECK(has(bad(R"({"properties": {"a": {"maxLength": -1}}})"), "/properties/a/maxLength",
            "minimum"));
  CHECK(has(bad(R"({"anyOf": []})"), "/anyOf", "minItems"));
  CHECK(has(bad(R"({"propertise": {}})"), "/propertise", "additionalProperties"));
  CHECK(bad(R"({"items": [{"type": "string"}, true], "if": false})").empty());
}

TEST_CASE("a broken schema file is a problem naming the file, not a crash") {
  ConfigDir dir;
  dir.write("schema/broken.schema.json", "{\"type\": ");
  dir.write("schema/typo.schema.json", R"({"type": "objekt"})");
  std::vector<Problem> problems;
  SchemaSet set = SchemaSet::load(dir.path() / "schema", problems);
  REQUIRE(problems.size() == 2);
  CHECK(problems[0].rule == "schema.json");
  CHECK(problems[0].file.find("broken.schema.json") != std::string::npos);
  CHECK(problems[1].rule == "schema.meta.enum");
  CHECK(problems[1].path == "/type");
  CHECK_FALSE(set.contains("broken"));
  CHECK_FALSE(set.contains("typo"));
  CHECK(set.contains("env"));
}

TEST_CASE("env schema violations carry pointer, keyword and what was expected") {
  SchemaSet set = repo_schemas();
  json doc = json::parse(R"({
    "kernel": {"durability": "fast", "state_dirr": "x"},
    "runner": {"max_concurrency": "four", "pause_after_failures": -1},
    "retry": {"backoff_coefficient": 0.5, "non_retryable_error_codes": ["timeout", "nope"]},
    "plugins": {"dirs": "lib"}
  })");
  auto vs = set.validate("env", doc);
  INFO(dump(vs));
  CHECK(
      has(vs, "/kernel/durability", "enum", "expected one of: full, normal, got string \"fast\""));
  CHECK(has(vs, "/kernel/state_dirr", "additionalProperties",
            "unknown key 'state_dirr' (allowed here: durability, state_dir)"));
  CHECK(has(vs, "/runner/max_concurrency", "type", "expected integer, got string \"four\""));
  CHECK(has(vs, "/runner/pause_after_failures", "minimum", "must be >= 0, got integer -1"));
  // Through the $ref into task.schema.json.
  CHECK(has(vs, "/retry/backoff_coefficient", "minimum", "must be >= 1"));
  CHECK(has(vs, "/retry/non_retryable_error_codes/1", "enum", "timeout"));
  CHECK(has(vs, "/plugins/dirs", "type", "expected array"));
  // Only the failures themselves: no "failed to validate property" wrappers.
  CHECK(std::none_of(vs.begin(), vs.end(),
                     [](const SchemaViolation& v) { return v.keyword == "properties"; }));
  CHECK(vs.size() == 7);
}

TEST_CASE("module, route and task schemas") {
  SchemaSet set = repo_schemas();
  auto modules = set.validate("module", json::parse(R"({
    "modules": {"Bad-Name": {}, "ok": {"v1_plugin": "demo v1", "mode": "v3", "max_concurrency": 0}},
    "policy": {"anything": 1}
  })"));
  INFO(dump(modules));
  CHECK(has(modules, "/modules/ok/v1_plugin", "pattern"));
  CHECK(has(modules, "/modules/ok/mode", "enum", "v1, v2"));
  CHECK(has(modules, "/modules/ok/max_concurrency", "minimum"));
  CHECK(has(modules, "/modules/Bad-Name", "additionalProperties", "keys matching ^[a-z]"));

  auto routes = set.validate("route", json::parse(R"({"routes": [{"id": "a", "module": "demo"},
                                                                {"id": "b", "match": "x", "module": "demo", "extra": 1}]})"));
  INFO(dump(routes));
  CHECK(has(routes, "/routes/0/match", "required", "required key 'match' is missing"));
  CHECK(has(routes, "/routes/1/extra", "additionalProperties"));

  CHECK(set.validate("task",
                     json::parse(R"({"module": "demo", "input": {"x": 1}, "timeout_seconds": 2.5,
      "retry": {"maximum_attempts": 5}, "dry_run": true, "trace_id": "0123456789abcdef0123456789abcdef"})"))
            .empty());
  auto task = set.validate(
      "task",
      json::parse(R"({"action": "", "timeout_seconds": 0, "retry": {"initial_interval": 5}})"));
  INFO(dump(task));
  CHECK(has(task, "/module", "required"));
  CHECK(has(task, "/action", "minLength"));
  CHECK(has(task, "/timeout_seconds", "exclusiveMinimum", "must be > 0"));
  CHECK(has(task, "/retry/initial_interval", "additionalProperties", "initial_interval_ms"));
}

TEST_CASE("the task schema's error codes are the kernel's") {
  SchemaSet set = repo_schemas();
  std::set<std::string> in_schema;
  for (const auto& c : (*set.document("task"))["definitions"]["error_code"]["enum"]) {
    in_schema.insert(c.get<std::string>());
  }
  std::set<std::string> in_code;
  for (const auto& info : agentsys::all_error_codes()) {
    if (info.code != agentsys::ErrorCode::none) in_code.insert(std::string(info.name));
  }
  CHECK(in_schema == in_code);
}
