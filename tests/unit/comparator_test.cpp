// The comparison engine (migration/comparator.hpp): rows matched by key whatever their order,
// tolerance and normalisation edges, grading, consistency and verdict, noise learning, and the
// documented V1 difference under the shipped rules.
#include <doctest/doctest.h>

#include <cstdio>
#include <random>

#include "config/config_loader.hpp"
#include "config_test_support.hpp"
#include "migration/comparator.hpp"
#include "migration/compare_checks.hpp"
#include "migration/noise.hpp"
#include "migration/value_normalise.hpp"

using namespace agentsys::migration;
using json = nlohmann::json;

namespace {

json key_fields(json rows, json key = {"module"}, json fields = json::array()) {
  return {{"key", std::move(key)}, {"fields", std::move(fields)}, {"rows", std::move(rows)}};
}

CompareRules rules_of(json table) { return parse_compare_rules(table); }

/// One field "v", one row per value pair, rows keyed "k".
Comparison compare_values(const json& a, const json& b, const json& rule) {
  json r1 = {{{"k", "x"}, {"v", a}}};
  json r2 = {{{"k", "x"}, {"v", b}}};
  json table = {{"rules", json::array({rule})}};
  return compare(key_fields(r1, {"k"}), key_fields(r2, {"k"}), rules_of(table));
}

bool matches(const json& a, const json& b, json rule) {
  rule["fields"] = {"v"};
  Comparison c = compare_values(a, b, rule);
  return c.matched == 1 && c.fields_compared == 1;
}

const CompareRules kExact;

/// The shipped rules of report_orchestrator (config/modules/reports.toml).
CompareRules shipped_rules() {
  agentsys::config::EffectiveConfig cfg =
      agentsys::config::load_config({"dev", agentsys::test::kRepoConfigDir, {}, std::nullopt});
  std::vector<agentsys::config::Problem> problems;
  auto all = agentsys::migration::compare_rules_of(cfg, problems);
  REQUIRE(problems.empty());
  return all.at("report_orchestrator");
}

}  // namespace

TEST_CASE("comparator: rows are matched by key, whatever their order") {
  json v1 = key_fields({{{"module", "a"}, {"runs", 1}, {"rate", 0.5}},
                        {{"module", "b"}, {"runs", 2}, {"rate", 0.25}},
                        {{"module", "c"}, {"runs", 3}, {"rate", 1.0}}},
                       {"module"}, {"runs", "rate"});
  json v2 = key_fields({{{"module", "c"}, {"runs", 3}, {"rate", 1}},
                        {{"module", "a"}, {"rate", 0.5}, {"runs", 1}},
                        {{"module", "b"}, {"runs", 2}, {"rate", 0.25}}},
                       {"module"}, {"runs", "rate"});
  Comparison c = compare(v1, v2, kExact);
  CHECK(c.key == std::vector<std::string>{"module"});
  CHECK(c.rows_compared == 3);
  CHECK(c.rows_only_v1 == 0);
  CHECK(c.rows_only_v2 == 0);
  CHECK(c.fields_compared == 6);
  CHECK(c.matched == 6);  // 1.0 and 1 are the same number
  CHECK(c.differences.empty());
  REQUIRE(c.consistency.has_value());
  CHECK(*c.consistency == 100.0);
  CHECK(c.verdict == Verdict::pass);
  CHECK(c.fields == std::vector<std::string>{"runs", "rate", "@row", "@status"});

  // One changed value: a block difference at that row and field, with both values.
  v2["rows"][1]["runs"] = 7;
  c = compare(v1, v2, kExact);
  REQUIRE(c.differences.size() == 1);
  json d = c.difference_json(c.differences[0]);
  CHECK(d == json{{"row", {{"module", "a"}}},
                  {"field", "runs"},
                  {"v1", 1},
                  {"v2", 7},
                  {"grade", "block"},
                  {"rule", "default"},
                  {"kind", "value"}});
  CHECK(c.verdict == Verdict::block);
  CHECK(*c.consistency == doctest::Approx(500.0 / 6));
}

TEST_CASE("comparator: keys compare as values (1 and 1.0), multi-field keys, keyless rows") {
  json v1 = key_fields(
      {{{"t", "acme"}, {"n", 1}, {"x", "p"}}, {{"t", "acme"}, {"n", 2}, {"x", "q"}}}, {"t", "n"});
  json v2 =
      key_fields({{{"t", "acme"}, {"n", 2.0}, {"x", "q"}}, {{"t", "acme"}, {"n", 1.0}, {"x", "p"}}},
                 {"t", "n"});
  Comparison c = compare(v1, v2, kExact);
  CHECK(c.rows_compared == 2);
  CHECK(c.matched == 2);
  // No key at all: rows are matched by position.
  c = compare(key_fields({{{"x", 1}}, {{"x", 2}}}, json::array()),
              key_fields({{{"x", 2}}, {{"x", 1}}}, json::array()), kExact);
  CHECK(c.rows_compared == 2);
  CHECK(c.matched == 0);
  CHECK(c.difference_json(c.differences[0])["row"] == json{{"#", 0}});
  // A declared key that differs between the sides: V2 is matched on V1's key.
  c = compare(key_fields({{{"a", 1}, {"b", "x"}}}, {"a"}),
              key_fields({{{"a", 1}, {"b", "x"}}}, {"b"}), kExact);
  CHECK(c.key == std::vector<std::string>{"a"});
  CHECK(c.matched == 1);
}

TEST_CASE("comparator: tolerance bounds are inclusive, just over fails") {
  auto abs_rule = json{{"method", "tolerance"}, {"abs", 0.1}};
  CHECK(matches(1.0, 1.1, abs_rule));  // 1.1 - 1.0 is 0.10000000000000009 in doubles
  CHECK(matches(1.1, 1.0, abs_rule));
  CHECK(matches(-1.0, -1.1, abs_rule));
  CHECK_FALSE(matches(1.0, 1.1000001, abs_rule));
  CHECK_FALSE(matches(1.0, 0.8999999, abs_rule));
  CHECK(matches(100, 100.1, abs_rule));  // an integer and a real
  auto rel_rule = json{{"method", "tolerance"}, {"rel", 0.01}};
  CHECK(matches(100, 101, rel_rule));  // |101 - 100| = 1% of V1
  CHECK(matches(100, 99, rel_rule));
  CHECK_FALSE(matches(100, 101.0001, rel_rule));
  CHECK_FALSE(matches(99, 100, rel_rule));  // relative to V1's value: 1 > 0.99
  CHECK(matches(2291.8, 2292, rel_rule));
  CHECK(matches(0, 0, rel_rule));
  CHECK_FALSE(matches(0, 1e-9, rel_rule));  // rel of 0 is 0: use abs for values near zero
  auto both = json{{"method", "tolerance"}, {"abs", 0.5}, {"rel", 0.01}};
  CHECK(matches(10, 10.5, both));    // abs holds
  CHECK(matches(1000, 1010, both));  // rel holds
  CHECK_FALSE(matches(10, 10.6, both));
  // Not numbers: tolerance does not apply, the values must be identical.
  CHECK_FALSE(matches("1.0", "1.05", abs_rule));
  CHECK_FALSE(matches(nullptr, 1.0, abs_rule));
  CHECK(matches(nullptr, nullptr, abs_rule));
  // A mismatch is graded by the rule.
  Comparison c = compare_values(1.0, 2.0,
                                json{{"fields", {"v"}},
                                     {"name", "loose"},
                                     {"method", "tolerance"},
                                     {"abs", 0.1},
                                     {"grade", "warn"}});
  REQUIRE(c.differences.size() == 1);
  CHECK(c.differences[0].grade == Grade::warn);
  CHECK(c.rules[c.differences[0].rule].name == "loose");
}

TEST_CASE("comparator: normalise — number format, null and empty, case, trim, timestamps") {
  auto number4 = json{{"method", "normalise"}, {"normalise", {"number:4"}}};
  CHECK(matches(0.9523809523809523, 0.9524, number4));
  CHECK(matches(584.289804000005, 584.2898, number4));
  CHECK(matches(812.0, 812, number4));
  CHECK(matches(0.00015, 0.0001, number4));  // 0.00015 is 0.000149999... in binary
  CHECK_FALSE(matches(0.00015, 0.0002, number4));
  CHECK_FALSE(matches(0.9523809523809523, 0.9523, number4));
  CHECK(matches("0.95238", 0.9524, number4));  // numeric strings are numbers under number[:N]
  CHECK(matches(" 812.0 ", 812, number4));
  CHECK_FALSE(matches("0.9524x", 0.9524, number4));
  CHECK(matches(812.0, 812, json{{"method", "exact"}}));  // numbers compare by value anyway
  CHECK_FALSE(matches("812.0", 812, json{{"method", "exact"}}));
  CHECK(matches("812.0", 812, json{{"method", "normalise"}, {"normalise", {"number"}}}));

  // null and empty
  CHECK_FALSE(matches(nullptr, "", json{{"method", "exact"}}));
  CHECK(matches(nullptr, "", json{{"method", "normalise"}, {"normalise", {"empty_null"}}}));
  CHECK(
      matches(nullptr, "  ", json{{"method", "normalise"}, {"normalise", {"trim", "empty_null"}}}));
  CHECK_FALSE(matches(nullptr, "  ", json{{"method", "normalise"}, {"normalise", {"empty_null"}}}));
  CHECK_FALSE(matches(nullptr, 0, json{{"method", "normalise"}, {"normalise", {"empty_null"}}}));

  // trim and case
  CHECK(matches(" Acme ", "acme", json{{"method", "normalise"}, {"normalise", {"trim", "case"}}}));
  CHECK_FALSE(matches(" Acme ", "acme", json{{"method", "normalise"}, {"normalise", {"case"}}}));

  // timestamps: the same instant, whatever the notation
  auto ts = json{{"method", "normalise"}, {"normalise", {"timestamp"}}};
  CHECK(matches("2026-03-01T06:00:03+00:00", "2026-03-01T06:00:03.000Z", ts));
  CHECK(matches("2026-03-01T07:30:03+01:30", "2026-03-01 06:00:03Z", ts));
  CHECK(matches("2026-03-01T06:00:03.123456789Z", "2026-03-01T06:00:03.123456Z", ts));
  CHECK(matches("2026-03-01", "2026-03-01T00:00:00Z", ts));
  CHECK_FALSE(matches("2026-03-01T06:00:03Z", "2026-03-01T06:00:04Z", ts));
  CHECK_FALSE(matches("2026-02-30T00:00:00Z", "2026-03-02T00:00:00Z", ts));  // not a date: text
  auto seconds = json{{"method", "normalise"}, {"normalise", {"timestamp:s"}}};
  CHECK(matches("2026-03-01T06:00:03.999Z", "2026-03-01T06:00:03Z", seconds));
  CHECK_FALSE(matches("2026-03-01T06:00:03.999Z", "2026-03-01T06:00:04Z", seconds));

  // within = "warn": a documented difference, consistent but listed.
  Comparison c = compare_values(0.9523809523809523, 0.9524,
                                json{{"fields", {"v"}},
                                     {"method", "normalise"},
                                     {"normalise", {"number:4"}},
                                     {"within", "warn"}});
  CHECK(c.matched == 1);
  CHECK(c.documented == 1);
  REQUIRE(c.differences.size() == 1);
  CHECK(c.differences[0].kind == Difference::Kind::documented);
  CHECK(c.differences[0].grade == Grade::warn);
  CHECK(*c.consistency == 100.0);
  CHECK(c.verdict == Verdict::warn);
}

TEST_CASE("scaled_round rounds like printf(\"%.*f\") and parse_timestamp_us reads RFC 3339") {
  CHECK(scaled_round(0.9523809523809523, 4) == 9524);
  CHECK(scaled_round(0.00015, 4) == 1);  // 1.4999...e-4 in binary: printf says 0.0001
  CHECK(scaled_round(0.125, 2) == 12);   // an exact tie: printf rounds half to even
  CHECK(scaled_round(0.375, 2) == 38);
  CHECK(scaled_round(2.5, 0) == 2);
  CHECK(scaled_round(-0.9523809523809523, 4) == -9524);
  CHECK_FALSE(scaled_round(1e300, 4).has_value());
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> mantissa(-1000.0, 1000.0);
  for (int i = 0; i < 20000; ++i) {
    double x = mantissa(rng);
    if (i % 3 == 0) x = std::round(x * 1e5) / 1e5;  // many near-ties
    const int n = i % 7;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", n, x);
    std::string digits;
    for (char ch : std::string(buf)) {
      if (ch != '.') digits += ch;
    }
    INFO(buf);
    CHECK(scaled_round(x, n) == std::stoll(digits));
  }
  CHECK(parse_timestamp_us("1970-01-01T00:00:00Z") == 0);
  CHECK(parse_timestamp_us("1970-01-01T00:00:01.5Z") == 1500000);
  CHECK(parse_timestamp_us("1969-12-31T23:59:59Z") == -1000000);
  CHECK(parse_timestamp_us("2026-03-01T06:00:03+0100") ==
        parse_timestamp_us("2026-03-01T05:00:03Z"));
  CHECK(parse_timestamp_us("2024-02-29") == parse_timestamp_us("2024-02-29T00:00Z"));
  CHECK(parse_timestamp_us("2026-03-01T06:00") == parse_timestamp_us("2026-03-01T06:00:00Z"));
  for (const char* bad : {"", "2026-13-01", "2023-02-29", "2026-03-01T25:00:00Z", "2026-03-01T06",
                          "2026-03-01T06:00:03Zjunk", "2026-03-01T06:00:03+25:00", "20260301",
                          "2026-03-01T06:00:03."}) {
    INFO(bad);
    CHECK_FALSE(parse_timestamp_us(bad).has_value());
  }
}

TEST_CASE("comparator: missing and extra rows are @row differences, graded by rule") {
  json v1 = key_fields(
      {{{"module", "a"}, {"runs", 1}, {"cost", 2}}, {{"module", "b"}, {"runs", 2}, {"cost", 3}}});
  json v2 = key_fields(
      {{{"module", "b"}, {"runs", 2}, {"cost", 3}}, {{"module", "c"}, {"runs", 9}, {"cost", 1}}});
  Comparison c = compare(v1, v2, kExact);
  CHECK(c.rows_compared == 1);
  CHECK(c.rows_only_v1 == 1);
  CHECK(c.rows_only_v2 == 1);
  // 2 values matched in b; a's and c's 2 values each count as compared, not matched.
  CHECK(c.fields_compared == 6);
  CHECK(c.matched == 2);
  REQUIRE(c.differences.size() == 2);
  json missing = c.difference_json(c.differences[0]);
  CHECK(missing == json{{"row", {{"module", "a"}}},
                        {"field", "@row"},
                        {"v1", {{"module", "a"}}},
                        {"v2", nullptr},
                        {"grade", "block"},
                        {"rule", "default"},
                        {"kind", "missing_in_v2"}});
  json extra = c.difference_json(c.differences[1]);
  CHECK(extra["kind"] == "missing_in_v1");
  CHECK(extra["v1"] == nullptr);
  CHECK(extra["v2"] == json{{"module", "c"}});
  CHECK(c.verdict == Verdict::block);

  // Graded warn by a rule on @row: still counted against consistency.
  c = compare(v1, v2,
              rules_of({{"consistency_threshold", 0},
                        {"rules", {{{"fields", {"@row"}}, {"grade", "warn"}}}}}));
  CHECK(c.by_grade[static_cast<size_t>(Grade::warn)] == 2);
  CHECK(c.fields_compared == 6);
  CHECK(c.verdict == Verdict::warn);
  // Ignored: listed with grade ignore, the rows' values are not counted.
  c = compare(
      v1, v2,
      rules_of(
          {{"rules", {{{"name", "rows_may_vary"}, {"fields", {"@row"}}, {"method", "ignore"}}}}}));
  CHECK(c.by_grade[static_cast<size_t>(Grade::ignore)] == 2);
  CHECK(c.fields_compared == 2);
  CHECK(c.verdict == Verdict::pass);
  CHECK(c.difference_json(c.differences[0])["rule"] == "rows_may_vary");

  // A key twice on one side blocks (duplicate_key).
  json dup = key_fields(
      {{{"module", "b"}, {"runs", 2}, {"cost", 3}}, {{"module", "b"}, {"runs", 2}, {"cost", 3}}});
  c = compare(dup, key_fields({{{"module", "b"}, {"runs", 2}, {"cost", 3}}}), kExact);
  REQUIRE(c.differences.size() == 1);
  CHECK(c.difference_json(c.differences[0])["kind"] == "duplicate_in_v1");
  CHECK(c.difference_json(c.differences[0])["rule"] == "duplicate_key");
  c = compare(key_fields({{{"module", "b"}, {"runs", 2}, {"cost", 3}}}), dup, kExact);
  REQUIRE(c.differences.size() == 1);
  CHECK(c.difference_json(c.differences[0])["kind"] == "duplicate_in_v2");
  CHECK(c.verdict == Verdict::block);
}

TEST_CASE("comparator: an ignored difference counts as ignored, with its rule, never as a match") {
  json v1 =
      key_fields({{{"module", "a"}, {"runs", 1}, {"generated_at", "2026-03-01T06:00:03+00:00"}},
                  {{"module", "b"}, {"runs", 2}, {"generated_at", "2026-03-01T06:00:03+00:00"}}},
                 {"module"}, {"runs"});
  json v2 = key_fields({{{"module", "a"}, {"runs", 1}}, {{"module", "b"}, {"runs", 2}}}, {"module"},
                       {"runs"});
  // Without a rule the extra V1 column is a difference like any other.
  Comparison c = compare(v1, v2, kExact);
  CHECK(c.by_grade[0] == 2);
  CHECK(c.verdict == Verdict::block);

  CompareRules rules = rules_of({{"rules",
                                  {{{"name", "volatile_generated_at"},
                                    {"fields", {"generated_at"}},
                                    {"method", "ignore"},
                                    {"reason", "clock"}}}}});
  c = compare(v1, v2, rules);
  CHECK(c.ignored == 2);
  CHECK(c.ignored_by_rule() == std::map<std::string, uint64_t>{{"volatile_generated_at", 2}});
  CHECK(c.fields_compared == 2);  // runs only
  CHECK(c.matched == 2);
  CHECK(c.by_grade[static_cast<size_t>(Grade::ignore)] == 2);
  REQUIRE(c.differences.size() == 2);
  json d = c.difference_json(c.differences[0]);
  CHECK(d["grade"] == "ignore");
  CHECK(d["rule"] == "volatile_generated_at");
  CHECK(d["kind"] == "ignored");
  CHECK(d["v1"] == "2026-03-01T06:00:03+00:00");
  CHECK(d["v2"] == nullptr);
  CHECK(c.verdict == Verdict::pass);
  // An ignored field never raises consistency: with every field ignored nothing is compared.
  c = compare(v1, v2, rules_of({{"rules", {{{"fields", "*"}, {"method", "ignore"}}}}}));
  CHECK(c.matched == 0);
  CHECK(c.fields_compared == 0);
  CHECK_FALSE(c.consistency.has_value());
  CHECK(c.ignored == 4);
  // A mismatch graded ignore by a rule is compared and not matched.
  c = compare_values(1, 2, json{{"fields", {"v"}}, {"grade", "ignore"}});
  CHECK(c.fields_compared == 1);
  CHECK(c.matched == 0);
  CHECK(*c.consistency == 0.0);
  CHECK(c.verdict == Verdict::block);  // 0% is below the threshold
}

TEST_CASE("comparator: consistency below the threshold blocks without a block difference") {
  json r1 = json::array();
  json r2 = json::array();
  for (int i = 0; i < 10; ++i) {
    r1.push_back({{"k", i}, {"v", i}});
    r2.push_back({{"k", i}, {"v", i == 3 ? 99 : i}});
  }
  json loose = {{"fields", {"v"}}, {"grade", "warn"}};
  Comparison c =
      compare(key_fields(r1, {"k"}), key_fields(r2, {"k"}), rules_of({{"rules", {loose}}}));
  CHECK(*c.consistency == 90.0);
  CHECK(c.by_grade[0] == 0);
  CHECK(c.verdict == Verdict::block);  // 90% < 99%
  c = compare(key_fields(r1, {"k"}), key_fields(r2, {"k"}),
              rules_of({{"consistency_threshold", 90}, {"rules", {loose}}}));
  CHECK(c.verdict == Verdict::warn);  // exactly at the threshold passes it
}

TEST_CASE("comparator: a result without key_fields is one row, text and JSON load alike") {
  json v1 = {{"target_month", "202602"},
             {"jobs", {{{"report", "a"}, {"status", "ok"}}}},
             {"status", "ok"}};
  json v2 = {{"target_month", "202602"},
             {"jobs", {{{"status", "ok"}, {"report", "a"}}}},
             {"submitted", 1}};
  Comparison c = compare(v1, v2, rules_of({{"key", {"target_month"}}}));
  CHECK(c.rows_compared == 1);
  CHECK(c.key == std::vector<std::string>{"target_month"});
  // jobs: the same JSON (member order does not matter); status and submitted: one side only.
  CHECK(c.field_stats[0].matched + c.field_stats[1].matched + c.field_stats[2].matched == 1);
  CHECK(c.by_grade[0] == 2);
  Comparison t = compare_text(v1.dump(), v2.dump(), rules_of({{"key", {"target_month"}}}));
  CHECK(t.matched == c.matched);
  CHECK(t.by_grade == c.by_grade);
  // Not JSON at all, or not an object: one "(result)" column.
  t = compare_text("not json", "not json", kExact);
  CHECK(t.matched == 1);
  t = compare_text("[1,2]", "[1, 2]", kExact);
  CHECK(t.matched == 1);
  CHECK(t.fields[0] == "(result)");
  // key_fields in text: the same comparison as through nlohmann::json.
  json a = {
      {"key_fields", key_fields({{{"module", "a"}, {"x", 0.9523809523809523}, {"y", nullptr}}})}};
  json b = {{"key_fields", key_fields({{{"module", "a"}, {"x", 0.9524}, {"y", ""}}})}};
  Comparison j1 = compare(a, b, kExact);
  Comparison j2 = compare_text(a.dump(), b.dump(), kExact);
  CHECK(j1.by_grade == j2.by_grade);
  CHECK(j1.diff_json(json::object()) == j2.diff_json(json::object()));
}

TEST_CASE("comparator: diff.json lists every difference with row, field, values, grade, rule") {
  json v1 = key_fields(
      {{{"module", "a"}, {"x", 1.5}, {"s", "t\"q"}}, {{"module", "b"}, {"x", 2}, {"s", "u"}}});
  json v2 = key_fields(
      {{{"module", "a"}, {"x", 1.25}, {"s", "t\"q"}}, {{"module", "c"}, {"x", 2}, {"s", "u"}}});
  Comparison c = compare(v1, v2, kExact);
  json doc = json::parse(c.diff_json({{"module", "m"}}));
  CHECK(doc["module"] == "m");
  CHECK(doc["key"] == json{"module"});
  CHECK(doc["summary"]["verdict"] == "block");
  CHECK(doc["summary"]["differences"]["block"] == 3);
  REQUIRE(doc["differences"].size() == 3);
  CHECK(doc["differences"][0] == json{{"row", {{"module", "a"}}},
                                      {"field", "x"},
                                      {"v1", 1.5},
                                      {"v2", 1.25},
                                      {"grade", "block"},
                                      {"rule", "default"},
                                      {"kind", "value"}});
  for (const json& d : doc["differences"]) {
    for (const char* k : {"row", "field", "v1", "v2", "grade", "rule", "kind"})
      CHECK(d.contains(k));
  }
  json names = json::array();
  for (const json& r : doc["rules"]) names.push_back(r["name"]);
  CHECK(names == json{"default", "duplicate_key"});
}

TEST_CASE("noise learning: fields that differ between two V1 runs are ignored as noise, reported") {
  json run_a =
      key_fields({{{"module", "a"}, {"runs", 1}, {"token", "x1"}, {"generated_at", "t1"}},
                  {{"module", "b"}, {"runs", 2}, {"token", "x2"}, {"generated_at", "t1"}}});
  json run_b =
      key_fields({{{"module", "b"}, {"runs", 2}, {"token", "y2"}, {"generated_at", "t2"}},
                  {{"module", "a"}, {"runs", 1}, {"token", "y1"}, {"generated_at", "t2"}}});
  Noise noise = learn_noise(run_a, run_b);
  CHECK(noise.fields == std::vector<std::string>{"generated_at", "token"});
  CHECK(noise.rows_differing.at("token") == 2);
  CHECK(noise.rows_compared == 2);
  CHECK(learn_noise(run_a, run_a).empty());

  // generated_at is already ignored by a configured rule: it keeps that rule and its reason.
  CompareRules configured = rules_of({{"rules",
                                       {{{"name", "volatile_generated_at"},
                                         {"fields", {"generated_at"}},
                                         {"method", "ignore"}}}}});
  CompareRules with = with_noise(configured, noise);
  REQUIRE(with.rules.size() == 2);
  CHECK(with.rules[0].name == "noise:learned");
  CHECK(with.rules[0].fields == std::vector<std::string>{"token"});
  CHECK(with.rule_for("generated_at").name == "volatile_generated_at");

  json v2 = key_fields({{{"module", "a"}, {"runs", 1}, {"token", "z1"}},
                        {{"module", "b"}, {"runs", 2}, {"token", "z2"}}});
  Comparison c = compare(run_a, v2, with);
  CHECK(c.noise_fields == std::vector<std::string>{"token"});
  CHECK(c.ignored_by_rule() ==
        std::map<std::string, uint64_t>{{"noise:learned", 2}, {"volatile_generated_at", 2}});
  CHECK(c.matched == 2);
  CHECK(c.verdict == Verdict::pass);
  size_t noisy = 0;
  for (const Difference& diff : c.differences) {
    json d = c.difference_json(diff);
    if (d["field"] != "token") continue;
    ++noisy;
    CHECK(d["kind"] == "noise");
    CHECK(d["rule"] == "noise:learned");
    CHECK(d["grade"] == "ignore");
  }
  CHECK(noisy == 2);
  CHECK(c.summary_json()["noise_fields"] == json{"token"});
  // Without the learned rule the token differences block.
  CHECK(compare(run_a, v2, configured).verdict == Verdict::block);
}

TEST_CASE("comparator: the documented V1 difference under the shipped report_orchestrator rules") {
  const CompareRules rules = shipped_rules();
  // Rows as the two implementations give them for ops_monthly (docs/reports.md): V1 parsed from
  // its CSV (repr floats, generated_at, value-descending order, interpolated percentiles), V2
  // rounded to 4 decimals in key order with nearest-rank percentiles.
  const json fields = {"runs", "success_rate", "p50_latency_ms", "p95_latency_ms",
                       "total_cost_usd"};
  json v1 = key_fields({{{"module", "skill_router"},
                         {"runs", 55012},
                         {"success_rate", 0.9523809523809523},
                         {"p50_latency_ms", 900.5},
                         {"p95_latency_ms", 2291.8},
                         {"total_cost_usd", 584.289804000005},
                         {"generated_at", "2026-03-01T06:00:03+00:00"}},
                        {{"module", "image_creator_hub"},
                         {"runs", 15000},
                         {"success_rate", 0.9},
                         {"p50_latency_ms", 7500.0},
                         {"p95_latency_ms", 30000.0},
                         {"total_cost_usd", 812.0},
                         {"generated_at", "2026-03-01T06:00:03+00:00"}}},
                       {"module"}, fields);
  json v2 = key_fields({{{"module", "image_creator_hub"},
                         {"runs", 15000},
                         {"success_rate", 0.9},
                         {"p50_latency_ms", 7500},
                         {"p95_latency_ms", 30000},
                         {"total_cost_usd", 812}},
                        {{"module", "skill_router"},
                         {"runs", 55012},
                         {"success_rate", 0.9524},
                         {"p50_latency_ms", 900},
                         {"p95_latency_ms", 2292},
                         {"total_cost_usd", 584.2898}}},
                       {"module"}, fields);
  Comparison c = compare(v1, v2, rules);
  CHECK(c.rows_compared == 2);
  CHECK(c.fields_compared == 10);
  CHECK(c.matched == 10);
  CHECK(c.documented == 2);  // skill_router's p50 and p95
  CHECK(c.ignored_by_rule() == std::map<std::string, uint64_t>{{"volatile_generated_at", 2}});
  CHECK(*c.consistency == 100.0);
  CHECK(c.by_grade == std::array<uint64_t, 3>{0, 2, 2});
  CHECK(c.verdict == Verdict::warn);
  for (const Difference& d : c.differences) {
    json j = c.difference_json(d);
    if (j["grade"] == "warn") {
      CHECK(j["rule"] == "percentile_method");
      CHECK(j["kind"] == "documented");
      CHECK(j["row"] == json{{"module", "skill_router"}});
    }
  }
  // A percentile beyond the documented difference is a mismatch, and blocks.
  v2["rows"][1]["p95_latency_ms"] = 2400;
  c = compare(v1, v2, rules);
  CHECK(c.by_grade[0] == 1);
  CHECK(c.verdict == Verdict::block);
  // So is a float that differs after rounding to 4 decimals, or a row V2 lost.
  v2["rows"][1]["p95_latency_ms"] = 2292;
  v2["rows"][1]["success_rate"] = 0.9525;
  CHECK(compare(v1, v2, rules).verdict == Verdict::block);
  v2["rows"][1]["success_rate"] = 0.9524;
  v2["rows"].erase(0);
  c = compare(v1, v2, rules);
  CHECK(c.rows_only_v1 == 1);
  CHECK(c.verdict == Verdict::block);
}
