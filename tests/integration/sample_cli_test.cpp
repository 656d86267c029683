// agentsys sample generate through the real binary: the summary, byte-identical files, and
// one-line usage errors (exit 2) that leave nothing behind.
#include <doctest/doctest.h>

#include "cli_support.hpp"
#include "util/sha256.hpp"

using namespace agentsys::cli_test;

TEST_CASE("sample generate: summary line, --json, determinism, --force") {
  Cli cli(false);
  fs::path a = cli.dir() / "a.db";
  Result r = cli({"sample", "generate", "--db", a.string(), "--months", "2", "--rows-per-month",
                  "500", "--end-month", "202512"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.err.empty());
  CHECK(count_lines(r.out) == 1);
  CHECK(contains(r.out, "sample generate: wrote " + a.string() +
                            ": 1000 task_runs (2 months 202511..202512, 500 per month), "));
  CHECK(contains(r.out, " tenants in "));

  fs::path b = cli.dir() / "b.db";
  json summary = cli.json_of({"sample", "generate", "--db", b.string(), "--months", "2",
                              "--rows-per-month", "500", "--end-month", "202512", "--json"});
  CHECK(summary["months"] == json::array({"202511", "202512"}));
  CHECK(summary["rows"]["task_runs"] == 1000);
  CHECK(summary["rows"]["tenants"] == 40);
  CHECK(summary["seed"] == 42);
  CHECK(agentsys::sha256_file_hex(a) == agentsys::sha256_file_hex(b));

  // Exists: refused without --force (the file is untouched), replaced with it.
  r = cli({"sample", "generate", "--db", a.string(), "--seed", "1", "--rows-per-month", "10"});
  CHECK(r.exit_code == 2);
  CHECK(r.err ==
        "agentsys: error: --db: " + a.string() + " already exists (pass --force to replace it)\n");
  CHECK(agentsys::sha256_file_hex(a) == agentsys::sha256_file_hex(b));
  r = cli({"sample", "generate", "--db", a.string(), "--seed", "1", "--rows-per-month", "10",
           "--force"});
  CHECK(r.exit_code == 0);
  CHECK(agentsys::sha256_file_hex(a) != agentsys::sha256_file_hex(b));

  // A missing directory is created (the environments name var/sample/ops.db).
  r = cli({"sample", "generate", "--db", "var/sample/ops.db", "--rows-per-month", "10"});
  CHECK(r.exit_code == 0);
  CHECK(fs::is_regular_file(cli.dir() / "var" / "sample" / "ops.db"));
}

TEST_CASE("sample generate: bad input is one line and exit 2, and writes nothing") {
  Cli cli(false);
  fs::path db = cli.dir() / "x.db";
  fs::path locked = cli.dir() / "locked";
  fs::create_directories(locked);
  std::ofstream(cli.dir() / "afile") << "a file, not a directory\n";
  fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"--db", db.string(), "--end-month", "202613"},
       "--end-month expects a month as YYYYMM (e.g. 202602, month 01..12), got '202613'"},
      {{"--db", db.string(), "--end-month", "2026-02"},
       "--end-month expects a month as YYYYMM (e.g. 202602, month 01..12), got '2026-02'"},
      {{"--db", db.string(), "--months", "0"}, "--months must be between 1 and 240, got 0"},
      {{"--db", db.string(), "--months", "-3"}, "--months must be between 1 and 240, got -3"},
      {{"--db", db.string(), "--months", "two"}, "--months expects a whole number, got 'two'"},
      {{"--db", db.string(), "--rows-per-month", "0"},
       "--rows-per-month must be between 1 and 10000000, got 0"},
      {{"--db", db.string(), "--seed", "-1"}, "--seed expects a whole number, got '-1'"},
      {{"--db", (cli.dir() / "afile" / "dir" / "x.db").string()}, "afile is not a directory"},
      {{"--db", cli.dir().string()}, "is a directory"},
      {{}, "the option '--db' is required"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"sample", "generate"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    CAPTURE(c.message);
    Result r = cli(args);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(count_lines(r.err) == 1);
    CHECK(contains(r.err, "agentsys: error: "));
    CHECK(contains(r.err, c.message));
  }
  CHECK_FALSE(fs::exists(db));

  if (::geteuid() != 0) {  // root writes anywhere
    Result r = cli({"sample", "generate", "--db", (locked / "x.db").string()});
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, "cannot create a file in"));
  }
  fs::permissions(locked, fs::perms::owner_all);
  CHECK(fs::is_empty(locked));
}
