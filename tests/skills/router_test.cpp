// skill_router (plugins/skills/engine/router.hpp): ranking, corrections, Chinese requests and
// the glossary, force/forbid rules, tenants, disabled skills, the threshold; the settings it is
// configured from; and the live catalogue that reloads when the skills folder changes.
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "live_catalog.hpp"
#include "router.hpp"
#include "router_settings.hpp"
#include "skill_parser.hpp"
#include "skills_test_support.hpp"

using namespace agentsys::skills;
using agentsys::skills_test::make_skill;
using agentsys::skills_test::TempDir;
using agentsys::skills_test::write_skill;
using json = nlohmann::json;

namespace {

/// Five skills in name order (the index breaks ties by position), one described in Chinese.
std::vector<Skill> catalogue() {
  return {
      make_skill("db-backup", "Copies the database to cold storage every night and verifies it."),
      make_skill("deploy-rollback",
                 "Reverts a failed deployment with a rollback to the previous release."),
      make_skill("invoice-export",
                 "Exports customer invoices to CSV files for the accounting team."),
      make_skill("monthly-report",
                 "Builds the monthly sales report as a PDF with charts for the finance team."),
      make_skill("ops-weekly", "生成运营周报和数据看板，发送给管理层。"),
  };
}

RouterSettings settings_from(const json& router, const json& glossary = json()) {
  json skills = {{"router", router}};
  if (!glossary.is_null()) skills["glossary"] = glossary;
  return parse_router_settings({{"skills", skills}});
}

RouteAnswer route(const Router& r, std::string_view text, std::string_view tenant = "",
                  size_t top = 0) {
  return r.route(RouteRequest{text, tenant, top});
}

std::vector<std::string> names(const RouteAnswer& a) {
  std::vector<std::string> out;
  for (const Candidate& c : a.candidates) out.push_back(c.skill);
  return out;
}

bool has(const RouteAnswer& a, const std::string& skill) {
  const std::vector<std::string> n = names(a);
  return std::find(n.begin(), n.end(), skill) != n.end();
}

/// The first candidate's skill in a catalogue state ("" when none matches).
std::string top_skill(const CatalogState& state, std::string_view text) {
  const RouteAnswer a = state.router->route(RouteRequest{text, "", 0});
  return a.candidates.empty() ? std::string() : a.candidates.front().skill;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// The message of the std::invalid_argument parse_router_settings throws ("" if none).
std::string settings_error(const json& config) {
  try {
    static_cast<void>(parse_router_settings(config));
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("router: the obviously right skill ranks first and is chosen") {
  const Router r(catalogue(), RouterSettings{});
  const struct {
    const char* request;
    const char* skill;
  } cases[] = {
      {"build the monthly sales report for finance", "monthly-report"},
      {"export the customer invoices as CSV", "invoice-export"},
      {"our deployment failed, revert to the previous release", "deploy-rollback"},
      {"back up the database to cold storage", "db-backup"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.request);
    const RouteAnswer a = route(r, c.request);
    REQUIRE_FALSE(a.candidates.empty());
    CHECK(a.candidates[0].skill == c.skill);
    CHECK(a.skill == std::optional<std::string>(c.skill));
    CHECK(a.confidence == a.candidates[0].confidence);
    CHECK(a.candidates[0].score > 0);
    CHECK(contains(a.candidates[0].why, "matched "));
    // Ranked best first.
    for (size_t i = 1; i < a.candidates.size(); ++i)
      CHECK(a.candidates[i - 1].score >= a.candidates[i].score);
  }
}

TEST_CASE("router: a word in the name counts more than in the description") {
  const Router r({make_skill("billing-helper", "Handles invoice documents for customers."),
                  make_skill("invoice-tools", "Handles billing documents for customers.")},
                 RouterSettings{});
  RouteAnswer a = route(r, "invoice");
  REQUIRE(a.candidates.size() == 2);
  CHECK(a.candidates[0].skill == "invoice-tools");
  CHECK(a.candidates[0].score > a.candidates[1].score);
  a = route(r, "billing");
  REQUIRE(a.candidates.size() == 2);
  CHECK(a.candidates[0].skill == "billing-helper");

  // With equal field weights the two are tied on "invoice" (ties go by name).
  RouterSettings flat = settings_from({{"ranking", {{"name_weight", 1.0}, {"b_name", 0.75}}}});
  const Router equal({make_skill("billing-helper", "Handles invoice documents for customers."),
                      make_skill("invoice-tools", "Handles billing documents for customers.")},
                     flat);
  a = route(equal, "invoice");
  REQUIRE(a.candidates.size() == 2);
  CHECK(a.candidates[0].score == doctest::Approx(a.candidates[1].score));
  CHECK(a.candidates[0].skill == "billing-helper");
}

TEST_CASE("router: a typo within one edit is read as the known word") {
  const Router r(catalogue(), RouterSettings{});
  const RouteAnswer a = route(r, "monthly sales reprot");
  REQUIRE_FALSE(a.candidates.empty());
  CHECK(a.candidates[0].skill == "monthly-report");
  CHECK(contains(a.candidates[0].why, "reprot (read as report)"));
  // The correction counts for less than the word spelt right.
  const RouteAnswer exact = route(r, "monthly sales report");
  CHECK(a.candidates[0].score < exact.candidates[0].score);

  // Off: the misspelt word matches nothing.
  const Router strict(catalogue(), settings_from({{"ranking", {{"typo_correction", false}}}}));
  CHECK(route(strict, "reprot").candidates.empty());
  CHECK_FALSE(route(r, "reprot").candidates.empty());
}

TEST_CASE("router: two words that are one known word are read as it") {
  const Router r(catalogue(), RouterSettings{});
  const RouteAnswer a = route(r, "roll back");
  REQUIRE_FALSE(a.candidates.empty());
  CHECK(a.candidates[0].skill == "deploy-rollback");
  CHECK(contains(a.candidates[0].why, "roll back (read as rollback)"));

  const Router off(catalogue(), settings_from({{"ranking", {{"compounds", false}}}}));
  CHECK(route(off, "roll back").candidates.empty());
}

TEST_CASE("router: a Chinese request matches a skill described in Chinese") {
  const Router r(catalogue(), RouterSettings{});
  const RouteAnswer a = route(r, "帮我生成运营周报");
  REQUIRE_FALSE(a.candidates.empty());
  CHECK(a.candidates[0].skill == "ops-weekly");
  CHECK(a.skill == std::optional<std::string>("ops-weekly"));
  CHECK(contains(a.candidates[0].why, "周报"));
  CHECK(a.candidates.size() == 1);  // no English skill shares a bigram
}

TEST_CASE("router: the glossary lets a Chinese request meet an English skill") {
  const json glossary = {{"terms", {{"回滚", "rollback"}, {"部署", "deployment"}}}};
  const Router with(catalogue(), settings_from(json::object(), glossary));
  const RouteAnswer a = route(with, "回滚部署");
  REQUIRE_FALSE(a.candidates.empty());
  CHECK(a.candidates[0].skill == "deploy-rollback");
  CHECK(a.skill == std::optional<std::string>("deploy-rollback"));
  CHECK(contains(a.candidates[0].why, "rollback (glossary)"));

  // The same request without the glossary finds nothing.
  const Router without(catalogue(), RouterSettings{});
  const RouteAnswer none = route(without, "回滚部署");
  CHECK(none.candidates.empty());
  CHECK_FALSE(none.skill.has_value());

  // ranking.glossary = false turns the configured glossary off.
  const Router off(catalogue(), settings_from({{"ranking", {{"glossary", false}}}}, glossary));
  CHECK(route(off, "回滚部署").candidates.empty());
}

TEST_CASE("router: a force rule puts its skill first with confidence 1") {
  const Router r(catalogue(), settings_from({{"rules",
                                              {{{"name", "urgent-to-report"},
                                                {"pattern", "\\burgent\\b"},
                                                {"force", "monthly-report"}}}}}));
  const RouteAnswer a = route(r, "URGENT: roll back the failed deployment");
  REQUIRE(a.candidates.size() >= 2);
  CHECK(a.candidates[0].skill == "monthly-report");
  CHECK(a.candidates[0].confidence == 1.0);
  CHECK(a.confidence == 1.0);
  CHECK(a.skill == std::optional<std::string>("monthly-report"));
  CHECK(contains(a.candidates[0].why, "rule 'urgent-to-report' (force)"));
  CHECK(a.candidates[1].skill == "deploy-rollback");  // the ranking follows

  // The pattern does not match: the ranking decides.
  const RouteAnswer b = route(r, "roll back the failed deployment");
  REQUIRE_FALSE(b.candidates.empty());
  CHECK(b.candidates[0].skill == "deploy-rollback");
  CHECK(b.candidates[0].confidence < 1.0);

  // A forced skill the ranking also found appears once, with its score and both reasons.
  const RouteAnswer c = route(r, "urgent monthly sales report");
  REQUIRE_FALSE(c.candidates.empty());
  CHECK(c.candidates[0].skill == "monthly-report");
  CHECK(c.candidates[0].score > 0);
  CHECK(contains(c.candidates[0].why, "(force); matched "));
  const std::vector<std::string> listed = names(c);
  CHECK(std::count(listed.begin(), listed.end(), "monthly-report") == 1);
}

TEST_CASE("router: a forbid rule removes its skill") {
  const json forbid = {
      {"rules",
       {{{"name", "no-rollbacks"}, {"pattern", "roll ?back"}, {"forbid", "deploy-rollback"}}}}};
  const Router r(catalogue(), settings_from(forbid));
  const RouteAnswer a = route(r, "rollback the failed deployment");
  CHECK_FALSE(has(a, "deploy-rollback"));
  CHECK(a.skill != std::optional<std::string>("deploy-rollback"));
  // Other requests are unaffected.
  CHECK(route(r, "revert the failed deployment").candidates.at(0).skill == "deploy-rollback");
  // Without the rule it would have been first.
  const Router plain(catalogue(), RouterSettings{});
  CHECK(route(plain, "rollback the failed deployment").candidates.at(0).skill == "deploy-rollback");

  // Forbid wins over a force of the same skill.
  json both = forbid;
  both["rules"].push_back(
      {{"name", "force-it"}, {"pattern", "rollback"}, {"force", "deploy-rollback"}});
  const Router conflict(catalogue(), settings_from(both));
  const RouteAnswer c = route(conflict, "rollback the failed deployment");
  CHECK_FALSE(has(c, "deploy-rollback"));
  if (!c.candidates.empty()) CHECK(c.candidates[0].confidence < 1.0);
}

TEST_CASE("router: a rule limited to tenants applies only to them") {
  const Router r(catalogue(), settings_from({{"rules",
                                              {{{"name", "acme-invoices"},
                                                {"pattern", "report"},
                                                {"force", "invoice-export"},
                                                {"tenants", {"acme"}}}}}}));
  const std::string request = "monthly sales report";
  CHECK(route(r, request, "acme").candidates.at(0).skill == "invoice-export");
  CHECK(route(r, request, "acme").candidates.at(0).confidence == 1.0);
  CHECK(route(r, request, "globex").candidates.at(0).skill == "monthly-report");
  CHECK(route(r, request, "").candidates.at(0).skill == "monthly-report");
}

TEST_CASE("router: tenant allow and deny lists") {
  const Router r(
      catalogue(),
      settings_from(
          {{"tenants",
            {{"acme", {{"allow", {"invoice-export", "db-backup"}}}},
             {"globex", {{"deny", {"monthly-report"}}}}}},
           {"rules",
            {{{"name", "report-rule"}, {"pattern", "urgent"}, {"force", "monthly-report"}}}}}));
  const std::string request = "monthly sales report for the finance team";
  // No policy: everything.
  CHECK(route(r, request).candidates.at(0).skill == "monthly-report");
  CHECK(route(r, request, "initech").candidates.at(0).skill == "monthly-report");
  // acme may use only its two skills; globex anything but monthly-report.
  const RouteAnswer acme = route(r, request, "acme");
  for (const std::string& n : names(acme)) {
    CAPTURE(n);
    const bool acme_may = n == "invoice-export" || n == "db-backup";
    CHECK(acme_may);
  }
  CHECK(has(acme, "invoice-export"));  // "team" matches it
  CHECK(route(r, "export invoices", "acme").candidates.at(0).skill == "invoice-export");
  const RouteAnswer globex = route(r, request, "globex");
  CHECK_FALSE(has(globex, "monthly-report"));
  CHECK(has(globex, "invoice-export"));
  // A force rule cannot hand a tenant a skill it may not use.
  CHECK(route(r, "urgent", "").candidates.at(0).skill == "monthly-report");
  CHECK_FALSE(has(route(r, "urgent monthly report", "globex"), "monthly-report"));
  CHECK_FALSE(has(route(r, "urgent monthly report", "acme"), "monthly-report"));
}

TEST_CASE("router: disabled skills are never returned") {
  const Router r(
      catalogue(),
      settings_from(
          {{"disabled", {"monthly-report"}},
           {"rules", {{{"name", "r"}, {"pattern", "report"}, {"force", "monthly-report"}}}},
           {"tenants", {{"acme", {{"allow", {"monthly-report"}}}}}}}));
  for (const char* tenant : {"", "acme", "globex"}) {
    CAPTURE(tenant);
    const RouteAnswer a = route(r, "monthly sales report", tenant, 10);
    CHECK_FALSE(has(a, "monthly-report"));
    CHECK(a.skill != std::optional<std::string>("monthly-report"));
  }
  CHECK(route(r, "export invoices").candidates.at(0).skill == "invoice-export");
}

TEST_CASE("router: below the threshold the answer is no skill") {
  const Router r(catalogue(), RouterSettings{});
  const RouteAnswer unknown = route(r, "zorblax quuxification frobnicate");
  CHECK_FALSE(unknown.skill.has_value());
  CHECK(unknown.candidates.empty());
  CHECK(unknown.confidence == 0);
  // Stop words only.
  CHECK_FALSE(route(r, "can you please help me with this").skill.has_value());

  // One weak match among unknown words: a candidate, but no skill.
  const RouteAnswer weak = route(r, "zorblax quuxification frobnicate wibble invoices");
  REQUIRE_FALSE(weak.candidates.empty());
  CHECK(weak.candidates[0].skill == "invoice-export");
  CHECK(weak.confidence < RouterSettings{}.threshold);
  CHECK_FALSE(weak.skill.has_value());

  // A high threshold refuses even a good match, and still lists the candidates.
  const Router picky(catalogue(), settings_from({{"threshold", 0.99}}));
  const RouteAnswer good = route(picky, "build the monthly sales report for finance");
  REQUIRE_FALSE(good.candidates.empty());
  CHECK(good.candidates[0].skill == "monthly-report");
  CHECK_FALSE(good.skill.has_value());
  // Threshold 0: any candidate is chosen.
  const Router eager(catalogue(), settings_from({{"threshold", 0.0}}));
  CHECK(route(eager, "zorblax quuxification frobnicate wibble invoices").skill ==
        std::optional<std::string>("invoice-export"));
}

TEST_CASE("router: confidence is within [0, 1]") {
  const Router r(catalogue(), RouterSettings{});
  for (const char* request :
       {"monthly sales report", "monthly monthly report report sales finance pdf charts",
        "invoices", "帮我生成运营周报", "roll back", "database deployment invoices report team",
        "reprot", "x"}) {
    CAPTURE(request);
    const RouteAnswer a = route(r, request, "", 10);
    CHECK(a.confidence >= 0.0);
    CHECK(a.confidence <= 1.0);
    for (const Candidate& c : a.candidates) {
      CHECK(c.confidence >= 0.0);
      CHECK(c.confidence <= 1.0);
    }
  }
}

TEST_CASE("router: top-k is honoured") {
  // team (2 skills), exports, monthly, report, database, deployment: four skills match.
  const std::string request = "the team exports monthly reports of the database deployment";
  const Router r(catalogue(), RouterSettings{});
  CHECK(route(r, request).candidates.size() == 3);  // the settings' default
  CHECK(route(r, request, "", 2).candidates.size() == 2);
  CHECK(route(r, request, "", 1).candidates.size() == 1);
  CHECK(route(r, request, "", 10).candidates.size() == 4);
  const Router one(catalogue(), settings_from({{"top", 1}}));
  CHECK(route(one, request).candidates.size() == 1);
  CHECK(route(one, request, "", 4).candidates.size() == 4);
  // The first candidates are the same whatever the depth.
  CHECK(route(r, request, "", 2).candidates[0].skill ==
        route(r, request, "", 10).candidates[0].skill);
}

TEST_CASE("router: bodies are indexed only with a body weight") {
  TempDir tmp;
  write_skill(tmp.path(), "cluster-ops", "name: cluster-ops\ndescription: Helps with clusters.\n",
              "# Steps\n\nRun kubectl rollout restart on the deployment.\n");
  const ParsedSkill parsed = read_skill(tmp / "cluster-ops");
  REQUIRE(parsed.skill.has_value());
  const std::vector<Skill> skills = {*parsed.skill, make_skill("other", "Unrelated things.")};

  const Router no_body(skills, RouterSettings{});
  CHECK(route(no_body, "kubectl").candidates.empty());

  const RouterSettings with_body = settings_from({{"ranking", {{"body_weight", 1.0}}}});
  // Bodies read from disk (none given)...
  const Router from_disk(skills, with_body);
  const RouteAnswer a = route(from_disk, "kubectl");
  REQUIRE(a.candidates.size() == 1);
  CHECK(a.candidates[0].skill == "cluster-ops");
  // ...or given in the skills' order.
  const Router given(skills, with_body, {"", "kubectl appears here instead"});
  const RouteAnswer b = route(given, "kubectl");
  REQUIRE(b.candidates.size() == 1);
  CHECK(b.candidates[0].skill == "other");
}

TEST_CASE("parse_router_settings: {} gives the defaults") {
  const RouterSettings s = parse_router_settings(json::object());
  const RouterSettings d;
  CHECK(s.skills_dir.empty());
  CHECK(s.threshold == doctest::Approx(0.14));
  CHECK(s.threshold == d.threshold);
  CHECK(s.top == 3);
  CHECK(s.score_scale == d.score_scale);
  CHECK(s.coverage_exponent == d.coverage_exponent);
  CHECK(s.index.weights.name == 3.0);
  CHECK(s.index.weights.description == 1.0);
  CHECK(s.index.weights.body == 0.0);
  CHECK(s.index.k1 == d.index.k1);
  CHECK(s.index.typo_correction);
  CHECK(s.index.compounds);
  CHECK(s.tokenizer.stem);
  CHECK(s.tokenizer.stop_words);
  CHECK(s.tokenizer.cjk_bigrams);
  CHECK(s.rules.empty());
  CHECK(s.tenants.empty());
  CHECK(s.disabled.empty());
  REQUIRE(s.glossary != nullptr);
  CHECK(s.glossary->empty());
  // No "skills" section at all, or not an object: defaults too.
  CHECK(parse_router_settings(json()).top == 3);
  CHECK(parse_router_settings({{"skills", 5}}).top == 3);
}

TEST_CASE("parse_router_settings: values from the router and glossary files") {
  const json config = {
      {"skills_dir", "/srv/skills"},
      {"skills",
       {{"router",
         {{"threshold", 0.3},
          {"top", 5},
          {"ranking",
           {{"name_weight", 2.5},
            {"description_weight", 1.5},
            {"body_weight", 0.5},
            {"k1", 1.5},
            {"b_name", 0.1},
            {"b_description", 0.6},
            {"b_body", 0.9},
            {"typo_correction", false},
            {"compounds", false},
            {"stemming", false},
            {"stop_words", false},
            {"cjk_bigrams", false},
            {"glossary_weight", 0.5},
            {"typo_weight", 0.6},
            {"unknown_cjk_weight", 0.4},
            {"score_scale", 4},
            {"coverage_exponent", 1}}},
          {"rules",
           {{{"name", "urgent"}, {"pattern", "^urgent"}, {"force", "pager"}},
            {{"pattern", "secret"}, {"forbid", "leaky"}, {"tenants", {"acme", "globex"}}}}},
          {"tenants", {{"acme", {{"allow", {"a", "b"}}, {"deny", {"c"}}}}}},
          {"disabled", {"old-skill"}}}},
        {"glossary", {{"terms", {{"回滚", "rollback"}, {"报告", {"report", "summary"}}}}}}}}};
  const RouterSettings s = parse_router_settings(config);
  CHECK(s.skills_dir == "/srv/skills");
  CHECK(s.threshold == doctest::Approx(0.3));
  CHECK(s.top == 5);
  CHECK(s.index.weights.name == doctest::Approx(2.5));
  CHECK(s.index.weights.description == doctest::Approx(1.5));
  CHECK(s.index.weights.body == doctest::Approx(0.5));
  CHECK(s.index.k1 == doctest::Approx(1.5));
  CHECK(s.index.b_name == doctest::Approx(0.1));
  CHECK(s.index.b_description == doctest::Approx(0.6));
  CHECK(s.index.b_body == doctest::Approx(0.9));
  CHECK_FALSE(s.index.typo_correction);
  CHECK_FALSE(s.index.compounds);
  CHECK_FALSE(s.tokenizer.stem);
  CHECK_FALSE(s.tokenizer.stop_words);
  CHECK_FALSE(s.tokenizer.cjk_bigrams);
  CHECK(s.index.glossary_weight == doctest::Approx(0.5));
  CHECK(s.index.typo_weight == doctest::Approx(0.6));
  CHECK(s.index.unknown_cjk_weight == doctest::Approx(0.4));
  CHECK(s.score_scale == doctest::Approx(4));
  CHECK(s.coverage_exponent == doctest::Approx(1));

  REQUIRE(s.rules.size() == 2);
  CHECK(s.rules[0].name == "urgent");
  CHECK(s.rules[0].pattern == "^urgent");
  CHECK(s.rules[0].action == RouteRule::Action::force);
  CHECK(s.rules[0].skill == "pager");
  CHECK(s.rules[0].tenants.empty());
  CHECK(std::regex_search("URGENT: page me", s.rules[0].compiled));  // case-insensitive
  CHECK_FALSE(std::regex_search("not urgent", s.rules[0].compiled));
  CHECK(s.rules[1].name == "router.rules[1]");  // unnamed: named after its place
  CHECK(s.rules[1].action == RouteRule::Action::forbid);
  CHECK(s.rules[1].skill == "leaky");
  CHECK(s.rules[1].tenants == std::vector<std::string>{"acme", "globex"});

  REQUIRE(s.tenants.count("acme") == 1);
  CHECK(s.tenants.at("acme").allow == std::set<std::string>{"a", "b"});
  CHECK(s.tenants.at("acme").deny == std::set<std::string>{"c"});
  CHECK(s.disabled == std::set<std::string>{"old-skill"});

  REQUIRE(s.glossary != nullptr);
  CHECK(s.glossary->size() == 2);
  const Tokenizer tok({}, s.glossary);
  std::vector<std::string> glossary_terms;
  for (const Token& t : tok.tokenize("报告回滚"))
    if (t.kind == TokenKind::glossary) glossary_terms.push_back(t.term);
  CHECK(glossary_terms ==
        std::vector<std::string>{"report", tok.normalise_word("summary"), "rollback"});
}

TEST_CASE("parse_router_settings: errors name the key") {
  const auto router = [](const json& r) { return json{{"skills", {{"router", r}}}}; };
  const auto rule = [&](const json& one) { return router({{"rules", json::array({one})}}); };

  std::string e = settings_error(rule({{"name", "r"}, {"pattern", "(["}, {"force", "x"}}));
  CHECK(contains(e, "'router.rules[0].pattern'"));
  CHECK(contains(e, "regular expression"));

  e = settings_error(rule({{"pattern", "a"}, {"force", "x"}, {"forbid", "y"}}));
  CHECK(contains(e, "'router.rules[0].force'"));
  CHECK(contains(e, "not both"));
  e = settings_error(rule({{"pattern", "a"}}));  // neither
  CHECK(contains(e, "'router.rules[0].force'"));
  e = settings_error(rule({{"force", "x"}}));
  CHECK(contains(e, "'router.rules[0].pattern'"));
  e = settings_error(router({{"rules", {{{"pattern", "a"}, {"force", "x"}}, "oops"}}}));
  CHECK(contains(e, "'router.rules[1]'"));

  CHECK(contains(settings_error(router({{"threshold", 1.5}})), "'router.threshold'"));
  CHECK(contains(settings_error(router({{"threshold", -0.1}})), "'router.threshold'"));
  CHECK(contains(settings_error(router({{"threshold", "high"}})), "'router.threshold'"));
  CHECK(contains(settings_error(router({{"top", 0}})), "'router.top'"));
  CHECK(contains(settings_error(router({{"ranking", {{"k1", -1}}}})), "'router.ranking.k1'"));
  CHECK(contains(settings_error(router({{"ranking", {{"stemming", "yes"}}}})),
                 "'router.ranking.stemming'"));
  CHECK(contains(settings_error(router({{"disabled", "old"}})), "'router.disabled'"));
  CHECK(contains(settings_error(router({{"tenants", {{"acme", {{"allow", {1}}}}}}})),
                 "'router.tenants.acme.allow'"));
  CHECK(contains(settings_error(router(5)), "'router'"));
  CHECK(contains(settings_error({{"skills", {{"glossary", {{"terms", {{"回滚", 3}}}}}}}}),
                 "'glossary.terms.回滚'"));

  // Within range at the edges: no error.
  CHECK(settings_error(router({{"threshold", 0}, {"top", 100}})).empty());
  CHECK(settings_error(router({{"threshold", 1}})).empty());
}

TEST_CASE("LiveCatalog: reloads when a skill is edited, added or removed") {
  TempDir tmp;
  const auto& root = tmp.path();
  write_skill(root, "invoice-export", "name: invoice-export\ndescription: Exports invoices.\n");
  write_skill(root, "monthly-report", "name: monthly-report\ndescription: Monthly sales report.\n");
  LiveCatalog catalog(root, RouterSettings{});
  CHECK(catalog.dir() == root);

  const std::shared_ptr<const CatalogState> first = catalog.current();
  REQUIRE(first != nullptr);
  CHECK(first->generation == 1);
  CHECK(first->invalid == 0);
  CHECK(first->findings.empty());
  CHECK(first->router->index().size() == 2);
  CHECK(top_skill(*first, "kubernetes cluster").empty());

  // Nothing changed: the same state.
  CHECK(catalog.current() == first);
  CHECK(catalog.current() == first);

  // A description edited.
  write_skill(root, "invoice-export",
              "name: invoice-export\ndescription: Exports invoices from the kubernetes cluster.\n");
  const std::shared_ptr<const CatalogState> edited = catalog.current();
  CHECK(edited != first);
  CHECK(edited->generation == 2);
  CHECK(top_skill(*edited, "kubernetes cluster") == "invoice-export");
  CHECK(catalog.current() == edited);
  // The state handed out before stays as it was.
  CHECK(top_skill(*first, "kubernetes cluster").empty());

  // A skill added.
  write_skill(root, "db-backup", "name: db-backup\ndescription: Backs up the postgres database.\n");
  const std::shared_ptr<const CatalogState> added = catalog.current();
  CHECK(added->generation == 3);
  CHECK(added->router->index().size() == 3);
  CHECK(top_skill(*added, "postgres database") == "db-backup");

  // The new skill's own folder is watched too.
  write_skill(root, "db-backup", "name: db-backup\ndescription: Backs up the mysql database.\n");
  const std::shared_ptr<const CatalogState> re_edited = catalog.current();
  CHECK(re_edited->generation == 4);
  CHECK(top_skill(*re_edited, "mysql") == "db-backup");
  CHECK(top_skill(*re_edited, "postgres").empty());

  // A skill removed.
  std::filesystem::remove_all(root / "monthly-report");
  const std::shared_ptr<const CatalogState> removed = catalog.current();
  CHECK(removed->generation == 5);
  CHECK(removed->router->index().size() == 2);
  const RouteAnswer after = removed->router->route(RouteRequest{"monthly sales report", "", 10});
  for (const Candidate& c : after.candidates) CHECK(c.skill != "monthly-report");

  // A skill broken: skipped and reported, the others still served.
  write_skill(root, "db-backup", "name: db-backup\n");
  const std::shared_ptr<const CatalogState> broken = catalog.current();
  CHECK(broken->generation == 6);
  CHECK(broken->invalid == 1);
  REQUIRE(broken->findings.size() == 1);
  CHECK(broken->findings[0].field == "description");
  CHECK(broken->router->index().size() == 1);
  CHECK(catalog.current() == broken);
}

TEST_CASE("LiveCatalog: a folder that cannot be read throws") {
  TempDir tmp;
  LiveCatalog catalog(tmp / "missing", RouterSettings{});
  CHECK_THROWS_AS(static_cast<void>(catalog.current()), std::runtime_error);
}
