// Migration cases from a JSON Lines file (`cases_file`) and labelled pairs (`compare.truth`):
// the generic parts the skills domain's shadow run is built on.
#include <doctest/doctest.h>

#include <fstream>

#include "migration/migration_cases.hpp"
#include "migration/truth.hpp"
#include "test_support.hpp"

using nlohmann::json;
using namespace agentsys::migration;

namespace {

json config_with(const json& migration) {
  return {{"modules", {{"router", {{"migration", migration}}}}}};
}

}  // namespace

TEST_CASE("migration cases: one per line of a JSON Lines file, the month in its path") {
  agentsys::test::TempDir dir;
  std::ofstream(dir.path() / "log-202602.jsonl")
      << "{\"id\": \"r1\", \"request\": \"a\", \"expected\": null}\n\n"
      << "{\"request\": \"b\", \"target_month\": \"kept from the line\"}\n";
  const json config =
      config_with({{"cases_file", "log-{target_month}.jsonl"}, {"input", {{"top", 3}}}});
  const std::vector<MigrationCase> cases = migration_cases(config, "router", "202602", dir.path());
  REQUIRE(cases.size() == 2);
  CHECK(cases[0].id == "r1");
  CHECK(cases[0].input == json({{"id", "r1"},
                                {"request", "a"},
                                {"expected", nullptr},
                                {"top", 3},
                                {"target_month", "202602"}}));
  CHECK(cases[1].id == "line 3");
  CHECK(cases[1].input["target_month"] == "kept from the line");

  std::ofstream(dir.path() / "log-202603.jsonl") << "{\"request\": \"a\"}\n[1, 2]\n";
  CHECK_THROWS_WITH_AS(migration_cases(config, "router", "202603", dir.path()),
                       doctest::Contains("log-202603.jsonl:2: not a JSON object"),
                       std::runtime_error);
  CHECK_THROWS_WITH_AS(migration_cases(config, "router", "202604", dir.path()),
                       doctest::Contains("cannot be read"), std::runtime_error);
  std::ofstream(dir.path() / "log-202605.jsonl") << "\n";
  CHECK_THROWS_WITH_AS(migration_cases(config, "router", "202605", dir.path()),
                       doctest::Contains("has no case"), std::runtime_error);
}

TEST_CASE("labelled pairs: which side holds the expected value") {
  const TruthSpec spec{"expected", "skill"};
  const auto rows = [](const json& skill) {
    return json{{"key_fields",
                 {{"key", {"request"}},
                  {"fields", {"skill"}},
                  {"rows", {{{"request", "q"}, {"skill", skill}}}}}}}
        .dump();
  };
  CHECK(judge_truth(spec, "a", rows("a"), rows("a"))["right"] == "both");
  CHECK(judge_truth(spec, "a", rows("a"), rows("b"))["right"] == "v1");
  CHECK(judge_truth(spec, "a", rows("b"), rows("a"))["right"] == "v2");
  CHECK(judge_truth(spec, "a", rows("b"), rows("c"))["right"] == "neither");
  const json none = judge_truth(spec, nullptr, rows(nullptr), rows("a"));  // "no skill fits"
  CHECK(none["right"] == "v1");
  CHECK(none["v2"] == "a");
  // Without key_fields, the top-level member; a result that is not JSON is never right.
  CHECK(judge_truth(spec, "a", R"({"skill": "a"})", "not json")["right"] == "v1");
}
