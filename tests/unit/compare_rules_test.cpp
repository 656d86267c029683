// Comparison rules ([modules.NAME.compare], migration/compare_rules.hpp): parsing, the first
// rule naming a field wins, every mistake reported with where it is, and the shipped rules.
#include <doctest/doctest.h>

#include <algorithm>

#include "config/config_loader.hpp"
#include "config/config_paths.hpp"
#include "config/kernel_settings.hpp"
#include "config/preflight.hpp"
#include "config_test_support.hpp"
#include "migration/compare_checks.hpp"
#include "migration/compare_rules.hpp"
#include "migration/migration_settings.hpp"

using namespace agentsys;
using namespace agentsys::migration;
using agentsys::test::ConfigDir;
using agentsys::test::kRepoConfigDir;
using json = nlohmann::json;

namespace {

std::vector<RuleProblem> problems_of(const json& table) {
  std::vector<RuleProblem> problems;
  static_cast<void>(parse_compare_rules(table, problems));
  return problems;
}

/// The one problem of `table`, as "PATH RULE".
std::string only_problem(const json& table) {
  auto p = problems_of(table);
  if (p.size() != 1) {
    std::string all;
    for (const auto& x : p) all += x.path + " " + x.rule + ": " + x.message + "\n";
    return std::to_string(p.size()) + " problems:\n" + all;
  }
  return p[0].path + " " + p[0].rule;
}

json rule(json r) { return json{{"rules", json::array({std::move(r)})}}; }

}  // namespace

TEST_CASE("compare rules: parsed, first rule naming a field wins, default exact/block") {
  json table = {{"key", {"module"}},
                {"consistency_threshold", 98.5},
                {"noise_learning", true},
                {"rules",
                 {{{"name", "clock"}, {"fields", {"generated_at"}}, {"method", "ignore"}},
                  {{"fields", {"p95", "cost"}},
                   {"method", "tolerance"},
                   {"abs", 0.5},
                   {"rel", 0.01},
                   {"within", "warn"},
                   {"grade", "warn"},
                   {"reason", "why"}},
                  {{"fields", "*"},
                   {"method", "normalise"},
                   {"normalise", {"trim", "number:4", "timestamp:ms"}}},
                  {{"fields", {"@row"}}, {"grade", "warn"}}}}};
  CompareRules r = parse_compare_rules(table);
  CHECK(r.key == std::vector<std::string>{"module"});
  CHECK(r.consistency_threshold == 98.5);
  CHECK(r.noise_learning);
  REQUIRE(r.rules.size() == 4);
  CHECK(r.rule_for("generated_at").name == "clock");
  CHECK(r.rule_for("generated_at").grade == Grade::ignore);  // ignore grades ignore
  const CompareRule& tol = r.rule_for("cost");
  CHECK(tol.name == "rules[1]");
  CHECK(tol.method == Method::tolerance);
  CHECK(tol.abs == 0.5);
  CHECK(tol.rel == 0.01);
  CHECK(tol.within == Within::warn);
  CHECK(tol.grade == Grade::warn);
  CHECK(tol.reason == "why");
  const CompareRule& star = r.rule_for("anything_else");
  CHECK(star.name == "rules[2]");
  CHECK(star.normalise.trim);
  CHECK(star.normalise.number);
  CHECK(star.normalise.decimals == 4);
  CHECK(star.normalise.timestamp == Normalise::Timestamp::ms);
  CHECK(star.normalise.steps() == std::vector<std::string>{"trim", "number:4", "timestamp:ms"});
  // "*" does not govern the pseudo-field @row: the rule naming it does.
  CHECK(r.rule_for("@row").name == "rules[3]");
  CHECK(r.rule_for("@row").grade == Grade::warn);

  CompareRules none = parse_compare_rules(json::object());
  CHECK(none.key.empty());
  CHECK(none.consistency_threshold == 99.0);
  CHECK_FALSE(none.noise_learning);
  CHECK(&none.rule_for("x") == &CompareRules::default_rule());
  CHECK(none.rule_for("x").method == Method::exact);
  CHECK(none.rule_for("x").grade == Grade::block);
  CHECK(none.rule_for("@row").grade == Grade::block);
  // to_json round-trips what matters.
  CompareRules again = parse_compare_rules(
      json{{"key", r.to_json()["key"]},
           {"rules", json::array({json{{"name", "x"}, {"fields", "*"}, {"method", "ignore"}}})}});
  CHECK(again.rules[0].all_fields);
}

TEST_CASE("compare rules: every mistake is a problem with its path and rule") {
  CHECK(only_problem(rule({{"fields", {"a"}}, {"method", "tolerance"}})) ==
        "/rules/0 compare.tolerance");
  CHECK(only_problem(rule({{"fields", {"a"}}, {"method", "tolerance"}, {"abs", -1}})) ==
        "/rules/0/abs compare.tolerance");
  CHECK(only_problem(rule({{"fields", {"a"}}, {"abs", 1}})) == "/rules/0/abs compare.option");
  CHECK(only_problem(rule({{"fields", {"a"}}, {"method", "normalise"}})) ==
        "/rules/0 compare.normalise");
  CHECK(
      only_problem(rule({{"fields", {"a"}}, {"method", "normalise"}, {"normalise", {"upper"}}})) ==
      "/rules/0/normalise/0 compare.normalise");
  CHECK(only_problem(
            rule({{"fields", {"a"}}, {"method", "normalise"}, {"normalise", {"number:13"}}})) ==
        "/rules/0/normalise/0 compare.normalise");
  CHECK(
      only_problem(rule(
          {{"fields", {"a"}}, {"method", "normalise"}, {"normalise", {"number:2", "number:4"}}})) ==
      "/rules/0/normalise/1 compare.normalise");
  CHECK(only_problem(rule({{"fields", {"a"}}, {"normalise", {"trim"}}})) ==
        "/rules/0/normalise compare.option");
  CHECK(only_problem(rule({{"fields", {"a"}}, {"method", "ignore"}, {"grade", "block"}})) ==
        "/rules/0/grade compare.grade");
  CHECK(only_problem(rule({{"fields", {"a"}}, {"grade", "fatal"}})) ==
        "/rules/0/grade compare.grade");
  CHECK(only_problem(rule({{"fields", {"a"}}, {"within", "warn"}})) ==
        "/rules/0/within compare.option");
  CHECK(only_problem(rule({{"fields", {"a"}}, {"method", "fuzzy"}})) ==
        "/rules/0/method compare.method");
  // An unknown method is one problem, not one more per option that depends on it.
  CHECK(only_problem(
            rule({{"fields", {"a"}}, {"method", "fuzzy"}, {"rel", 0.1}, {"within", "warn"}})) ==
        "/rules/0/method compare.method");
  CHECK(only_problem(rule({{"method", "exact"}})) == "/rules/0 compare.fields");
  CHECK(only_problem(rule({{"fields", {"@status"}}})) == "/rules/0/fields/0 compare.field");
  CHECK(only_problem(rule({{"fields", {"@other"}}})) == "/rules/0/fields/0 compare.field");
  CHECK(only_problem(rule({{"fields", {"a"}}, {"colour", "red"}})) ==
        "/rules/0/colour compare.unknown_key");
  CHECK(only_problem(rule({{"fields", {"a"}}, {"name", "v2_failed"}})) ==
        "/rules/0/name compare.name");
  CHECK(only_problem(rule({{"fields", {"a"}}, {"name", "noise:learned"}})) ==
        "/rules/0/name compare.name");
  CHECK(only_problem(json{{"consistency_threshold", 101}}) ==
        "/consistency_threshold compare.threshold");
  CHECK(only_problem(json{{"key", {"module"}}, {"rules", {{{"fields", {"module"}}}}}}) ==
        "/rules/0/fields compare.key_field");
  // Two rules with one name; a rule that can never apply.
  CHECK(only_problem(json{
            {"rules", {{{"name", "x"}, {"fields", {"a"}}}, {{"name", "x"}, {"fields", {"b"}}}}}}) ==
        "/rules/1/name compare.name");
  CHECK(only_problem(json{{"rules", {{{"fields", "*"}}, {{"fields", {"b"}}}}}}) ==
        "/rules/1/fields compare.unreachable");
  CHECK(only_problem(json{{"rules", {{{"fields", {"a", "b"}}}, {{"fields", {"b"}}}}}}) ==
        "/rules/1/fields compare.unreachable");
  // @row is still reachable after "*".
  CHECK(problems_of(json{{"rules", {{{"fields", "*"}}, {{"fields", {"@row"}}}}}}).empty());
  CHECK_THROWS_WITH_AS(parse_compare_rules(rule({{"fields", {"a"}}, {"method", "tolerance"}})),
                       doctest::Contains("/rules/0: method = \"tolerance\" needs abs"),
                       std::invalid_argument);
}

TEST_CASE("compare rules: preflight locates bad rules at file, line and field") {
  ConfigDir dir;
  dir.write("env/dev.toml", "");
  const auto file = dir.write("modules/m.toml",
                              "[modules.m]\n"
                              "description = \"x\"\n"
                              "\n"
                              "[[modules.m.compare.rules]]\n"
                              "fields = [\"p95\"]\n"
                              "method = \"tolerance\"\n"
                              "within = \"warn\"\n"
                              "\n"
                              "[[modules.m.compare.rules]]\n"
                              "fields = [\"x\"]\n"
                              "method = \"normalise\"\n"
                              "normalise = [\"trim\"]\n"
                              "abs = 0.5\n");
  config::PreflightReport report =
      config::run_preflight({{"dev", dir.path(), {}, std::nullopt}, {check_compare_rules}, {}});
  std::vector<config::Problem> compare;
  for (const config::Problem& p : report.problems) {
    if (p.rule.rfind("compare.", 0) == 0) compare.push_back(p);
  }
  REQUIRE(compare.size() == 2);
  CHECK(compare[0].file == config::display_path(file));
  CHECK(compare[0].line == 5);  // the missing bound has no line: the rule's first value
  CHECK(compare[0].path == "/modules/m/compare/rules/0");
  CHECK(compare[0].rule == "compare.tolerance");
  CHECK(compare[1].line == 13);
  CHECK(compare[1].path == "/modules/m/compare/rules/1/abs");
  CHECK(compare[1].rule == "compare.option");
  CHECK(config::format_problem(compare[1]).find("abs applies to method = \"tolerance\" only") !=
        std::string::npos);

  // The schema already refuses what it can describe (an unknown method), also in `run`.
  dir.write("modules/m.toml",
            "[[modules.m.compare.rules]]\nfields = [\"x\"]\nmethod = \"fuzzy\"\n");
  try {
    config::load_config({"dev", dir.path(), {}, std::nullopt});
    FAIL("expected a ConfigError");
  } catch (const config::ConfigError& e) {
    REQUIRE(e.problems().size() == 1);
    CHECK(e.problems()[0].rule == "schema.enum");
    CHECK(e.problems()[0].path == "/modules/m/compare/rules/0/method");
    CHECK(e.problems()[0].line == 3);
  }
  // Preflight reports it once (the schema's problem), not again as compare.method.
  report =
      config::run_preflight({{"dev", dir.path(), {}, std::nullopt}, {check_compare_rules}, {}});
  size_t at_method = 0;
  for (const config::Problem& p : report.problems) {
    if (p.path == "/modules/m/compare/rules/0/method") ++at_method;
  }
  CHECK(at_method == 1);
  // What only compare_checks sees stops the migration settings (and so `agentsys run`) too.
  dir.write("modules/m.toml", "[[modules.m.compare.rules]]\nfields = [\"x\"]\nabs = 1\n");
  config::EffectiveConfig cfg = config::load_config({"dev", dir.path(), {}, std::nullopt});
  CHECK_THROWS_WITH_AS(migration_settings(cfg),
                       doctest::Contains("/modules/m/compare/rules/0/abs: compare.option"),
                       config::ConfigError);
}

TEST_CASE("compare rules: the shipped report_orchestrator rules") {
  config::EffectiveConfig cfg = config::load_config({"dev", kRepoConfigDir, {}, std::nullopt});
  std::vector<config::Problem> problems;
  auto all = compare_rules_of(cfg, problems);
  CHECK(problems.empty());
  REQUIRE(all.count("report_orchestrator") == 1);
  const CompareRules& r = all.at("report_orchestrator");
  CHECK(r.key.empty());  // each report's own key_fields.key
  CHECK(r.consistency_threshold == 99.0);
  CHECK(r.rule_for("generated_at").method == Method::ignore);
  CHECK_FALSE(r.rule_for("generated_at").reason.empty());
  const CompareRule& pct = r.rule_for("p95_latency_ms");
  CHECK(pct.method == Method::tolerance);
  CHECK(pct.within == Within::warn);
  CHECK(pct.grade == Grade::block);
  CHECK(pct.reason.find("documented computational difference") != std::string::npos);
  CHECK(&r.rule_for("p50_latency_ms") == &pct);
  const CompareRule& floats = r.rule_for("success_rate");
  CHECK(floats.method == Method::normalise);
  CHECK(floats.normalise.decimals == 4);
  CHECK(r.rule_for("@row").grade == Grade::block);  // a missing row blocks
  // The migration settings hand them to the kernel's migration extension, with the threshold
  // the red line uses.
  MigrationSettings settings = migration_settings(cfg);
  REQUIRE(settings.compare_rules.count("report_orchestrator") == 1);
  CHECK(settings.compare_rules.at("report_orchestrator").rules.size() == r.rules.size());
  CHECK(settings.red_lines.module_thresholds.at("report_orchestrator") == 99.0);
}
