// The V2 report engine (plugins/reports/v2): target months, the transform language on small
// hand-computed datasets (nearest-rank percentiles, NULL handling, change_pct), renderers and
// the rule version (checked against the kernel's own), and the compact query rows (Cells) with
// run_sql's answer read by simdjson.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "checks/report_checks.hpp"
#include "config/toml_to_json.hpp"
#include "report_definition.hpp"
#include "report_month.hpp"
#include "report_render.hpp"
#include "report_transform.hpp"
#include "test_support.hpp"

using json = nlohmann::json;
namespace rp = agentsys::reports;
using agentsys::test::kSourceDir;

namespace {

json shipped(const std::string& name) {
  auto parsed = agentsys::config::parse_toml_file(kSourceDir / "config/reports" / (name + ".toml"),
                                                  name + ".toml");
  REQUIRE_MESSAGE(parsed.ok, parsed.error.message);
  return parsed.document;
}

rp::QueryRows rows(const std::string& name, std::vector<std::string> columns, json data) {
  return rp::QueryRows::from_json(name, std::move(columns), data);
}

}  // namespace

TEST_CASE("report month: YYYYMM only, and the month parameters") {
  for (const char* bad :
       {"202613", "202600", "2026-02", "20260", "2026021", "196912", "", "abcdef"}) {
    CAPTURE(bad);
    CHECK_FALSE(rp::parse_month(bad).has_value());
  }
  auto m = rp::parse_month("202601");
  REQUIRE(m);
  CHECK(m->text() == "202601");
  CHECK(*rp::month_param("month_start", *m) == "2026-01-01T00:00:00.000Z");
  CHECK(*rp::month_param("next_month_start", *m) == "2026-02-01T00:00:00.000Z");
  CHECK(*rp::month_param("prev_month_start", *m) == "2025-12-01T00:00:00.000Z");
  CHECK_FALSE(rp::month_param("today", *m).has_value());
  CHECK(rp::YearMonth{2025, 12}.shifted(1).text() == "202601");
  CHECK(rp::days_in_month(2024, 2) == 29);
  CHECK(rp::days_in_month(2026, 2) == 28);
  CHECK(rp::days_in_month(1900, 2) == 28);
  CHECK(rp::days_in_month(2000, 2) == 29);
}

TEST_CASE("report definition: rule version equals the kernel's, problems are named") {
  for (const char* name : {"ops_monthly", "skill_usage", "tenant_cost"}) {
    json doc = shipped(name);
    rp::Definition d = rp::parse_definition(name, doc);
    CHECK(d.rule_version == agentsys::reports::checks::report_rule_version(doc));
    CHECK(d.rule_version.size() == 16);
  }
  json doc = shipped("ops_monthly");
  doc["transform"]["metrics"][2]["of"] = {"succeeded", "nope"};
  CHECK_THROWS_WITH_AS(rp::parse_definition("ops_monthly", doc),
                       doctest::Contains("'nope', which is not an earlier metric"),
                       std::invalid_argument);
  doc = shipped("ops_monthly");
  doc["transform"]["metrics"][0]["op"] = "median";
  CHECK_THROWS_WITH_AS(rp::parse_definition("ops_monthly", doc),
                       doctest::Contains("unknown op 'median'"), std::invalid_argument);
}

TEST_CASE("percentile: nearest rank, always one of the values") {
  std::vector<json> v;
  for (int i = 20; i >= 1; --i) v.emplace_back(i);
  CHECK(rp::percentile_nearest_rank(v, 50) == 10);  // ceil(0.5 * 20) = 10
  CHECK(rp::percentile_nearest_rank(v, 95) == 19);  // ceil(0.95 * 20) = 19
  CHECK(rp::percentile_nearest_rank(v, 100) == 20);
  CHECK(rp::percentile_nearest_rank(v, 1) == 1);  // max(1, ceil(0.2)) = 1
  std::vector<json> five{300, 100, 200, 400, 500};
  CHECK(rp::percentile_nearest_rank(five, 50) == 300);  // ceil(2.5) = 3
  CHECK(rp::percentile_nearest_rank(five, 95) == 500);  // ceil(4.75) = 5
  std::vector<json> one{json(2.5)};
  CHECK(rp::percentile_nearest_rank(one, 95) == 2.5);
  std::vector<json> none;
  CHECK(rp::percentile_nearest_rank(none, 50).is_null());
}

TEST_CASE("transform: ops_monthly on a hand-computed month") {
  rp::Definition d = rp::parse_definition("ops_monthly", shipped("ops_monthly"));
  std::vector<rp::QueryRows> parts{
      rows("runs", {"run_id", "module", "status", "latency_ms", "cost_usd"},
           json::array({{"r1", "skill_router", "succeeded", 10, 0.125},
                        {"r2", "mcp_connector", "succeeded", 300, 0.5},
                        {"r3", "mcp_connector", "failed", 100, 0.25},
                        {"r4", "mcp_connector", "succeeded", 200, 0.25},
                        {"r5", "skill_router", "succeeded", 20, 0.125},
                        {"r6", "mcp_connector", "succeeded", 400, 1.0},
                        {"r7", "mcp_connector", "timed_out", 500, 0.0}}))};
  std::vector<rp::ResultRow> out = rp::apply_transform(d, parts);
  REQUIRE(out.size() == 2);
  // Ordered by the key (module) ascending.
  CHECK(out[0]["module"] == "mcp_connector");
  CHECK(out[0]["runs"] == 5);
  CHECK(out[0]["succeeded"] == 3);
  CHECK(out[0]["success_rate"].get<double>() == doctest::Approx(0.6));
  CHECK(out[0]["p50_latency_ms"] == 300);
  CHECK(out[0]["p50_latency_ms"].is_number_integer());
  CHECK(out[0]["p95_latency_ms"] == 500);
  CHECK(out[0]["total_cost_usd"].get<double>() == 2.0);
  CHECK(out[1]["module"] == "skill_router");
  CHECK(out[1]["success_rate"].get<double>() == 1.0);
  CHECK(out[1]["p50_latency_ms"] == 10);
  CHECK(out[1]["p95_latency_ms"] == 20);
  CHECK(out[1]["total_cost_usd"].get<double>() == 0.25);
  CHECK(rp::render_csv(d, out) ==
        "module,runs,success_rate,p50_latency_ms,p95_latency_ms,total_cost_usd\n"
        "mcp_connector,5,0.6000,300,500,2.0000\n"
        "skill_router,2,1.0000,10,20,0.2500\n");
}

TEST_CASE("transform: NULLs, where filters, change_pct and the empty cases") {
  json def = {
      {"title", "t"},
      {"queries", {{{"name", "current"}, {"sql", "x"}}, {{"name", "previous"}, {"sql", "x"}}}},
      {"transform",
       {{"group_by", {"team"}},
        {"metrics",
         {{{"name", "rows"}, {"op", "count"}},
          {{"name", "now_rows"}, {"op", "count"}, {"where", {{"_query", "current"}}}},
          {{"name", "code1"}, {"op", "count_if"}, {"where", {{"code", 1}}}},
          {{"name", "tokens"}, {"op", "sum"}, {"field", "tokens"}},
          {{"name", "avg_tokens"}, {"op", "avg"}, {"field", "tokens"}},
          {{"name", "users"}, {"op", "count_distinct"}, {"field", "user"}},
          {{"name", "p50"}, {"op", "percentile"}, {"field", "tokens"}, {"p", 50}},
          {{"name", "this"}, {"op", "sum"}, {"field", "cost"}, {"where", {{"_query", "current"}}}},
          {{"name", "prev"}, {"op", "sum"}, {"field", "cost"}, {"where", {{"_query", "previous"}}}},
          {{"name", "change"}, {"op", "change_pct"}, {"of", {"this", "prev"}}},
          {{"name", "share"}, {"op", "ratio"}, {"of", {"code1", "rows"}}}}}}},
      {"key_fields", {"team"}},
      {"value_fields",
       {"rows", "code1", "tokens", "avg_tokens", "users", "p50", "this", "prev", "change",
        "share"}}};
  rp::Definition d = rp::parse_definition("t", def);
  const std::vector<std::string> cols{"team", "user", "code", "tokens", "cost"};
  std::vector<rp::QueryRows> parts{
      rows(
          "current", cols,
          json::array({{"red", "u1", 1, 100, 3},
                       {"red", "u2", 2, nullptr, 3},
                       {"red", "u1", 1.0, 50, 6},  // code 1.0 equals 1: numbers compare numerically
                       {"blue", nullptr, "1", nullptr, 1.5},  // "1" is text: not code 1
                       {nullptr, "u3", nullptr, 7, 2}})),
      rows("previous", cols,
           json::array({{"red", "u9", nullptr, nullptr, 8},
                        {"green", "u4", nullptr, nullptr, 5},
                        {nullptr, "u3", nullptr, nullptr, 0}}))};
  std::vector<rp::ResultRow> out = rp::apply_transform(d, parts);
  REQUIRE(out.size() == 4);
  // NULL is a group of its own and sorts first; then blue, green, red.
  CHECK(out[0]["team"].is_null());
  CHECK(out[1]["team"] == "blue");
  CHECK(out[2]["team"] == "green");
  CHECK(out[3]["team"] == "red");

  const json& red = out[3];
  CHECK(red["rows"] == 4);
  CHECK(red["now_rows"] == 3);
  CHECK(red["code1"] == 2);
  CHECK(red["tokens"] == 150);  // integers stay integers; the NULL is left out
  CHECK(red["tokens"].is_number_integer());
  CHECK(red["avg_tokens"].get<double>() == 75.0);  // 150 / 2 non-null values, not / 4
  CHECK(red["users"] == 3);                        // u1, u2, u9
  CHECK(red["p50"] == 50);                         // [50, 100]: rank ceil(1.0) = 1
  CHECK(red["this"] == 12);
  CHECK(red["prev"] == 8);
  CHECK(red["change"].get<double>() == 50.0);  // (12 - 8) / 8 * 100
  CHECK(red["share"].get<double>() == 0.5);

  const json& blue = out[1];
  CHECK(blue["code1"] == 0);
  CHECK(blue["tokens"] == 0);           // sum of nothing
  CHECK(blue["avg_tokens"].is_null());  // avg of nothing
  CHECK(blue["users"] == 0);            // count_distinct ignores NULL
  CHECK(blue["p50"].is_null());         // percentile of nothing
  CHECK(blue["this"].get<double>() == 1.5);
  CHECK(blue["prev"] == 0);
  CHECK(blue["change"].is_null());  // the previous value is 0

  const json& green = out[2];
  CHECK(green["now_rows"] == 0);
  CHECK(green["this"] == 0);
  CHECK(green["prev"] == 5);
  CHECK(green["change"].get<double>() == -100.0);  // (0 - 5) / 5 * 100

  const json& none = out[0];
  CHECK(none["prev"] == 0);
  CHECK(none["change"].is_null());
  CHECK(none["share"].get<double>() == 0.0);

  // Rendering: null is an empty cell, floats have 4 decimals, integers stay integers.
  const std::string csv = rp::render_csv(d, out);
  CHECK(csv.rfind("team,rows,code1,tokens,avg_tokens,users,p50,this,prev,change,share\n", 0) == 0);
  CHECK(csv.find("\n,2,0,7,7.0000,1,7,2,0,,0.0000\n") != std::string::npos);
  CHECK(csv.find("\nblue,1,0,0,,0,,1.5000,0,,0.0000\n") != std::string::npos);
  CHECK(csv.find("\nred,4,2,150,75.0000,3,50,12,8,50.0000,0.5000\n") != std::string::npos);
}

TEST_CASE("transform: a sum over text is refused with the metric and field named") {
  json def = {
      {"queries", {{{"name", "q"}, {"sql", "x"}}}},
      {"transform",
       {{"group_by", {"g"}}, {"metrics", {{{"name", "s"}, {"op", "sum"}, {"field", "v"}}}}}},
      {"key_fields", {"g"}},
      {"value_fields", {"s"}}};
  rp::Definition d = rp::parse_definition("t", def);
  std::vector<rp::QueryRows> parts{rows("q", {"g", "v"}, json::array({{"a", "12"}}))};
  CHECK_THROWS_WITH_AS(rp::apply_transform(d, parts),
                       doctest::Contains("metric 's' (sum) needs numbers in field 'v'"),
                       std::invalid_argument);
}

TEST_CASE("render: cells, CSV quoting, Markdown and JSON") {
  CHECK(rp::cell_text(json()) == "");
  CHECK(rp::cell_text(json(42)) == "42");
  CHECK(rp::cell_text(json(0.95238095)) == "0.9524");
  CHECK(rp::cell_text(json(812.0)) == "812.0000");
  CHECK(rp::cell_text(json(-0.00001)) == "0.0000");
  CHECK(rp::rounded(json(2.29186)) == 2.2919);
  json def = {{"title", "Cost"},
              {"description", "Per tenant."},
              {"queries", {{{"name", "q"}, {"sql", "x"}}}},
              {"transform",
               {{"group_by", {"tenant"}},
                {"metrics", {{{"name", "cost"}, {"op", "sum"}, {"field", "c"}}}}}},
              {"key_fields", {"tenant"}},
              {"value_fields", {"cost"}}};
  rp::Definition d = rp::parse_definition("cost", def);
  std::vector<rp::ResultRow> out{json{{"tenant", "Beta, \"B\" | Inc."}, {"cost", 1.23456}}};
  CHECK(rp::render_csv(d, out) == "tenant,cost\n\"Beta, \"\"B\"\" | Inc.\",1.2346\n");
  const std::string md = rp::render_markdown(d, {2026, 2}, out);
  CHECK(md.rfind("# Cost — 2026-02\n\nReport `cost`, target month 202602, rule version `" +
                     d.rule_version + "`",
                 0) == 0);
  CHECK(md.find("Per tenant.") != std::string::npos);
  CHECK(md.find("| tenant | cost |\n|---|---|\n| Beta, \"B\" \\| Inc. | 1.2346 |\n") !=
        std::string::npos);
  json j = json::parse(rp::render_json(d, {2026, 2}, out));
  CHECK(j["report"] == "cost");
  CHECK(j["target_month"] == "202602");
  CHECK(j["rule_version"] == d.rule_version);
  CHECK(j["columns"] == json{"tenant", "cost"});
  CHECK(j["rows"] == json::parse(R"([["Beta, \"B\" | Inc.", 1.2346]])"));
}

TEST_CASE("query rows: Cells order and compare exactly as the JSON values they stand for") {
  const json values = json::array({nullptr, false, true, -3, 0, 1, 1.0, 1.5, 2, -0.5, 1e300,
                                   int64_t{9007199254740993}, "", "1", "a", "ab", "b", "é"});
  rp::QueryRows q = rp::QueryRows::from_json("q", {"v"}, [&] {
    json rows = json::array();
    for (const json& v : values) rows.push_back(json::array({v}));
    return rows;
  }());
  REQUIRE(q.rows() == values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    CHECK(q.at(i, 0).to_json() == values[i]);
    CHECK(rp::equals(q.at(i, 0), values[i]));
    for (size_t j = 0; j < values.size(); ++j) {
      CAPTURE(values[i]);
      CAPTURE(values[j]);
      CHECK((q.at(i, 0) < q.at(j, 0)) == (values[i] < values[j]));
      CHECK((q.at(i, 0) == q.at(j, 0)) == (values[i] == values[j]));
      CHECK(rp::equals(q.at(i, 0), values[j]) == (values[i] == values[j]));
    }
  }
  CHECK(q.at(5, 0).to_json().is_number_integer());  // 1 stays an integer, 1.0 a real
  CHECK(q.at(6, 0).to_json().is_number_float());
  CHECK_THROWS_AS(rp::QueryRows::from_json("q", {"v"}, json::parse("[[[]]]")),
                  std::invalid_argument);
}

TEST_CASE("query rows: run_sql's answer read with simdjson equals the same rows from JSON") {
  const json answer{{"columns", {"id", "name", "n", "x"}},
                    {"rows",
                     {{"r1", "quote \" slash \\ tab \t nl \n é \u0001", 1, 0.1},
                      {"r2", nullptr, -9007199254740993, 2.0},
                      {"r3", "", nullptr, nullptr},
                      {"r4", "short"}}},  // a short row is padded with nulls
                    {"row_count", 4},
                    {"truncated", false},
                    {"changes", 0},
                    {"tables", {"task_runs", "tenants"}},
                    {"dry_run", false}};
  std::string text = answer.dump();
  rp::SqlRows parsed = rp::parse_run_sql_answer("q", text);
  CHECK_FALSE(parsed.truncated);
  CHECK(parsed.tables == std::vector<std::string>{"task_runs", "tenants"});
  CHECK(parsed.rows.name == "q");
  CHECK(parsed.rows.columns == std::vector<std::string>{"id", "name", "n", "x"});
  rp::QueryRows expected = rp::QueryRows::from_json("q", parsed.rows.columns, answer["rows"]);
  REQUIRE(parsed.rows.rows() == 4);
  for (size_t r = 0; r < 4; ++r) {
    for (size_t c = 0; c < 4; ++c) {
      CAPTURE(r);
      CAPTURE(c);
      CHECK(parsed.rows.at(r, c).type() == expected.at(r, c).type());
      CHECK(parsed.rows.at(r, c).to_json() == expected.at(r, c).to_json());
    }
  }
  CHECK(parsed.rows.at(0, 1).text() == "quote \" slash \\ tab \t nl \n é \u0001");
  CHECK(parsed.rows.at(1, 2).integer() == -9007199254740993);
  CHECK(parsed.rows.at(1, 3).type() == rp::Cell::Type::real);  // 2.0 stays a real

  std::string truncated = R"({"columns":["a"],"rows":[[1]],"truncated":true})";
  CHECK(rp::parse_run_sql_answer("q", truncated).truncated);
  std::string empty = R"({"dry_run":true,"would_run":"SELECT 1"})";
  rp::SqlRows none = rp::parse_run_sql_answer("q", empty);
  CHECK(none.rows.rows() == 0);
  CHECK(none.rows.columns.empty());
  for (std::string bad :
       {std::string("[1]"), std::string("{\"rows\":[1]}"),
        std::string("{\"columns\":[\"a\"],\"rows\":[[[1]]]}"), std::string("{\"rows\": ")}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(rp::parse_run_sql_answer("q", bad), std::runtime_error);
  }
}
