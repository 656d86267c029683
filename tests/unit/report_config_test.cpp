// Report definitions as configuration: the shipped reports hold their schema and the checks
// preflight adds, appear in the effective configuration under /reports/NAME, and their SQL is
// allowed by the shipped policy (parsed with the PostgreSQL parser).
#include <doctest/doctest.h>

#include "checks/report_checks.hpp"
#include "config/config_loader.hpp"
#include "config/config_paths.hpp"
#include "config_test_support.hpp"
#include "policy_test_support.hpp"
#include "util/sha256.hpp"

using namespace agentsys::config;
using agentsys::test::ConfigDir;
using agentsys::test::kRepoConfigDir;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kShipped = {"ops_monthly", "skill_usage", "tenant_cost"};

EffectiveConfig load_dir(const fs::path& dir, std::vector<Problem>& problems,
                         std::vector<std::string> overrides = {}) {
  return load_config(agentsys::test::reports_request(dir, std::move(overrides)), problems);
}

std::string rules_of(const std::vector<Problem>& problems) {
  std::string out;
  for (const Problem& p : problems) out += p.rule + " " + p.path + ": " + p.message + "\n";
  return out;
}

const char* kValidReport = R"(name = "r"
title = "R"
schedule = "0 6 1 * *"
key_fields = ["module"]
value_fields = ["runs"]
outputs = ["csv"]

[[queries]]
name = "q"
params = ["month_start", "next_month_start"]
sql = "SELECT module FROM task_runs WHERE started_at >= $1 AND started_at < $2"

[transform]
group_by = ["module"]
metrics = [{ name = "runs", op = "count" }]
)";

}  // namespace

TEST_CASE("reports: the shipped definitions load under /reports/NAME without problems") {
  std::vector<Problem> problems;
  EffectiveConfig c = load_dir(kRepoConfigDir, problems);
  agentsys::test::check_reports_domain(c, problems);
  CHECK_MESSAGE(problems.empty(), rules_of(problems));
  for (const std::string& name : kShipped) {
    CAPTURE(name);
    json report = c.value("/reports/" + name);
    REQUIRE(report.is_object());
    CHECK(report["name"] == name);
    // Located in its file, at its line (the file is the layer, the stem the key).
    std::string file = display_path(kRepoConfigDir / "reports" / (name + ".toml"));
    CHECK(c.source_of("/reports/" + name + "/name").rfind(file + ":", 0) == 0);
    CHECK(c.source_of("/reports/" + name + "/transform/group_by") !=
          c.source_of("/reports/" + name + "/name"));
    CHECK(agentsys::reports::checks::report_rule_version(report).size() == 16);
  }
  CHECK(c.value("/reports/tenant_cost/queries").size() == 2);
}

TEST_CASE("reports: the rule version is the SHA-256 of the sorted, compact JSON") {
  json d = json::parse(R"({"b": [1, "x\ny"], "a": {"d": true, "c": "é"}})");
  CHECK(d.dump() == "{\"a\":{\"c\":\"é\",\"d\":true},\"b\":[1,\"x\\ny\"]}");
  CHECK(agentsys::reports::checks::report_rule_version(d) ==
        agentsys::sha256_hex(d.dump()).substr(0, 16));
}

TEST_CASE("reports: schema and cross-field checks name the file, line and rule") {
  ConfigDir dir;
  dir.write("env/dev.toml", "");
  dir.write("reports/r.toml", kValidReport);
  std::vector<Problem> problems;
  EffectiveConfig ok = load_dir(dir.path(), problems);
  agentsys::test::check_reports_domain(ok, problems);
  CHECK_MESSAGE(problems.empty(), rules_of(problems));

  // Wrong name, blank SQL, unused/missing placeholders, bad metric references and fields.
  dir.write("reports/wrong.toml", R"(name = "other"
title = "W"
schedule = "0 6 1 * *"
key_fields = ["tenant_id"]
value_fields = ["runs", "nothing"]
outputs = ["csv"]

[[queries]]
name = "q"
params = []
sql = "   "

[[queries]]
name = "q"
params = ["month_start"]
sql = "SELECT module FROM task_runs WHERE started_at >= $1 AND started_at < $2"

[transform]
group_by = ["module"]
metrics = [
  { name = "rate", op = "ratio", of = ["runs", "runs"] },
  { name = "runs", op = "count" },
  { name = "module", op = "count" },
]
)");
  problems.clear();
  EffectiveConfig c = load_dir(dir.path(), problems);
  REQUIRE_MESSAGE(problems.empty(), rules_of(problems));  // the schema is fine with it
  agentsys::test::check_reports_domain(c, problems);
  std::string text = rules_of(problems);
  CHECK(text.find("report.name /reports/wrong/name") != std::string::npos);
  CHECK(text.find("report.query_sql /reports/wrong/queries/0/sql") != std::string::npos);
  CHECK(text.find("report.query_name /reports/wrong/queries/1/name") != std::string::npos);
  CHECK(text.find("report.params /reports/wrong/queries/1/params: the SQL uses placeholders "
                  "{1, 2} but params lists 1 value") != std::string::npos);
  CHECK(text.find("report.metric /reports/wrong/transform/metrics/0/of: metric 'rate' uses "
                  "'runs', which is not a metric defined before it") != std::string::npos);
  CHECK(text.find("report.metric /reports/wrong/transform/metrics/2/name") != std::string::npos);
  CHECK(text.find("report.fields /reports/wrong/key_fields: key field 'tenant_id'") !=
        std::string::npos);
  CHECK(text.find("value field 'nothing' is not a metric") != std::string::npos);
  for (const Problem& p : problems) {
    CAPTURE(p.message);
    CHECK(p.file == display_path(dir.path() / "reports/wrong.toml"));
    CHECK(p.line > 0);
  }

  // Schema: unknown op, a float, a percentile without p, a bad schedule.
  dir.write("reports/wrong.toml", R"(name = "wrong"
title = "W"
schedule = "at six"
key_fields = ["module"]
value_fields = ["p"]
outputs = ["csv", "pdf"]

[[queries]]
name = "q"
params = ["month_start"]
sql = "SELECT 1"

[transform]
group_by = ["module"]
metrics = [{ name = "p", op = "percentile", field = "latency_ms" },
           { name = "x", op = "median", field = "latency_ms" },
           { name = "y", op = "percentile", field = "latency_ms", p = 99.5 }]
)");
  problems.clear();
  load_dir(dir.path(), problems);
  text = rules_of(problems);
  CHECK(text.find("schema.pattern /schedule") != std::string::npos);
  CHECK(text.find("/outputs/1") != std::string::npos);
  CHECK(text.find("/transform/metrics/0") != std::string::npos);  // p is required
  CHECK(text.find("schema.enum /transform/metrics/1/op") != std::string::npos);
  CHECK(text.find("schema.type /transform/metrics/2/p") != std::string::npos);
}

TEST_CASE("reports: --set reaches a report and is checked against the report schema") {
  std::vector<Problem> problems;
  EffectiveConfig c = load_dir(kRepoConfigDir, problems, {"reports.ops_monthly.title=Ops"});
  CHECK_MESSAGE(problems.empty(), rules_of(problems));
  CHECK(c.value("/reports/ops_monthly/title") == "Ops");
  CHECK(c.source_of("/reports/ops_monthly/title") == "--set");
  problems.clear();
  load_dir(kRepoConfigDir, problems, {"reports.ops_monthly.outputs=[\"pdf\"]"});
  CHECK(rules_of(problems).find("schema.enum /reports/ops_monthly/outputs/0") != std::string::npos);
}

TEST_CASE("reports: every shipped query is allowed by the shipped policy (read_only)") {
  using agentsys::policy::Decision;
  using agentsys::policy::SqlRequest;
  using agentsys::policy::Verdict;
  agentsys::policy::test::Sandbox s;
  std::vector<Problem> problems;
  EffectiveConfig c = load_dir(kRepoConfigDir, problems);
  for (const char* env : {"dev", "staging", "prod"}) {
    auto engine = s.engine({env});
    for (const std::string& name : kShipped) {
      for (const json& q : c.value("/reports/" + name + "/queries")) {
        CAPTURE(env);
        CAPTURE(name);
        Decision d = engine->decide(SqlRequest{q["sql"].get<std::string>(), "read_only"});
        CHECK_MESSAGE(d.verdict == Verdict::allow, (d.rule + ": " + d.reason));
      }
    }
  }
}
