// `skills eval` (plugins/skills/engine/evaluation.hpp): the metrics on a set small enough to
// compute by hand, the labelled-queries file and its located errors, the JSON form.
#include <doctest/doctest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "evaluation.hpp"
#include "router.hpp"
#include "router_settings.hpp"
#include "skills_json.hpp"
#include "skills_test_support.hpp"

using namespace agentsys::skills;
using agentsys::skills_test::make_skill;
using agentsys::skills_test::TempDir;
using agentsys::skills_test::write_file;
using json = nlohmann::json;

namespace {

/// Three skills, and a rule forcing deploy-rollback for requests starting "urgent" (which
/// makes a known rank 2: the forced skill first, the ranking's best second).
Router make_router() {
  const RouterSettings settings = parse_router_settings(
      {{"skills",
        {{"router",
          {{"rules",
            {{{"name", "urgent"}, {"pattern", "^urgent"}, {"force", "deploy-rollback"}}}}}}}}});
  return Router({make_skill("deploy-rollback",
                            "Reverts a failed deployment with a rollback to the previous release."),
                 make_skill("invoice-export",
                            "Exports customer invoices to CSV files for the accounting team."),
                 make_skill("monthly-report",
                            "Builds the monthly sales report as a PDF with charts for finance.")},
                settings);
}

LabelledQuery labelled(std::string query, std::optional<std::string> expected) {
  return LabelledQuery{std::move(query), std::move(expected), ""};
}

/// Six queries, two expecting no skill. What the router answers, and why:
///   q1 expected monthly-report: got monthly-report, rank 1             (right)
///   q2 expected monthly-report: got invoice-export, monthly-report not
///      among the candidates (no shared word): rank none                (wrong)
///   q3 expected monthly-report: the rule forces deploy-rollback first,
///      monthly-report is second: got deploy-rollback, rank 2           (wrong)
///   q4 expected invoice-export: one known word among four unknown ones,
///      below the threshold: got no skill, invoice-export still rank 1  (wrong)
///   q5 expected null: unknown words, got no skill                      (right)
///   q6 expected null: stop words only, got no skill                    (right)
std::vector<LabelledQuery> six_queries() {
  return {
      labelled("build the monthly sales report for finance", "monthly-report"),
      labelled("export customer invoices to csv", "monthly-report"),
      labelled("urgent monthly sales report", "monthly-report"),
      labelled("zorblax quuxification frobnicate wibble invoices", "invoice-export"),
      labelled("zorblax quuxification", std::nullopt),
      labelled("hello there, thanks", std::nullopt),
  };
}

std::vector<std::string> keys_of(const json& object) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : object.items()) keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  return keys;
}

/// The message of the std::runtime_error read_queries throws for `text` ("" if none).
std::string read_error(const TempDir& tmp, const std::string& text) {
  const auto file = tmp / "queries.jsonl";
  write_file(file, text);
  try {
    static_cast<void>(read_queries(file));
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("evaluate: the metrics of six queries computed by hand") {
  const Router router = make_router();
  const Evaluation e = evaluate(router, six_queries());

  // Each outcome as the comment of six_queries() says.
  REQUIRE(e.per_query.size() == 6);
  const auto& q = e.per_query;
  CHECK(q[0].got == std::optional<std::string>("monthly-report"));
  CHECK(q[0].rank == std::optional<size_t>(1));
  CHECK(q[1].got == std::optional<std::string>("invoice-export"));
  CHECK_FALSE(q[1].rank.has_value());
  CHECK(q[2].got == std::optional<std::string>("deploy-rollback"));
  CHECK(q[2].rank == std::optional<size_t>(2));
  CHECK(q[2].confidence == 1.0);
  CHECK_FALSE(q[3].got.has_value());
  CHECK(q[3].rank == std::optional<size_t>(1));
  CHECK(q[3].confidence > 0);
  CHECK_FALSE(q[4].got.has_value());
  CHECK_FALSE(q[4].rank.has_value());
  CHECK_FALSE(q[5].got.has_value());
  CHECK_FALSE(q[5].expected.has_value());
  CHECK(q[0].query == "build the monthly sales report for finance");
  CHECK(q[0].expected == std::optional<std::string>("monthly-report"));

  CHECK(e.n == 6);
  // Right answers: q1, q5, q6 -> 3 / 6.
  CHECK(e.top1_accuracy == doctest::Approx(0.5));
  // Over the 4 queries with a skill: ranks 1, none, 2, 1 -> 3 within the first three.
  REQUIRE(e.top3_recall.has_value());
  CHECK(*e.top3_recall == doctest::Approx(0.75));
  // (1/1 + 0 + 1/2 + 1/1) / 4 = 2.5 / 4.
  REQUIRE(e.mrr.has_value());
  CHECK(*e.mrr == doctest::Approx(0.625));
  // "No skill" answered for q4, q5, q6; right for q5 and q6 -> 2 / 3.
  REQUIRE(e.no_skill_precision.has_value());
  CHECK(*e.no_skill_precision == doctest::Approx(2.0 / 3.0));
  // Null expected for q5 and q6, both answered "no skill" -> 2 / 2.
  REQUIRE(e.no_skill_recall.has_value());
  CHECK(*e.no_skill_recall == doctest::Approx(1.0));
}

TEST_CASE("evaluate: a null expected answered with a skill lowers no-skill recall") {
  const Router router = make_router();
  // q1: expected null, got invoice-export (wrong); q2: expected null, got none (right);
  // q3: expected invoice-export, got it at rank 1 (right).
  const Evaluation e = evaluate(router, {labelled("export customer invoices to csv", std::nullopt),
                                         labelled("zorblax", std::nullopt),
                                         labelled("export customer invoices", "invoice-export")});
  CHECK(e.n == 3);
  CHECK(e.top1_accuracy == doctest::Approx(2.0 / 3.0));  // q2, q3
  CHECK(*e.top3_recall == doctest::Approx(1.0));
  CHECK(*e.mrr == doctest::Approx(1.0));
  CHECK(*e.no_skill_precision == doctest::Approx(1.0));  // one "no skill" answer, right
  CHECK(*e.no_skill_recall == doctest::Approx(0.5));     // one of two null-expected
}

TEST_CASE("evaluate: metrics without a denominator are null") {
  const Router router = make_router();
  const Evaluation none = evaluate(router, {});
  CHECK(none.n == 0);
  CHECK(none.top1_accuracy == 0);
  CHECK_FALSE(none.top3_recall.has_value());
  CHECK_FALSE(none.mrr.has_value());
  CHECK_FALSE(none.no_skill_precision.has_value());
  CHECK_FALSE(none.no_skill_recall.has_value());

  // Only skills expected, all answered: no "no skill" answer, no null expected.
  const Evaluation all = evaluate(router, {labelled("export customer invoices", "invoice-export")});
  CHECK(all.top1_accuracy == doctest::Approx(1.0));
  CHECK_FALSE(all.no_skill_precision.has_value());
  CHECK_FALSE(all.no_skill_recall.has_value());
}

TEST_CASE("evaluate: a query's tenant is routed as that tenant") {
  const RouterSettings settings = parse_router_settings(
      {{"skills", {{"router", {{"tenants", {{"acme", {{"deny", {"invoice-export"}}}}}}}}}}});
  const Router router({make_skill("invoice-export", "Exports customer invoices to CSV files."),
                       make_skill("weather", "Shows the weather forecast.")},
                      settings);
  const Evaluation e = evaluate(
      router, {LabelledQuery{"export customer invoices to csv", "invoice-export", ""},
               LabelledQuery{"export customer invoices to csv", "invoice-export", "acme"}});
  CHECK(e.per_query[0].got == std::optional<std::string>("invoice-export"));
  CHECK_FALSE(e.per_query[1].got.has_value());
  CHECK_FALSE(e.per_query[1].rank.has_value());
}

TEST_CASE("read_queries: one JSON object a line, blank and # lines skipped") {
  TempDir tmp;
  const auto file = tmp / "queries.jsonl";
  write_file(file,
             "# labelled requests\n"
             "\n"
             "{\"query\": \"monthly report\", \"expected\": \"monthly-report\"}\n"
             "   \t\n"
             "  # an indented comment\n"
             "{\"query\": \"nothing fits\", \"expected\": null, \"tenant\": \"acme\"}\r\n"
             "{\"expected\": \"a\", \"query\": \"last line without a newline\"}");
  const std::vector<LabelledQuery> q = read_queries(file);
  REQUIRE(q.size() == 3);
  CHECK(q[0].query == "monthly report");
  CHECK(q[0].expected == std::optional<std::string>("monthly-report"));
  CHECK(q[0].tenant.empty());
  CHECK(q[1].query == "nothing fits");
  CHECK_FALSE(q[1].expected.has_value());
  CHECK(q[1].tenant == "acme");
  CHECK(q[2].query == "last line without a newline");
  CHECK(q[2].expected == std::optional<std::string>("a"));

  // Read and evaluated end to end.
  const Evaluation e = evaluate(make_router(), q);
  CHECK(e.n == 3);
  CHECK(e.per_query[1].query == "nothing fits");
}

TEST_CASE("read_queries: a bad line is reported as FILE:LINE: message") {
  TempDir tmp;
  const std::string f = (tmp / "queries.jsonl").string();
  const std::string good = "{\"query\": \"q\", \"expected\": null}\n";

  std::string e = read_error(tmp, "# header\n" + good + "\n{not json}\n" + good);
  CHECK(e.rfind(f + ":4: ", 0) == 0);
  CHECK(e.find("not a JSON object") != std::string::npos);

  e = read_error(tmp, good + "[1, 2]\n");
  CHECK(e.rfind(f + ":2: not a JSON object", 0) == 0);

  e = read_error(tmp, good + good + "{\"expected\": null}\n");
  CHECK(e == f + ":3: 'query' must be a non-empty string");
  e = read_error(tmp, "{\"query\": \"\", \"expected\": null}\n");
  CHECK(e == f + ":1: 'query' must be a non-empty string");
  e = read_error(tmp, "{\"query\": 5, \"expected\": null}\n");
  CHECK(e == f + ":1: 'query' must be a non-empty string");

  e = read_error(tmp, "\n\n{\"query\": \"q\"}\n");
  CHECK(e == f + ":3: 'expected' must be a skill name or null (no skill fits)");
  e = read_error(tmp, "{\"query\": \"q\", \"expected\": 3}\n");
  CHECK(e == f + ":1: 'expected' must be a skill name or null (no skill fits)");

  // A good file: no error; only comments: no queries.
  CHECK(read_error(tmp, good + good).empty());
  write_file(tmp / "comments.jsonl", "# nothing\n\n");
  CHECK(read_queries(tmp / "comments.jsonl").empty());

  // A missing file.
  try {
    static_cast<void>(read_queries(tmp / "missing.jsonl"));
    FAIL("read_queries of a missing file did not throw");
  } catch (const std::runtime_error& err) {
    CHECK(std::string(err.what()) == (tmp / "missing.jsonl").string() + ": cannot be read");
  }
}

TEST_CASE("evaluation_json: exactly the documented keys, ratios rounded to 4 decimals") {
  const Evaluation e = evaluate(make_router(), six_queries());
  const json j = evaluation_json(e);
  CHECK(keys_of(j) == std::vector<std::string>{"mrr", "n", "no_skill_precision", "no_skill_recall",
                                               "per_query", "top1_accuracy", "top3_recall"});
  CHECK(j["n"] == 6);
  CHECK(j["top1_accuracy"].get<double>() == 0.5);
  CHECK(j["top3_recall"].get<double>() == 0.75);
  CHECK(j["mrr"].get<double>() == 0.625);
  CHECK(j["no_skill_precision"].get<double>() == 0.6667);
  CHECK(j["no_skill_recall"].get<double>() == 1.0);

  REQUIRE(j["per_query"].is_array());
  REQUIRE(j["per_query"].size() == 6);
  for (const json& item : j["per_query"]) {
    CHECK(keys_of(item) == std::vector<std::string>{"expected", "got", "query", "rank"});
  }
  const json& p = j["per_query"];
  CHECK(p[0] == json{{"query", "build the monthly sales report for finance"},
                     {"expected", "monthly-report"},
                     {"got", "monthly-report"},
                     {"rank", 1}});
  CHECK(p[1]["rank"].is_null());
  CHECK(p[2]["got"] == "deploy-rollback");
  CHECK(p[2]["rank"] == 2);
  CHECK(p[3]["got"].is_null());
  CHECK(p[4]["expected"].is_null());
  CHECK(p[4]["got"].is_null());

  // Metrics without a denominator are null in JSON too.
  const json empty = evaluation_json(evaluate(make_router(), {}));
  CHECK(keys_of(empty).size() == 7);
  CHECK(empty["n"] == 0);
  CHECK(empty["top3_recall"].is_null());
  CHECK(empty["mrr"].is_null());
  CHECK(empty["no_skill_precision"].is_null());
  CHECK(empty["no_skill_recall"].is_null());
  CHECK(empty["per_query"] == json::array());
}
