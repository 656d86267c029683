// Layer merging (deny-overrides: a narrower layer can add denies and narrow allows, never
// widen), approvals per environment, default deny, and configuration problems (all of them, each
// with its source and field path).
#include <iterator>
#include <set>

#include "policy_test_support.hpp"

using namespace agentsys::policy;
using namespace agentsys::policy::test;

namespace {

json layer(const std::string& name, json document) {
  return {{"name", name}, {"source", "config/policy/" + name + ".toml"}, {"document", document}};
}

std::unique_ptr<Engine> build(json layers, json vars = json::object()) {
  Problems problems;
  auto e = Engine::build({{"vars", vars}, {"layers", layers}}, problems);
  REQUIRE_MESSAGE(e, problems.text());
  return e;
}

Decision path(const Engine& e, const std::string& p, Access a) {
  return e.decide(PathRequest{p, a, std::nullopt});
}

}  // namespace

TEST_CASE("policy layering: no layers deny every kind by default") {
  auto e = build(json::array());
  CHECK(e->decide(CommandRequest{{"true"}, {}, {}}).rule == "default.deny");
  CHECK(path(*e, "/tmp/x", Access::read).rule == "default.deny");
  CHECK(e->decide(SqlRequest{"SELECT 1", "read_only"}).rule == "default.deny");
  CHECK(e->decide(ActionRequest{"run", "demo"}).rule == "default.deny");
  // An empty layer says nothing either.
  auto empty = build(json::array({layer("base", json::object())}));
  CHECK(empty->decide(CommandRequest{{"true"}, {}, {}}).verdict == Verdict::deny);
}

TEST_CASE("policy layering: a later layer narrows roots but cannot widen them") {
  Sandbox s;
  const std::string root = s.root.string();
  auto e = build(json::array(
      {layer("base",
             {{"path",
               {{"allow",
                 {{{"id", "base.state"},
                   {"access", {"read", "write"}},
                   {"roots", {root + "/state"}}}}},
                {"deny", {{{"id", "base.no-output"}, {"roots", {root + "/state/output"}}}}}}}}),
       layer("prod", {{"path",
                       {{"allow",
                         {{{"id", "prod.runs"},
                           {"access", {"read", "write"}},
                           {"roots", {root + "/state/runs"}}},
                          // Tries to widen: /outside was never allowed, the output dir denied.
                          {{"id", "prod.widen"},
                           {"access", {"read", "write"}},
                           {"roots", {root + "/outside", root + "/state/output"}}}}}}}})}));
  // Narrowed: state/runs is allowed by both layers; the narrower layer's rule is reported.
  Decision d = path(*e, root + "/state/runs/run_1/x", Access::write);
  CHECK(d.verdict == Verdict::allow);
  CHECK(d.rule == "prod.runs");
  // Narrowed away: allowed by base, not by prod.
  d = path(*e, root + "/state/other.txt", Access::read);
  CHECK(d.rule == "path.outside_roots");
  CHECK(d.reason.find("layer 'prod'") != std::string::npos);
  // Widening attempts: the base layer does not allow /outside, and its deny still wins.
  CHECK(path(*e, root + "/outside/secret.txt", Access::read).rule == "path.outside_roots");
  CHECK(path(*e, root + "/state/output/r.csv", Access::write).rule == "base.no-output");
}

TEST_CASE("policy layering: commands, SQL tables and the search path only narrow") {
  auto e = build(json::array(
      {layer("base",
             {{"command",
               {{"path", {"/usr/bin", "/bin"}},
                {"env_allow", {"LANG", "TZ"}},
                {"allow",
                 {{{"id", "b.sleep"}, {"executable", "sleep"}, {"more_args", "[0-9]+"}},
                  {{"id", "b.true"}, {"executable", "true"}}}}}},
              {"sql",
               {{"contexts",
                 {{"read_only", {{"tables", {"a", "b"}}}},
                  {"read_write",
                   {{"mode", "read_write"}, {"tables", {"a"}}, {"write_tables", {"a"}}}}}}}}}),
       layer("module", {{"command",
                         {{"path", {"/usr/bin", "/opt/evil/bin"}},
                          {"env_allow", {"LANG", "EVIL"}},
                          {"allow",
                           {{{"id", "m.sleep"}, {"executable", "sleep"}, {"args", {"[0-5]"}}},
                            {{"id", "m.id"}, {"executable", "id"}}}},
                          {"deny", {{{"id", "m.no-true"}, {"executable", "true"}}}}}},
                        {"sql",
                         {{"contexts",
                           {{"read_only", {{"tables", {"b", "c"}}}},
                            {"read_write", {{"mode", "read_only"}}}}}}}})}));
  CHECK(e->decide(CommandRequest{{"sleep", "3"}, {}, {}}).rule == "m.sleep");
  CHECK(e->decide(CommandRequest{{"sleep", "30"}, {}, {}}).rule == "command.args_not_allowed");
  CHECK(e->decide(CommandRequest{{"true"}, {}, {}}).rule == "m.no-true");
  // The module layer allows id, but base never did: still not allowlisted.
  Decision d = e->decide(CommandRequest{{"id"}, {}, {}});
  CHECK(d.rule == "command.not_allowlisted");
  CHECK(d.reason.find("layer 'base'") != std::string::npos);
  d = e->decide(CommandRequest{{"sleep", "1"}, {{"LANG", "C"}, {"EVIL", "1"}, {"TZ", "UTC"}}, {}});
  REQUIRE(d.env);
  CHECK(*d.env == EnvList{{"LANG", "C"}, {"PATH", "/usr/bin"}});  // /opt/evil/bin was not added
  CHECK(d.env_dropped == std::vector<std::string>{"EVIL", "TZ"});
  // Tables intersect; read_write was narrowed to read_only.
  CHECK(e->decide(SqlRequest{"SELECT * FROM b", "read_only"}).verdict == Verdict::allow);
  CHECK(e->decide(SqlRequest{"SELECT * FROM a", "read_only"}).rule == "sql.table_not_allowed");
  CHECK(e->decide(SqlRequest{"SELECT * FROM c", "read_only"}).rule == "sql.table_not_allowed");
  CHECK(e->decide(SqlRequest{"UPDATE a SET x = 1 WHERE y", "read_write"}).rule == "sql.not_select");
  const json described = e->describe();
  CHECK(described["sql"]["contexts"]["read_only"]["tables"] == json::array({"b"}));
  CHECK(described["command"]["path"] == json::array({"/usr/bin"}));
}

TEST_CASE("policy layering: publish needs approval in prod, not in dev or staging") {
  Sandbox s;
  const ActionRequest publish{"publish", "report_orchestrator"};
  Decision prod = s.engine({"prod"})->decide(publish);
  CHECK(prod.verdict == Verdict::needs_approval);
  CHECK(prod.rule == "action.high_risk");
  for (const char* action : {"rollback", "bulk_write", "purge_outputs"}) {
    CHECK(s.engine({"prod"})->decide(ActionRequest{action, "report_orchestrator"}).verdict ==
          Verdict::needs_approval);
  }
  CHECK(s.engine({"prod"})->decide(ActionRequest{"bulk_write", "demo"}).rule ==
        "action.prod-no-demo-bulk-write");
  CHECK(s.engine({"prod"})->decide(ActionRequest{"render", "report_orchestrator"}).rule ==
        "action.allow");
  Decision dev = s.engine({"dev"})->decide(publish);
  CHECK(dev.verdict == Verdict::allow);
  CHECK(dev.rule == "action.allow");
  CHECK(s.engine({"staging"})->decide(publish).verdict == Verdict::allow);
  CHECK(s.engine({"staging"})->decide(ActionRequest{"bulk_write", "x"}).rule ==
        "action.staging-bulk-write");
  // A later layer cannot switch approvals off again.
  auto e = build(json::array({layer("prod", {{"action", {{"require_approval", true}}}}),
                              layer("module", {{"action", {{"require_approval", false}}}})}));
  CHECK(e->decide(publish).verdict == Verdict::needs_approval);
}

TEST_CASE("policy layering: prod narrows the shipped base policy") {
  Sandbox s;
  auto prod = s.engine({"prod"});
  CHECK(prod->decide(CommandRequest{{"sleep", "1"}, {}, {}}).rule == "command.not_allowlisted");
  const Decision script = prod->decide(CommandRequest{
      {"python3", (s.scripts / "report.py").string(), "--target-month", "202602"}, {}, {}});
  CHECK(script.verdict == Verdict::allow);
  CHECK(script.rule == "prod.cmd.python-legacy-scripts");
  CHECK(prod->decide(SqlRequest{"SELECT * FROM report_jobs", "read_only"}).rule ==
        "sql.table_not_allowed");
  CHECK(s.engine({"dev"})->decide(SqlRequest{"SELECT * FROM report_jobs", "read_only"}).verdict ==
        Verdict::allow);
}

TEST_CASE("policy layering: per-call placeholders and fixed vars") {
  Sandbox s;
  auto e = s.engine({"dev"});
  const std::string file = s.run.string() + "/out.csv";
  CHECK(e->decide(PathRequest{file, Access::write, {}}, {{"run_dir", s.run.string()}}).verdict ==
        Verdict::allow);
  // Without run_dir, the run directory grants nothing.
  CHECK(e->decide(PathRequest{file, Access::write, {}}).rule == "path.outside_roots");
  // A call cannot move a fixed placeholder (state_dir) elsewhere.
  CHECK_THROWS_AS(e->decide_json({{"kind", "path"},
                                  {"path", "/tmp/x"},
                                  {"access", "read"},
                                  {"vars", {{"state_dir", "/"}}}}),
                  RequestError);
}

TEST_CASE("policy validate: every problem, with its source and field path") {
  json bad_base{{"version", 1},
                {"command",
                 {{"allow",
                   {{{"executable", "python3"}},
                    {{"executable", "sleep"}, {"args", {"[0-9]+"}}},
                    {{"id", "cmd.x"}, {"executable", "echo"}, {"args", {"ok", "("}}}}},
                  {"colour", "blue"}}},
                {"path",
                 {{"allow",
                   {{{"id", "p1"},
                     {"access", {"read", "execute"}},
                     {"roots", {"relative/dir", "${nope}/x"}}}}}}}};
  json bad_prod{
      {"sql",
       {{"contexts", {{"read_only", {{"mode", "sometimes"}, {"deny_functions", {"Bad-Name"}}}}}}}},
      {"action", {{"deny", {{{"id", "cmd.x"}, {"actions", {"publish"}}}}}}}};
  const json config{{"layers", {layer("base", bad_base), layer("prod", bad_prod)}}};
  const json result = validate_config(config);
  REQUIRE(result["ok"] == false);
  std::set<std::string> seen;
  for (const auto& p : result["problems"]) {
    seen.insert(p["source"].get<std::string>() + " " + p["path"].get<std::string>() + " " +
                p["rule"].get<std::string>());
  }
  const std::set<std::string> expected{
      "config/policy/base.toml /command/colour unknown_field",
      "config/policy/base.toml /command/allow/2/args/1 regex",
      "config/policy/base.toml /path/allow/0/access/1 enum",
      "config/policy/base.toml /path/allow/0/roots/0 absolute_path",
      "config/policy/base.toml /path/allow/0/roots/1 placeholder",
      "config/policy/prod.toml /sql/contexts/read_only/mode enum",
      "config/policy/prod.toml /sql/contexts/read_only/deny_functions/0 function_name",
      "config/policy/prod.toml /action/deny/0/id duplicate_id"};
  CHECK(seen == expected);
  // on_create's message: one line per problem, "<source>: <field path>: <message>".
  Problems problems;
  CHECK_FALSE(Engine::build(config, problems));
  CHECK(problems.text().find(
            "config/policy/base.toml: command.allow[2].args[1]: invalid regex '(': missing )") !=
        std::string::npos);
  CHECK(validate_config({{"layers", {shipped_layer("base"), shipped_layer("prod")}}}) ==
        json{{"ok", true}});
}

TEST_CASE("policy validate: the envelope is checked too") {
  const json r =
      validate_config({{"layers", {{{"name", "base"}, {"document", {{"version", 2}}}}, 7}},
                       {"vars", {{"state_dir", 3}}},
                       {"extra", true}});
  REQUIRE(r["ok"] == false);
  CHECK(r["problems"].size() == 4);
}

TEST_CASE("policy: malformed decide requests are errors, not denies") {
  auto e = build(json::array());
  CHECK_THROWS_AS(e->decide_json({{"kind", "teleport"}}), RequestError);
  CHECK_THROWS_AS(e->decide_json({{"kind", "path"}, {"path", "/x"}}), RequestError);
  CHECK_THROWS_AS(e->decide_json({{"kind", "path"}, {"path", "/x"}, {"access", "exec"}}),
                  RequestError);
  CHECK_THROWS_AS(e->decide_json({{"kind", "command"}, {"argv", json::array()}}), RequestError);
  CHECK_THROWS_AS(e->decide_json({{"kind", "sql"}}), RequestError);
  CHECK_THROWS_AS(e->decide_json(json::array()), RequestError);
}

TEST_CASE("policy docs: the complete example in docs/policy.md is a valid document") {
  std::ifstream in(kSourceDir / "docs/policy.md");
  const std::string text{std::istreambuf_iterator<char>(in), {}};
  const size_t start = text.find("```toml\n");
  REQUIRE(start != std::string::npos);
  const size_t end = text.find("```", start + 8);
  REQUIRE(end != std::string::npos);
  auto parsed =
      agentsys::config::parse_toml(text.substr(start + 8, end - start - 8), "docs/policy.md");
  REQUIRE_MESSAGE(parsed.ok, parsed.error.message);
  const json result = validate_config(
      {{"vars", {{"state_dir", "/srv/var"}, {"repo_root", "/srv"}}},
       {"layers",
        {{{"name", "example"}, {"source", "docs/policy.md"}, {"document", parsed.document}}}}});
  CHECK_MESSAGE(result["ok"] == true, result.dump());
}
