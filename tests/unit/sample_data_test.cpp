// The sample operations database: deterministic bytes, the promised row counts and shapes
// (one detail row per run, skewed tenants, failure bursts), and a safe write (temp + rename).
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <fstream>
#include <regex>
#include <set>

#include "sample_data/month.hpp"
#include "sample_data/prng.hpp"
#include "sample_data/sample_data.hpp"
#include "store/sqlite.hpp"
#include "test_support.hpp"
#include "util/sha256.hpp"

using namespace agentsys::sample;
using agentsys::sha256_file_hex;
using agentsys::test::TempDir;
namespace fs = std::filesystem;
namespace sqlite = agentsys::sqlite;

namespace {

SampleOptions small(const fs::path& db, uint64_t seed = 7) {
  SampleOptions o;
  o.db = db;
  o.end_month = {2026, 2};
  o.months = 2;
  o.rows_per_month = 3000;
  o.seed = seed;
  return o;
}

int64_t scalar(sqlite::Database& db, const std::string& sql) {
  sqlite::Statement s = db.prepare(sql);
  REQUIRE(s.step());
  return s.column_int(0);
}

std::string text(sqlite::Database& db, const std::string& sql) {
  sqlite::Statement s = db.prepare(sql);
  REQUIRE(s.step());
  return s.column_text(0);
}

}  // namespace

TEST_CASE("sample: months parse strictly and move across years") {
  CHECK(Month::parse("202602") == Month{2026, 2});
  for (const char* bad : {"202613", "202600", "2026-02", "20262", "2026020", " 202602", "19691",
                          "196912", "abcdef", ""}) {
    CAPTURE(bad);
    CHECK_FALSE(Month::parse(bad).has_value());
  }
  CHECK(Month{2026, 2}.plus(-2) == Month{2025, 12});
  CHECK(Month{2025, 12}.plus(1) == Month{2026, 1});
  CHECK(Month{2024, 2}.days() == 29);
  CHECK(Month{2026, 2}.days() == 28);
  CHECK(Month{2100, 2}.days() == 28);
  CHECK(Month{2026, 2}.weekday(1) == 0);  // Sunday
  CHECK(Month{2026, 3}.weekday(2) == 1);  // Monday
  CHECK(Month{2026, 2}.iso_start() == "2026-02-01T00:00:00.000Z");
  CHECK(Month{2026, 2}.yyyymm() == "202602");
}

TEST_CASE("sample: the PRNG is a fixed sequence") {
  Rng a(42);
  Rng b(42);
  Rng c(43);
  bool differs = false;
  for (int i = 0; i < 1000; ++i) {
    uint64_t x = a.next();
    CHECK(x == b.next());
    differs = differs || x != c.next();
    double u = a.uniform();
    b.uniform();
    CHECK(u >= 0.0);
    CHECK(u < 1.0);
  }
  CHECK(differs);
  // Pinned: a change here changes every generated file (and every golden file made from one).
  Rng pinned(42);
  CHECK(pinned.next() == 1546998764402558742ULL);
  CHECK(pinned.next() == 6990951692964543102ULL);
  CHECK(derive_seed(42, 202602) == 18397216032885738094ULL);
  CHECK(derive_seed(1, 2) != derive_seed(2, 1));
}

TEST_CASE("sample: the same options give byte-identical files, another seed does not") {
  TempDir dir;
  SampleSummary s1 = generate(small(dir.path() / "a.db"));
  generate(small(dir.path() / "b.db"));
  generate(small(dir.path() / "c.db", 8));
  CHECK(sha256_file_hex(dir.path() / "a.db") == sha256_file_hex(dir.path() / "b.db"));
  CHECK(sha256_file_hex(dir.path() / "a.db") != sha256_file_hex(dir.path() / "c.db"));
  CHECK(s1.months == std::vector<std::string>{"202601", "202602"});
  CHECK(s1.rows.at("task_runs") == 6000);
  CHECK(s1.rows.at("tenants") == 40);
  CHECK(s1.rows.at("skill_runs") + s1.rows.at("mcp_calls") + s1.rows.at("image_jobs") == 6000);
  // Nothing but the two files is left behind (no temporary, no journal).
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    CAPTURE(e.path());
    CHECK(e.path().filename().string().find(".tmp") == std::string::npos);
    ++files;
  }
  CHECK(files == 3);
}

TEST_CASE("sample: a month's rows do not depend on which other months are generated") {
  TempDir dir;
  SampleOptions one = small(dir.path() / "one.db");
  one.months = 1;
  generate(one);
  generate(small(dir.path() / "two.db"));
  const std::string digest_sql =
      "SELECT group_concat(run_id || started_at || tenant_id || module || status || latency_ms "
      "|| cost_usd || coalesce(error_code, '-'), ';') FROM (SELECT * FROM task_runs WHERE "
      "started_at >= '2026-02-01T00:00:00.000Z' ORDER BY run_id)";
  sqlite::Database a(dir.path() / "one.db", false);
  sqlite::Database b(dir.path() / "two.db", false);
  CHECK(text(a, digest_sql) == text(b, digest_sql));
}

TEST_CASE("sample: rows per month, formats, and exactly one matching detail row per run") {
  TempDir dir;
  generate(small(dir.path() / "s.db"));
  sqlite::Database db(dir.path() / "s.db", false);

  sqlite::Statement per_month =
      db.prepare("SELECT substr(started_at, 1, 7), count(*) FROM task_runs GROUP BY 1 ORDER BY 1");
  std::vector<std::pair<std::string, int64_t>> months;
  while (per_month.step()) months.emplace_back(per_month.column_text(0), per_month.column_int(1));
  CHECK(months ==
        std::vector<std::pair<std::string, int64_t>>{{"2026-01", 3000}, {"2026-02", 3000}});

  // ISO-8601 UTC with milliseconds, and run ids in time order.
  std::regex iso(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$)");
  sqlite::Statement all = db.prepare("SELECT run_id, started_at FROM task_runs ORDER BY run_id");
  std::string previous;
  int checked = 0;
  while (all.step()) {
    std::string at = all.column_text(1);
    if (checked++ % 97 == 0) CHECK(std::regex_match(at, iso));
    CHECK(at >= previous);
    previous = at;
  }
  CHECK(scalar(db,
               "SELECT count(*) FROM task_runs WHERE run_id NOT LIKE 'run_2026__\\_%' "
               "ESCAPE '\\'") == 0);

  // One detail row per run, in the table of its module, and none elsewhere.
  for (auto [table, module] :
       {std::pair{"skill_runs", "skill_router"}, std::pair{"mcp_calls", "mcp_connector"},
        std::pair{"image_jobs", "image_creator_hub"}}) {
    CAPTURE(table);
    int64_t runs =
        scalar(db, fmt::format("SELECT count(*) FROM task_runs WHERE module = '{}'", module));
    CHECK(runs > 0);
    CHECK(scalar(db, fmt::format("SELECT count(*) FROM {}", table)) == runs);
    CHECK(scalar(db, fmt::format("SELECT count(*) FROM {} d JOIN task_runs t USING (run_id) "
                                 "WHERE t.module = '{}'",
                                 table, module)) == runs);
  }
  CHECK(scalar(db, "SELECT count(DISTINCT module) FROM task_runs") == 3);
  CHECK(scalar(db,
               "SELECT count(*) FROM task_runs WHERE module NOT IN ('skill_router', "
               "'mcp_connector', 'image_creator_hub')") == 0);

  // error_code is NULL exactly when the run succeeded; timeouts say so.
  CHECK(scalar(db,
               "SELECT count(*) FROM task_runs WHERE (status = 'succeeded') != "
               "(error_code IS NULL)") == 0);
  CHECK(scalar(db,
               "SELECT count(*) FROM task_runs WHERE status = 'timed_out' AND "
               "error_code != 'timeout'") == 0);
  CHECK(scalar(db,
               "SELECT count(*) FROM task_runs WHERE status NOT IN ('succeeded', 'failed', "
               "'timed_out')") == 0);
  CHECK(scalar(db, "SELECT count(*) FROM task_runs WHERE latency_ms < 1 OR cost_usd < 0") == 0);
  CHECK(scalar(db,
               "SELECT count(*) FROM task_runs t LEFT JOIN tenants n USING (tenant_id) "
               "WHERE n.name IS NULL") == 0);
  // Answers have tokens, failures do not; failed image jobs deliver (and cost) nothing.
  CHECK(scalar(db,
               "SELECT count(*) FROM skill_runs s JOIN task_runs t USING (run_id) WHERE "
               "(t.status = 'succeeded') != (s.tokens_out IS NOT NULL)") == 0);
  CHECK(scalar(db,
               "SELECT count(*) FROM image_jobs i JOIN task_runs t USING (run_id) WHERE "
               "t.status != 'succeeded' AND (i.images != 0 OR t.cost_usd != 0)") == 0);
  CHECK(scalar(db,
               "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = "
               "'task_runs_started_at'") == 1);
}

TEST_CASE("sample: heavy tenants, long-tailed latency, bursts of failures") {
  TempDir dir;
  SampleOptions o = small(dir.path() / "s.db");
  o.rows_per_month = 20000;
  generate(o);
  sqlite::Database db(dir.path() / "s.db", false);
  int64_t total = scalar(db, "SELECT count(*) FROM task_runs");
  int64_t top = scalar(db,
                       "SELECT max(n) FROM (SELECT count(*) AS n FROM task_runs GROUP BY "
                       "tenant_id)");
  // Uniform over 40 tenants would be 2.5% each.
  CHECK(static_cast<double>(top) / static_cast<double>(total) > 0.15);
  // The tail: p99 far above the median for every module.
  for (const char* module : {"skill_router", "mcp_connector", "image_creator_hub"}) {
    CAPTURE(module);
    auto at = [&](double q) {
      return scalar(db, fmt::format("SELECT latency_ms FROM task_runs WHERE module = '{0}' AND "
                                    "status = 'succeeded' ORDER BY latency_ms LIMIT 1 OFFSET "
                                    "(SELECT CAST(count(*) * {1} AS INTEGER) FROM task_runs "
                                    "WHERE module = '{0}' AND status = 'succeeded')",
                                    module, q));
    };
    CHECK(at(0.99) > 2 * at(0.5));
  }
  // Overall failures are rare, but some hour of some module fails most of the time, with the
  // module's burst code.
  int64_t failed = scalar(db, "SELECT count(*) FROM task_runs WHERE status != 'succeeded'");
  CHECK(static_cast<double>(failed) / static_cast<double>(total) < 0.12);
  int64_t worst_hour_pct =
      scalar(db,
             "SELECT max(pct) FROM (SELECT 100 * sum(status = 'failed') / count(*) AS pct FROM "
             "task_runs GROUP BY module, substr(started_at, 1, 13) HAVING count(*) >= 10)");
  CHECK(worst_hour_pct >= 35);
  CHECK(scalar(db,
               "SELECT count(DISTINCT error_code) FROM task_runs WHERE error_code IN "
               "('llm_upstream_error', 'server_unavailable', 'provider_quota_exceeded')") >= 1);
}

TEST_CASE("sample: refuses to overwrite without force, replaces with it, checks options") {
  TempDir dir;
  fs::path db = dir.path() / "s.db";
  SampleOptions o = small(db);
  o.rows_per_month = 10;
  generate(o);
  std::string first = sha256_file_hex(db);
  o.seed = 9;
  CHECK_THROWS_AS(generate(o), InvalidRequest);
  CHECK(sha256_file_hex(db) == first);
  o.force = true;
  generate(o);
  CHECK(sha256_file_hex(db) != first);

  SampleOptions bad = small(dir.path() / "x.db");
  bad.months = 0;
  CHECK_THROWS_WITH_AS(validate(bad), "--months must be between 1 and 240, got 0", InvalidRequest);
  bad = small(dir.path() / "x.db");
  bad.rows_per_month = 0;
  CHECK_THROWS_AS(validate(bad), InvalidRequest);
  std::ofstream(dir.path() / "afile") << "x";
  bad = small(dir.path() / "afile" / "x.db");
  CHECK_THROWS_AS(validate(bad), InvalidRequest);
  CHECK_NOTHROW(validate(small(dir.path() / "missing" / "x.db")));  // created by generate()
  bad = small(dir.path());
  CHECK_THROWS_AS(validate(bad), InvalidRequest);
  CHECK_FALSE(fs::exists(dir.path() / "x.db"));
}
