// The skills domain through the real binary: `agentsys skills list|show|lint|route|eval` on the
// bundled skills and on folders the tests write, `agentsys run skill_router` on V1 and V2, a
// preflight error located in config/skills/, and the dual track: a shadow run over a request
// log with a planted disagreement, graded by the module's rules and labelled with the side
// that was right.
#include <doctest/doctest.h>

#include "cli_support.hpp"

using namespace agentsys::cli_test;

namespace {

const fs::path kBundled = fs::path(AGENTSYS_TEST_SOURCE_DIR) / "examples" / "skills" / "library";

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << text;
}

void skill(const fs::path& root, const std::string& name, const std::string& front_matter,
           const std::string& body = "# Steps\n\n1. Do it.\n") {
  write(root / name / "SKILL.md", "---\n" + front_matter + "---\n" + body);
}

std::vector<std::string> keys_of(const json& object) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : object.items()) keys.push_back(k);
  return keys;
}

}  // namespace

TEST_CASE("skills list and show: the bundled folder, JSON, a broken skill skipped with one line") {
  Cli cli;
  const json all = cli.json_of({"skills", "list", "--json"});
  CHECK(all["skills"].size() >= 40);
  CHECK(all["skipped"].empty());
  CHECK(all["skills_dir"] == kBundled.string());
  for (const json& s : all["skills"]) {
    CHECK(s["name"].is_string());
    CHECK(s["description"].is_string());
    CHECK_FALSE(s.contains("body"));  // progressive disclosure: the index holds no body
  }

  const fs::path dir = cli.dir() / "skills";
  skill(dir, "good-one", "name: good-one\ndescription: Exports the monthly invoices as CSV.\n");
  skill(dir, "Bad_Name", "name: Bad_Name\ndescription: broken on purpose\n");
  Result r = cli({"skills", "list", "--skills-dir", dir.string()});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(contains(r.out, "good-one"));
  CHECK(contains(r.out, "1 skill(s), 1 skipped"));
  CHECK(count_lines(r.err) == 1);
  CHECK(contains(r.err, "skipped " + (dir / "Bad_Name" / "SKILL.md").string() + ": name: "));

  r = cli({"skills", "show", "good-one", "--skills-dir", dir.string()});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(contains(r.out, "name:          good-one"));
  CHECK(contains(r.out, "# Steps"));
  const json shown =
      cli.json_of({"skills", "show", "good-one", "--skills-dir", dir.string(), "--json"});
  CHECK(shown["body"] == "# Steps\n\n1. Do it.\n");

  r = cli({"skills", "show", "no-such-skill", "--skills-dir", dir.string()});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "no skill 'no-such-skill'"));
  r = cli({"skills", "list", "--skills-dir", (cli.dir() / "missing").string()});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "is not a folder"));
}

TEST_CASE("skills lint: FILE:LINE: FIELD: message, exit 1 on an invalid skill, --strict") {
  Cli cli;
  const fs::path dir = cli.dir() / "lint";
  skill(dir, "fine", "name: fine\ndescription: A fine skill.\n");
  skill(dir, "renamed", "name: other-name\ndescription: Loads with a warning.\n");
  Result r = cli({"skills", "lint", dir.string()});
  CHECK(r.exit_code == 0);  // warnings only
  CHECK(contains(r.out, (dir / "renamed" / "SKILL.md").string() + ":2: name: warning: "));
  CHECK(contains(r.out, "2 skill(s): 2 valid, 0 invalid, 1 warning(s)"));
  CHECK(cli({"skills", "lint", dir.string(), "--strict"}).exit_code == 1);

  skill(dir, "no-description", "name: no-description\nlicense: MIT\n");
  r = cli({"skills", "lint", dir.string()});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.out,
                 (dir / "no-description" / "SKILL.md").string() + ":2: description: is required"));
  const json doc = cli.json_of({"skills", "lint", dir.string(), "--json"}, 1);
  CHECK(doc["invalid"] == 1);
  CHECK(doc["valid"] == 2);

  r = cli({"skills", "lint", kBundled.string(), "--strict"});
  CHECK_MESSAGE(r.exit_code == 0, r.out);
}

TEST_CASE("skills route: the JSON contract, Chinese, no skill, --top and usage errors") {
  Cli cli;
  const json a = cli.json_of({"skills", "route",
                              "the image vendor keeps timing out, fail over to the backup provider",
                              "--json"});
  CHECK(keys_of(a) == std::vector<std::string>{"candidates", "confidence", "skill"});
  CHECK(a["skill"] == "image-provider-failover");
  REQUIRE(a["candidates"].size() == 3);
  CHECK(keys_of(a["candidates"][0]) == std::vector<std::string>{"score", "skill", "why"});
  CHECK(contains(a["candidates"][0]["why"].get<std::string>(), "matched "));

  const json zh = cli.json_of({"skills", "route", "帮我回滚上次的切换，V2 出问题了", "--json"});
  CHECK(zh["skill"] == "migration-rollback");

  const json none = cli.json_of(
      {"skills", "route", "book me a table for two at an italian restaurant", "--json"});
  CHECK(none["skill"].is_null());

  const json five = cli.json_of({"skills", "route", "monthly report", "--top", "5", "--json"});
  CHECK(five["candidates"].size() == 5);

  Result r = cli({"skills", "route", "x", "--top", "0"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "--top expects a whole number in 1..100"));
  r = cli({"skills", "route"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "TEXT is required"));
  r = cli({"skills", "route", "--bogus"});
  CHECK(r.exit_code == 2);
  r = cli({"skills", "route", "--help"});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "Usage: agentsys skills route"));
}

TEST_CASE("skills eval: exactly the documented keys, per query, and a located bad line") {
  Cli cli;
  const fs::path queries = cli.dir() / "q.jsonl";
  write(queries,
        "{\"query\": \"roll back the cutover, V2 broke the reports\", \"expected\": "
        "\"migration-rollback\"}\n"
        "# a comment\n\n"
        "{\"query\": \"write me a sonnet about autumn\", \"expected\": null}\n");
  const json e = cli.json_of({"skills", "eval", "--queries", queries.string(), "--json"});
  CHECK(keys_of(e) == std::vector<std::string>{"mrr", "n", "no_skill_precision", "no_skill_recall",
                                               "per_query", "top1_accuracy", "top3_recall"});
  CHECK(e["n"] == 2);
  CHECK(e["top1_accuracy"] == 1.0);
  CHECK(e["per_query"][0]["rank"] == 1);
  CHECK(e["per_query"][1]["got"].is_null());
  CHECK(keys_of(e["per_query"][0]) == std::vector<std::string>{"expected", "got", "query", "rank"});

  write(queries, "{\"query\": \"fine\", \"expected\": null}\n{\"query\": 3}\n");
  Result r = cli({"skills", "eval", "--queries", queries.string()});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, queries.string() + ":2: 'query' must be a non-empty string"));

  // The bundled labelled set: it exits 0 whatever the score.
  r = cli({"skills", "eval", "--queries",
           (fs::path(AGENTSYS_TEST_SOURCE_DIR) / "examples/skills/queries.jsonl").string()});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "top-1 accuracy: "));
}

TEST_CASE("run skill_router: V1 (the legacy keyword script) and V2 answer in the module's shape") {
  Cli cli;
  const std::string input =
      R"({"request": "the image vendor keeps timing out, fail over to the backup provider"})";
  Result v1 = cli({"run", "skill_router", "--input", input, "--json"});
  REQUIRE_MESSAGE(v1.exit_code == 0, v1.err);
  const json r1 = json::parse(v1.out);
  CHECK(r1["output"]["impl"] == "v1");
  CHECK(r1["output"]["skill"] == "image-generation");  // first keyword wins: "image"
  Result v2 = cli(
      {"run", "skill_router", "--set", "modules.skill_router.mode=v2", "--input", input, "--json"});
  REQUIRE_MESSAGE(v2.exit_code == 0, v2.err);
  const json r2 = json::parse(v2.out);
  CHECK(r2["output"]["impl"] == "v2");
  CHECK(r2["output"]["skill"] == "image-provider-failover");
  CHECK(r2["output"]["key_fields"]["rows"][0]["skill"] == "image-provider-failover");

  Result bad =
      cli({"run", "skill_router", "--set", "modules.skill_router.mode=v2", "--input", "{}"});
  CHECK(bad.exit_code != 0);
  CHECK(contains(bad.err, "'request' is required"));
}

TEST_CASE("skills preflight: a bad rule in config/skills/ is located at its file and line") {
  Cli cli;
  const fs::path config = cli.dir() / "config";
  fs::copy(fs::path(AGENTSYS_TEST_SOURCE_DIR) / "config", config, fs::copy_options::recursive);
  write(config / "skills" / "extra.toml",
        "# an operator's rules\n\n[[rules]]\nname = \"broken\"\npattern = \"(unclosed\"\nforce = "
        "\"shadow-run\"\n");
  Result r = cli({"--config-dir", config.string(), "preflight"});
  CHECK(r.exit_code == 1);
  const std::string all = r.out + r.err;
  CHECK_MESSAGE(contains(all, "config/skills/extra.toml:5"), all);
  CHECK(contains(all, "a valid ECMAScript regular expression"));
}

TEST_CASE("skills dual track: a shadow run over a request log labels which side was right") {
  Cli cli;
  const fs::path log = cli.dir() / "requests.jsonl";
  // r1: both pick the same skill; r2: the planted disagreement (V1's first keyword "image"
  // is wrong, V2 is right); r3: V1 right by keyword, V2 too.
  write(log,
        "{\"id\": \"r1\", \"request\": \"tenant cost jumped, why?\", \"expected\": "
        "\"tenant-cost-report\"}\n"
        "{\"id\": \"r2\", \"request\": \"the image vendor keeps timing out, fail over to the "
        "backup provider\", "
        "\"expected\": \"image-provider-failover\"}\n"
        "{\"id\": \"r3\", \"request\": \"book me a flight to tokyo\", \"expected\": null}\n");
  Result r = cli.script("scripts/migration/v2_shadow_run.sh",
                        {"--target-month", "202602", "--domain", "skills", "--set",
                         "modules.skill_router.migration.cases_file=" + log.string(), "--json"});
  REQUIRE_MESSAGE(r.exit_code <= 1, r.err);
  const fs::path dir = cli.state_dir() / "reconcile" / "202602" / "skill_router";
  const std::vector<std::string> lines = lines_of(slurp(dir / "runs.jsonl"));
  REQUIRE(lines.size() == 3);
  std::map<std::string, int> right;
  int warn = 0;
  for (const std::string& l : lines) {
    const json line = json::parse(l);
    REQUIRE(line.contains("truth"));
    ++right[line["truth"]["right"].get<std::string>()];
    warn += line["differences"]["warn"].get<int>();
    CHECK(line["differences"]["block"] == 0);
  }
  CHECK(right["both"] == 2);
  CHECK(right["v2"] == 1);
  CHECK(warn == 1);  // graded warn by the module's rule routing_disagreement
  const std::string summary = slurp(dir / "summary.md");
  CHECK(contains(summary, "Labelled pairs: 3; right: both 2, only V1 0, only V2 1, neither 0"));

  // The other two of the plan's commands take the domain too.
  r = cli.script("scripts/migration/v2_cutover.sh",
                 {"--target-month", "202602", "--domain", "skills", "--percent", "20"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.out << r.err);
  CHECK(contains(r.out, "skill_router: shadow -> cutover 20%"));
  r = cli.script("scripts/migration/v2_rollback.sh",
                 {"--target-month", "202602", "--domain", "skills", "--reason", "output_mismatch"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.out << r.err);
  CHECK(contains(r.out, "rolled back skill_router to V1"));
  for (const json& m : cli.json_of({"module", "list", "--json"})) {
    if (m["module"] == "skill_router") CHECK(m["mode"] == "v1");
  }
}
