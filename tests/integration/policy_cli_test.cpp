// agentsys policy check | log through the real binary, the real policy plugin and the
// repository's policy layers (config/policy/*.toml).
#include <doctest/doctest.h>

#include "cli_support.hpp"
#include "test_paths.h"

using namespace agentsys::cli_test;

namespace {

const std::string kRepoConfig = (fs::path(AGENTSYS_TEST_SOURCE_DIR) / "config").string();

Result check(const Cli& cli, const std::vector<std::string>& args) {
  std::vector<std::string> all = {"--config-dir", kRepoConfig, "policy", "check"};
  all.insert(all.end(), args.begin(), args.end());
  return cli(all);
}

}  // namespace

TEST_CASE("policy check answers allow with exit 0 and deny or needs_approval with exit 3") {
  Cli cli;
  Result r = check(cli, {"--kind", "sql", "--input",
                         "WITH d AS (DELETE FROM task_runs RETURNING *) SELECT * FROM d"});
  CHECK(r.exit_code == 3);
  CHECK(contains(r.out, "deny  (rule sql.data_modifying_cte)"));

  r = check(cli, {"--kind", "sql", "--input",
                  "SELECT tenant, count(*) FROM task_runs GROUP BY tenant", "--json"});
  CHECK(r.exit_code == 0);
  json allow = json::parse(r.out);
  CHECK(allow["decision"] == "allow");
  CHECK(allow["rule"] == "sql.read_only");
  CHECK(allow["reason"].is_string());

  r = check(cli, {"--kind", "command", "--input", "sh -c 'rm -rf /'", "--json"});
  CHECK(r.exit_code == 3);
  CHECK(json::parse(r.out)["rule"] == "command.inline_interpreter");

  r = check(cli, {"--kind", "path", "--input", "/etc/passwd", "--context", "write", "--json"});
  CHECK(r.exit_code == 3);
  CHECK(json::parse(r.out)["rule"] == "path.outside_roots");

  // High-risk actions need an approval in prod, not in dev.
  r = check(cli, {"--kind", "action", "--input", "publish", "--env", "prod", "--json"});
  CHECK(r.exit_code == 3);
  CHECK(json::parse(r.out)["decision"] == "needs_approval");
  r = check(cli, {"--kind", "action", "--input", "publish", "--env", "dev", "--json"});
  CHECK(r.exit_code == 0);
  CHECK(json::parse(r.out)["decision"] == "allow");
}

TEST_CASE("policy check: bad arguments are usage errors with exit 2 and one line") {
  Cli cli;
  Result r = check(cli, {"--kind", "bogus", "--input", "x"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "--kind must be one of command, path, sql, action, http; got 'bogus'"));
  CHECK(count_lines(r.err) == 1);
  r = check(cli, {"--kind", "path", "--input", "/tmp", "--context", "execute"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "--context for --kind path is read or write"));
  CHECK(check(cli, {"--kind", "sql"}).exit_code == 2);
  r = check(cli, {"--kind", "sql", "--input", "SELECT 1", "--env", "nowhere"});
  CHECK(r.exit_code == 2);
}

TEST_CASE("every decision is appended to the decision log, shown by policy log") {
  Cli cli;
  CHECK(check(cli, {"--kind", "sql", "--input", "DROP TABLE task_runs"}).exit_code == 3);
  CHECK(check(cli, {"--kind", "sql", "--input", "SELECT 1"}).exit_code == 0);
  json log = cli.json_of({"policy", "log", "--json"});
  REQUIRE(log.size() == 2);
  CHECK(log[0]["kind"] == "sql");
  CHECK(log[0]["decision"] == "deny");
  CHECK(log[0]["rule"] == "sql.not_select");
  CHECK(log[0]["input"]["sql"] == "DROP TABLE task_runs");
  CHECK(log[0]["input_digest"].get<std::string>().size() == 64);
  CHECK(log[1]["decision"] == "allow");
  Result r = cli({"policy", "log"});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "sql.not_select"));
  CHECK(contains(r.out, "2 decision(s)"));
  // No run has decisions yet; an empty state directory has an empty log.
  CHECK(cli.json_of({"policy", "log", "--run", "run_nothing", "--json"}).empty());
}

TEST_CASE("policy check --kind http decides like the other kinds: dev loopback, prod nothing") {
  Cli cli;
  Result r = check(cli, {"--kind", "http", "--input", "GET http://127.0.0.1:8080/x"});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "allow  (rule dev.http.loopback)"));

  r = check(cli, {"--kind", "http", "--input", "POST http://example.com/x", "--json"});
  CHECK(r.exit_code == 3);
  CHECK(json::parse(r.out)["rule"] == "http.not_allowlisted");

  r = check(cli, {"--kind", "http", "--input", "GET http://127.0.0.1:8080/x", "--env", "prod"});
  CHECK(r.exit_code == 3);

  r = check(cli, {"--kind", "http", "--input", "GET ftp://127.0.0.1/x"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "http or https"));
}
