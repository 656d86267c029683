// The legacy (V1) report scripts against a database made by the real `agentsys sample
// generate`: their figures are checked against ones computed here independently (SQL on the
// database, our own percentile), their V1 quirks are what examples/legacy/README.md says, and
// bad input gives exit 2, runtime failures exit 1.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cmath>
#include <map>
#include <regex>

#include "checks/report_checks.hpp"
#include "cli_support.hpp"
#include "config/toml_to_json.hpp"
#include "store/sqlite.hpp"
#include "test_paths.h"

using namespace agentsys::cli_test;
namespace sqlite = agentsys::sqlite;

namespace {

const fs::path kSource = AGENTSYS_TEST_SOURCE_DIR;
const fs::path kScripts = kSource / "examples" / "legacy" / "scripts";

/// Runs `python3 SCRIPT ARGS...` to completion in `dir`.
Result python(const fs::path& dir, const std::string& script,
              const std::vector<std::string>& args) {
  std::string cmd = "cd " + quote(dir.string()) + " && PYTHONDONTWRITEBYTECODE=1 exec python3 " +
                    quote((kScripts / script).string());
  for (const auto& a : args) cmd += " " + quote(a);
  fs::path out = dir / "py_stdout.txt";
  fs::path err = dir / "py_stderr.txt";
  cmd += " >" + quote(out.string()) + " 2>" + quote(err.string()) + " </dev/null";
  int status = std::system(cmd.c_str());
  Result r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

/// A small sample database (2 months x 2000 runs) made with the real CLI, and a scratch dir.
struct Fixture {
  Cli cli{false};
  fs::path db = cli.dir() / "ops.db";
  fs::path out = cli.dir() / "out";
  Fixture() {
    Result r = cli({"sample", "generate", "--db", db.string(), "--end-month", "202602", "--months",
                    "2", "--rows-per-month", "2000", "--seed", "11"});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  }
  Result orchestrate(const std::string& report, const std::string& month = "202602") const {
    return python(cli.dir(), "report_orchestrator.py",
                  {"--report", report, "--target-month", month, "--db", db.string(), "--out-dir",
                   out.string(), "--config-dir", (kSource / "config").string()});
  }
};

std::vector<std::string> split(const std::string& line) {
  REQUIRE(line.find('"') == std::string::npos);  // nothing in our data needs CSV quoting
  std::vector<std::string> cells;
  std::string cell;
  for (char c : line) {
    if (c == ',') {
      cells.push_back(cell);
      cell.clear();
    } else {
      cell.push_back(c);
    }
  }
  cells.push_back(cell);
  return cells;
}

struct Csv {
  std::vector<std::string> header;
  std::vector<std::map<std::string, std::string>> rows;
};

Csv read_csv(const fs::path& file) {
  Csv csv;
  std::vector<std::string> lines = lines_of(slurp(file));
  REQUIRE(!lines.empty());
  csv.header = split(lines[0]);
  for (size_t i = 1; i < lines.size(); ++i) {
    std::vector<std::string> cells = split(lines[i]);
    REQUIRE(cells.size() == csv.header.size());
    std::map<std::string, std::string> row;
    for (size_t c = 0; c < cells.size(); ++c) row[csv.header[c]] = cells[c];
    csv.rows.push_back(row);
  }
  return csv;
}

/// V1's percentile, written again here: linear interpolation between closest ranks.
double linear_percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  double h = static_cast<double>(v.size() - 1) * p / 100;
  auto lo = static_cast<size_t>(std::floor(h));
  size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (h - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

/// V2's percentile (docs/reports.md): the ceil(p/100 * n)-th smallest value.
double nearest_rank(std::vector<double> v, int p) {
  std::sort(v.begin(), v.end());
  size_t rank = std::max<size_t>(1, (static_cast<size_t>(p) * v.size() + 99) / 100);
  return v[rank - 1];
}

bool close(const std::string& text, double expected) {
  double got = std::stod(text);
  return std::fabs(got - expected) <= 1e-9 * std::max(1.0, std::fabs(expected));
}

std::string rule_version_of(const std::string& report) {
  auto parsed = agentsys::config::parse_toml_file(
      kSource / "config" / "reports" / (report + ".toml"), report);
  REQUIRE(parsed.ok);
  return agentsys::reports::checks::report_rule_version(parsed.document);
}

const std::regex kIsoSeconds(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$)");

/// The V1 order: by the first value field, largest first.
void check_descending(const Csv& csv, const std::string& field) {
  for (size_t i = 1; i < csv.rows.size(); ++i) {
    const std::string& a = csv.rows[i - 1].at(field);
    const std::string& b = csv.rows[i].at(field);
    if (b.empty()) continue;
    CHECK(std::stod(a) >= std::stod(b));
  }
}

}  // namespace

TEST_CASE("legacy: ops_monthly matches SQL and linear-interpolation percentiles") {
  Fixture f;
  Result r = f.orchestrate("ops_monthly");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  json summary = json::parse(r.out);
  CHECK(summary["report"] == "ops_monthly");
  CHECK(summary["target_month"] == "202602");
  CHECK(summary["status"] == "ok");
  CHECK(summary["rows"] == 3);
  CHECK(summary["rule_version"] == rule_version_of("ops_monthly"));
  fs::path csv_file = f.out / "ops_monthly_202602.csv";
  CHECK(summary["outputs"] ==
        json::array({csv_file.string(), (f.out / "ops_monthly_202602.md").string()}));

  Csv csv = read_csv(csv_file);
  CHECK(csv.header == std::vector<std::string>{"module", "runs", "success_rate", "p50_latency_ms",
                                               "p95_latency_ms", "total_cost_usd", "generated_at"});
  check_descending(csv, "runs");

  sqlite::Database db(f.db, false);
  const char* where =
      "started_at >= '2026-02-01T00:00:00.000Z' AND started_at < "
      "'2026-03-01T00:00:00.000Z'";
  bool some_repr = false;
  bool percentile_methods_differ = false;
  int64_t total_runs = 0;
  for (const auto& row : csv.rows) {
    const std::string module = row.at("module");
    CAPTURE(module);
    CHECK(std::regex_match(row.at("generated_at"), kIsoSeconds));
    sqlite::Statement s = db.prepare(fmt::format(
        "SELECT count(*), sum(status = 'succeeded'), sum(cost_usd) FROM task_runs WHERE {} AND "
        "module = ?1",
        where));
    s.bind(1, module);
    REQUIRE(s.step());
    int64_t runs = s.column_int(0);
    total_runs += runs;
    CHECK(row.at("runs") == std::to_string(runs));
    CHECK(close(row.at("success_rate"),
                static_cast<double>(s.column_int(1)) / static_cast<double>(runs)));
    CHECK(close(row.at("total_cost_usd"), s.column_double(2)));
    some_repr = some_repr || row.at("success_rate").size() > 8;  // repr, not 4 decimals

    std::vector<double> latencies;
    sqlite::Statement l =
        db.prepare(fmt::format("SELECT latency_ms FROM task_runs WHERE {} AND module = ?1", where));
    l.bind(1, module);
    while (l.step()) latencies.push_back(static_cast<double>(l.column_int(0)));
    CHECK(close(row.at("p50_latency_ms"), linear_percentile(latencies, 50)));
    CHECK(close(row.at("p95_latency_ms"), linear_percentile(latencies, 95)));
    // Floats even for whole numbers: "812.0", the V1 spelling.
    CHECK(row.at("p50_latency_ms").find('.') != std::string::npos);
    percentile_methods_differ = percentile_methods_differ ||
                                std::stod(row.at("p95_latency_ms")) != nearest_rank(latencies, 95);
    // The documented bound: V2's value is one of the two values V1 interpolated between.
    for (int p : {50, 95}) {
      std::vector<double> sorted = latencies;
      std::sort(sorted.begin(), sorted.end());
      auto lo = static_cast<size_t>(std::floor(static_cast<double>(sorted.size() - 1) * p / 100));
      double v2 = nearest_rank(latencies, p);
      CHECK((v2 == sorted[lo] || v2 == sorted[std::min(lo + 1, sorted.size() - 1)]));
    }
  }
  CHECK(total_runs == 2000);
  CHECK(some_repr);
  CHECK(percentile_methods_differ);  // the documented V1/V2 computational difference shows

  std::string md = slurp(f.out / "ops_monthly_202602.md");
  CHECK(contains(md, "# Monthly operations by module — 2026-02"));
  CHECK(contains(md, "rule version `" + rule_version_of("ops_monthly") + "`"));
  CHECK(contains(md, "| module | runs | success_rate |"));
}

TEST_CASE("legacy: skill_usage and tenant_cost match SQL") {
  Fixture f;
  REQUIRE(f.orchestrate("skill_usage").exit_code == 0);
  Result r = f.orchestrate("tenant_cost");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(json::parse(r.out)["rule_version"] == rule_version_of("tenant_cost"));
  sqlite::Database db(f.db, false);

  Csv skills = read_csv(f.out / "skill_usage_202602.csv");
  CHECK(skills.header == std::vector<std::string>{"skill", "runs", "tenants", "success_rate",
                                                  "avg_tokens_out", "generated_at"});
  check_descending(skills, "runs");
  sqlite::Statement s = db.prepare(
      "SELECT s.skill, count(*), count(DISTINCT t.tenant_id), sum(t.status = 'succeeded'), "
      "avg(s.tokens_out) FROM skill_runs s JOIN task_runs t USING (run_id) WHERE t.started_at "
      ">= '2026-02-01T00:00:00.000Z' AND t.started_at < '2026-03-01T00:00:00.000Z' GROUP BY "
      "s.skill");
  size_t groups = 0;
  while (s.step()) {
    ++groups;
    std::string skill = s.column_text(0);
    CAPTURE(skill);
    auto row = std::find_if(skills.rows.begin(), skills.rows.end(),
                            [&](const auto& x) { return x.at("skill") == skill; });
    REQUIRE(row != skills.rows.end());
    CHECK(row->at("runs") == std::to_string(s.column_int(1)));
    CHECK(row->at("tenants") == std::to_string(s.column_int(2)));
    CHECK(close(row->at("success_rate"),
                static_cast<double>(s.column_int(3)) / static_cast<double>(s.column_int(1))));
    if (s.column_is_null(4)) {
      CHECK(row->at("avg_tokens_out").empty());
    } else {
      CHECK(close(row->at("avg_tokens_out"), s.column_double(4)));
    }
  }
  CHECK(groups == skills.rows.size());

  Csv costs = read_csv(f.out / "tenant_cost_202602.csv");
  CHECK(costs.header == std::vector<std::string>{"tenant_id", "tenant_name", "cost_this_month",
                                                 "cost_prev_month", "mom_change_pct",
                                                 "generated_at"});
  check_descending(costs, "cost_this_month");
  std::map<std::string, std::pair<double, double>> expected;  // tenant -> (this, previous)
  sqlite::Statement c = db.prepare(
      "SELECT tenant_id, substr(started_at, 1, 7), sum(cost_usd) FROM task_runs WHERE "
      "started_at >= '2026-01-01T00:00:00.000Z' AND started_at < '2026-03-01T00:00:00.000Z' "
      "GROUP BY 1, 2");
  while (c.step()) {
    auto& e = expected[c.column_text(0)];
    (c.column_text(1) == "2026-02" ? e.first : e.second) = c.column_double(2);
  }
  CHECK(costs.rows.size() == expected.size());
  for (const auto& row : costs.rows) {
    const std::string tenant = row.at("tenant_id");
    CAPTURE(tenant);
    REQUIRE(expected.count(tenant) == 1);
    auto [now, before] = expected[tenant];
    CHECK(close(row.at("cost_this_month"), now));
    CHECK(close(row.at("cost_prev_month"), before));
    if (before == 0) {
      CHECK(row.at("mom_change_pct").empty());
    } else {
      CHECK(close(row.at("mom_change_pct"), (now - before) / before * 100));
    }
  }
  CHECK(costs.rows.front().at("tenant_name") == "Acme Logistics");  // the heaviest tenant
}

TEST_CASE("legacy: the scheduler runs every due report and keeps a ledger, remediation re-runs") {
  Fixture f;
  // A configuration with the shipped reports plus one whose SQL fails at run time.
  fs::path config = f.cli.dir() / "config";
  fs::create_directories(config);
  fs::copy(kSource / "config" / "reports", config / "reports");
  std::string broken = slurp(kSource / "config" / "reports" / "ops_monthly.toml");
  broken.replace(broken.find("name = \"ops_monthly\""), 20, "name = \"zz_broken\"");
  std::string fixed = broken;
  broken.replace(broken.find("SELECT run_id,"), 14, "SELECT no_such_column,");
  std::ofstream(config / "reports" / "zz_broken.toml") << broken;

  auto schedule = [&](std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--target-month", "202602",       "--db",
                                     f.db.string(),    "--out-dir",    f.out.string(),
                                     "--config-dir",   config.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return python(f.cli.dir(), "report_scheduler.py", args);
  };
  Result r = schedule();
  CHECK(r.exit_code == 1);
  json summary = json::parse(r.out);
  CHECK(summary["status"] == "failed");
  REQUIRE(summary["jobs"].size() == 4);
  json ledger = json::parse(slurp(f.out / "ledger.json"));
  REQUIRE(ledger["jobs"].size() == 4);
  for (const json& job : ledger["jobs"]) {
    CAPTURE(job.dump());
    CHECK(job["month"] == "202602");
    CHECK(job["attempts"] == 1);
    if (job["report"] == "zz_broken") {
      CHECK(job["status"] == "failed");
      CHECK(contains(job["error"].get<std::string>(), "no such column: no_such_column"));
    } else {
      CHECK(job["status"] == "succeeded");
      CHECK(job["error"].is_null());
      CHECK(fs::exists(f.out / (job["report"].get<std::string>() + "_202602.csv")));
    }
  }

  // Succeeded jobs are not run again; the failed one is.
  r = schedule();
  CHECK(r.exit_code == 1);
  summary = json::parse(r.out);
  CHECK(summary["jobs"][0]["status"] == "skipped");
  CHECK(json::parse(slurp(f.out / "ledger.json"))["jobs"][3]["attempts"] == 2);

  // An operator fixes the definition; remediation re-runs only the failed job.
  std::ofstream(config / "reports" / "zz_broken.toml") << fixed;
  r = python(f.cli.dir(), "report_remediation_runner.py", {"--out-dir", f.out.string()});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  summary = json::parse(r.out);
  CHECK(summary["remediated"] == json::array({"zz_broken/202602"}));
  CHECK(summary["status"] == "ok");
  ledger = json::parse(slurp(f.out / "ledger.json"));
  CHECK(ledger["jobs"][3]["status"] == "succeeded");
  CHECK(ledger["jobs"][3]["attempts"] == 3);
  CHECK(ledger["jobs"][0]["attempts"] == 1);
  // Nothing left to do.
  r = python(f.cli.dir(), "report_remediation_runner.py", {"--out-dir", f.out.string()});
  CHECK(r.exit_code == 0);
  CHECK(json::parse(r.out)["remediated"].empty());
}

TEST_CASE("legacy: bad input exits 2, runtime failures exit 1, one line on stderr") {
  Fixture f;
  auto orchestrate = [&](const std::string& report, const std::string& month,
                         const std::string& db) {
    return python(
        f.cli.dir(), "report_orchestrator.py",
        {"--report", report, "--target-month", month, "--db", db, "--out-dir", f.out.string()});
  };
  struct Case {
    std::string report, month, db;
    int exit_code;
    std::string message;
  };
  fs::path garbage = f.cli.dir() / "garbage.db";
  std::ofstream(garbage) << "this is not an SQLite database, not even close to one.......\n";
  const std::vector<Case> cases = {
      {"ops_monthly", "2026-02", f.db.string(), 2, "--target-month expects YYYYMM"},
      {"ops_monthly", "202613", f.db.string(), 2, "--target-month expects YYYYMM"},
      {"nope", "202602", f.db.string(), 2, "unknown report 'nope'"},
      {"ops_monthly", "202602", (f.cli.dir() / "missing.db").string(), 2, "no database file"},
      {"ops_monthly", "202602", garbage.string(), 1, "file is not a database"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.message);
    Result r = orchestrate(c.report, c.month, c.db);
    CHECK(r.exit_code == c.exit_code);
    CHECK(r.out.empty());
    CHECK(count_lines(r.err) == 1);
    CHECK(contains(r.err, "report_orchestrator: error: "));
    CHECK(contains(r.err, c.message));
  }
  CHECK_FALSE(fs::exists(f.out / "nope_202602.csv"));

  Result r =
      python(f.cli.dir(), "report_scheduler.py",
             {"--target-month", "20260", "--db", f.db.string(), "--out-dir", f.out.string()});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "--target-month expects YYYYMM"));
  r = python(
      f.cli.dir(), "report_scheduler.py",
      {"--target-month", "202602", "--db", "/nonexistent/x.db", "--out-dir", f.out.string()});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "no database file"));
  r = python(f.cli.dir(), "report_remediation_runner.py", {"--out-dir", f.out.string()});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "no ledger"));
  r = python(f.cli.dir(), "report_orchestrator.py", {"--report", "ops_monthly"});
  CHECK(r.exit_code == 2);  // argparse: required arguments missing
}

TEST_CASE("legacy: V1 and the kernel compute the same rule version, also for awkward text") {
  Fixture f;
  fs::path config = f.cli.dir() / "config";
  fs::create_directories(config / "reports");
  std::string report = slurp(kSource / "config" / "reports" / "ops_monthly.toml");
  report.replace(report.find("title = \"Monthly operations by module\""), 38,
                 "title = \"Opérations \\\"mensuelles\\\" \\t\\u001f 🎉 \\\\ / <>&\"");
  report.insert(0, "# a comment does not change the version\n");
  std::ofstream(config / "reports" / "ops_monthly.toml") << report;
  Result r = python(f.cli.dir(), "report_orchestrator.py",
                    {"--report", "ops_monthly", "--target-month", "202602", "--db", f.db.string(),
                     "--out-dir", f.out.string(), "--config-dir", config.string()});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto parsed = agentsys::config::parse_toml_file(config / "reports" / "ops_monthly.toml", "x");
  REQUIRE(parsed.ok);
  CHECK(contains(parsed.document["title"].get<std::string>(), "🎉"));
  std::string version = agentsys::reports::checks::report_rule_version(parsed.document);
  CHECK(json::parse(r.out)["rule_version"] == version);
  CHECK(version != rule_version_of("ops_monthly"));
}
