// TOML to JSON with provenance; --set values; problem formatting.
#include <doctest/doctest.h>

#include "config/config_overrides.hpp"
#include "config/problem.hpp"
#include "config/toml_to_json.hpp"

using namespace agentsys::config;
using json = nlohmann::json;

TEST_CASE("toml to json keeps types and records line:column of every key") {
  ParsedToml t = parse_toml(
      "# comment\n"
      "[runner]\n"
      "max_concurrency = 4\n"
      "  ratio = 2.5\n"
      "\n"
      "[modules.demo]\n"
      "mode = \"v1\"\n"
      "on = true\n"
      "when = 2026-02-01\n"
      "list = [1, \"a/b\", 3]\n"
      "\"a/b\" = { \"x~y\" = 1 }\n",
      "f.toml");
  REQUIRE(t.ok);
  CHECK(t.document["runner"]["max_concurrency"] == 4);
  CHECK(t.document["runner"]["max_concurrency"].is_number_integer());
  CHECK(t.document["runner"]["ratio"] == 2.5);
  CHECK(t.document["modules"]["demo"]["mode"] == "v1");
  CHECK(t.document["modules"]["demo"]["on"] == true);
  CHECK(t.document["modules"]["demo"]["when"] == "2026-02-01");
  CHECK(t.document["modules"]["demo"]["list"] == json::parse(R"([1, "a/b", 3])"));

  auto at = [&](const std::string& pointer) {
    SourcePos p = t.positions.locate(pointer);
    return std::to_string(p.line) + ":" + std::to_string(p.column);
  };
  CHECK(at("/runner") == "2:1");
  CHECK(at("/runner/max_concurrency") == "3:1");
  CHECK(at("/runner/ratio") == "4:3");
  CHECK(at("/modules/demo/mode") == "7:1");
  CHECK(at("/modules/demo/list/1") == "10:12");
  // RFC 6901 escaping of '/' and '~' in keys.
  CHECK(at("/modules/demo/a~1b/x~0y") == "11:11");
  // A key that is not there is located at the table that should hold it.
  CHECK(at("/modules/demo/missing") == "6:1");
}

TEST_CASE("malformed TOML is reported with line and column") {
  ParsedToml t = parse_toml("[runner]\nmax_concurrency = 4\nbad = = 3\n", "env/dev.toml");
  REQUIRE_FALSE(t.ok);
  CHECK(t.error.file == "env/dev.toml");
  CHECK(t.error.line == 3);
  CHECK(t.error.column > 0);
  CHECK(t.error.rule == "toml.syntax");
  CHECK(format_problem(t.error).rfind("env/dev.toml:3:", 0) == 0);

  ParsedToml dup = parse_toml("a = 1\na = 2\n", "x.toml");
  REQUIRE_FALSE(dup.ok);
  CHECK(dup.error.line == 2);
}

TEST_CASE("--set values are TOML values when they parse, strings otherwise") {
  CHECK(parse_override("runner.max_concurrency=4").value == 4);
  CHECK(parse_override("runner.max_concurrency=4").pointer == "/runner/max_concurrency");
  CHECK(parse_override("a.b=true").value == true);
  CHECK(parse_override("a.b=[1, 2]").value == json::parse("[1, 2]"));
  CHECK(parse_override("a.b=\"quoted\"").value == "quoted");
  CHECK(parse_override("kernel.state_dir=/tmp/x y").value == "/tmp/x y");
  CHECK(parse_override("a=1\nb=2").value == "1\nb=2");  // not one value: a string
  CHECK(parse_override("a=").value == "");
  CHECK_THROWS_WITH_AS(parse_override("novalue"), doctest::Contains("no '='"),
                       std::invalid_argument);
  CHECK_THROWS_AS(parse_override("=1"), std::invalid_argument);
  CHECK_THROWS_AS(parse_override("a..b=1"), std::invalid_argument);
  CHECK_THROWS_AS(parse_override("a/b=1"), std::invalid_argument);

  json doc = overrides_document({parse_override("runner.max_concurrency=4"),
                                 parse_override("runner.max_concurrency=8"),
                                 parse_override("kernel.state_dir=/s")});
  CHECK(doc == json::parse(R"({"runner": {"max_concurrency": 8}, "kernel": {"state_dir": "/s"}})"));
}

TEST_CASE("problems format as FILE:LINE:COL: PATH: RULE: message") {
  CHECK(format_problem({"a.toml", 3, 7, "/x", "schema.type", "expected integer"}) ==
        "a.toml:3:7: /x: schema.type: expected integer");
  CHECK(format_problem({"a.toml", 0, 0, "", "file.read", "cannot read"}) ==
        "a.toml: file.read: cannot read");
  CHECK(format_problem({"", 0, 0, "/p", "r", "m"}) == "/p: r: m");
  json j = to_json(Problem{"a.toml", 0, 0, "/x", "r", "m"});
  CHECK(j["line"].is_null());
  CHECK(j["file"] == "a.toml");
}
