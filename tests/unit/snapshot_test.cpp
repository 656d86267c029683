// Snapshots: create, verify, tamper detection, byte-for-byte restore (changed, deleted and
// added files), refusal of a corrupted snapshot, re-running an interrupted restore.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "migration/snapshot.hpp"
#include "store/sqlite.hpp"
#include "store/state_store.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace agentsys;
using namespace agentsys::migration;
using json = nlohmann::json;

namespace {

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
}

std::string read(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  ::lstat(p.c_str(), &st);
  return st.st_mode & 07777;
}

/// Every file, directory and symlink below `root`: relative path -> type + content + mode.
std::map<std::string, std::string> tree(const fs::path& root) {
  std::map<std::string, std::string> out;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    const fs::path rel = fs::relative(it->path(), root);
    const std::string mode = std::to_string(mode_of(it->path()));
    if (it->is_symlink()) {
      out[rel.string()] = "link:" + fs::read_symlink(it->path()).string();
    } else if (it->is_directory()) {
      out[rel.string()] = "dir:" + mode;
    } else {
      out[rel.string()] = "file:" + mode + ":" + read(it->path());
    }
  }
  return out;
}

struct Fixture {
  test::TempDir dir;
  fs::path state = dir.path() / "var";
  fs::path config = dir.path() / "config";
  fs::path output = dir.path() / "out";

  Fixture() {
    write(config / "env" / "dev.toml", "[kernel]\nstate_dir = \"var\"\n");
    write(config / "modules" / "reports.toml", "[modules.report_orchestrator]\nmode = \"v1\"\n");
    write(output / "ledger.json", R"({"jobs": {"ops_monthly:202602": "done"}})");
    write(output / "202602" / "ops_monthly.csv", "month,runs\n202602,100\n");
    write(output / "run.sh", "#!/bin/sh\necho hi\n");
    fs::permissions(output / "run.sh", fs::perms(0755));
    fs::create_directories(output / "empty");
    fs::create_symlink("202602/ops_monthly.csv", output / "latest.csv");
  }

  [[nodiscard]] SnapshotSources sources() const {
    SnapshotSources s;
    s.state_dir = state;
    s.config_dir = config;
    s.output_dir = output;
    s.scheduler_modules = {"report_scheduler", "report_orchestrator"};
    return s;
  }
};

}  // namespace

TEST_CASE("snapshot: create copies config, outputs and state with a checksummed manifest") {
  Fixture f;
  {
    auto store = StateStore::open(f.state, true);
    store->set_module_routing("report_orchestrator", {ModuleMode::v2, 0, {}});
  }
  SnapshotStore snapshots(f.state);
  SnapshotInfo s = snapshots.create(f.sources(), "before cutover");
  CHECK(s.id.rfind("snap_", 0) == 0);
  CHECK(s.reason == "before cutover");
  CHECK(fs::is_directory(f.state / "snapshots" / s.id));
  CHECK(s.files == 6);  // 2 config files, 4 output files incl. run.sh, state.json
  CHECK(read(s.dir / "config" / "env" / "dev.toml") == read(f.config / "env" / "dev.toml"));
  CHECK(read(s.dir / "outputs" / "ledger.json") == read(f.output / "ledger.json"));

  json manifest = json::parse(read(s.dir / "manifest.json"));
  CHECK(manifest["id"] == s.id);
  CHECK(manifest["reason"] == "before cutover");
  CHECK(manifest["kernel_version"].get<std::string>().find("build") != std::string::npos);
  CHECK(manifest["manifest_sha256"].get<std::string>().size() == 64);
  bool saw_script = false;
  for (const json& e : manifest["entries"]) {
    if (e["path"] == "outputs/run.sh") {
      saw_script = true;
      CHECK(e["mode"] == "0755");
      CHECK(e["type"] == "file");
      CHECK(e["sha256"].get<std::string>().size() == 64);
    }
    if (e["path"] == "outputs/latest.csv") CHECK(e["type"] == "symlink");
    if (e["path"] == "outputs/empty") CHECK(e["type"] == "dir");
  }
  CHECK(saw_script);

  json state = snapshots.state(s.id);
  REQUIRE(state["module_modes"].size() == 1);
  CHECK(state["module_modes"][0]["module"] == "report_orchestrator");
  CHECK(state["module_modes"][0]["mode"] == "v2");
  CHECK(state["in_flight_runs"].is_array());
  CHECK(state["scheduler_idempotency_keys"].is_array());

  std::vector<SnapshotInfo> all = snapshots.list();
  REQUIRE(all.size() == 1);
  CHECK(all[0].id == s.id);
  CHECK(all[0].error.empty());
  CHECK(snapshots.verify(s.id).ok());
  CHECK(snapshots.verify(s.id).checked == snapshots.show(s.id).entries.size());
}

TEST_CASE("snapshot: the state directory inside the output tree is left out") {
  Fixture f;
  SnapshotSources s = f.sources();
  s.state_dir = f.output / "var";
  write(s.state_dir / "agentsys.db-like", "not config");
  SnapshotStore snapshots(s.state_dir);
  SnapshotInfo snap = snapshots.create(s, "r");
  for (const auto& e : snapshots.show(snap.id).entries) {
    CHECK(e.path.rfind("outputs/var", 0) != 0);
  }
  CHECK(snapshots.verify(snap.id).ok());
}

TEST_CASE("snapshot: a failed create leaves nothing behind and names the file") {
  Fixture f;
  SnapshotSources s = f.sources();
  fs::path bad;
  if (::geteuid() == 0) {
    // root reads everything: make the failure a special file instead.
    bad = f.output / "pipe";
    REQUIRE(::mkfifo(bad.c_str(), 0644) == 0);
  } else {
    bad = f.output / "secret.txt";
    write(bad, "x");
    fs::permissions(bad, fs::perms::none);
  }
  std::string message;
  try {
    SnapshotStore(f.state).create(s, "r");
  } catch (const SnapshotError& e) {
    message = e.what();
  }
  CHECK(message.find(bad.string()) != std::string::npos);
  CHECK(SnapshotStore(f.state).list().empty());
  CHECK(fs::is_empty(f.state / "snapshots"));

  s.config_dir = f.dir.path() / "no-such-config";
  CHECK_THROWS_AS(SnapshotStore(f.state).create(s, "r"), SnapshotError);
}

TEST_CASE("snapshot verify: detects changed, missing and extra files and a modified manifest") {
  Fixture f;
  SnapshotStore snapshots(f.state);
  SnapshotInfo s = snapshots.create(f.sources(), "r");

  write(s.dir / "outputs" / "ledger.json", R"({"jobs": {}})");
  VerifyReport r = snapshots.verify(s.id);
  CHECK_FALSE(r.ok());
  REQUIRE(r.changed.size() == 1);
  CHECK(r.changed[0].find("outputs/ledger.json") == 0);

  fs::remove(s.dir / "config" / "env" / "dev.toml");
  write(s.dir / "config" / "smuggled.toml", "x = 1");
  r = snapshots.verify(s.id);
  CHECK(r.missing == std::vector<std::string>{"config/env/dev.toml"});
  CHECK(r.extra == std::vector<std::string>{"config/smuggled.toml"});
  CHECK(r.problems().size() == 3);

  // A manifest edited to match the tampered file is caught by the manifest's own checksum.
  SnapshotInfo t = snapshots.create(f.sources(), "r2");
  write(t.dir / "outputs" / "ledger.json", "{}");
  json m = json::parse(read(t.dir / "manifest.json"));
  for (json& e : m["entries"]) {
    if (e["path"] == "outputs/ledger.json") {
      e["size"] = 2;
      e["sha256"] = "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
    }
  }
  write(t.dir / "manifest.json", m.dump(2));
  r = snapshots.verify(t.id);
  CHECK_FALSE(r.ok());
  CHECK(r.manifest_problem.find("checksum") != std::string::npos);

  CHECK_THROWS_AS(snapshots.verify("snap_nope"), SnapshotError);
  CHECK_THROWS_AS(snapshots.verify("../var"), SnapshotError);
}

TEST_CASE("snapshot restore: byte for byte, with deleted, changed and added files") {
  Fixture f;
  SnapshotStore snapshots(f.state);
  const auto config_before = tree(f.config);
  const auto output_before = tree(f.output);
  SnapshotInfo s = snapshots.create(f.sources(), "r");

  // The cutover changes things.
  write(f.config / "env" / "dev.toml", "[kernel]\nstate_dir = \"elsewhere\"\n");
  fs::remove(f.config / "modules" / "reports.toml");
  write(f.config / "routes" / "new.toml", "[[routes]]\n");
  write(f.output / "202603" / "ops_monthly.csv", "new month\n");
  fs::remove_all(f.output / "empty");
  fs::permissions(f.output / "run.sh", fs::perms(0644));
  fs::remove(f.output / "latest.csv");
  fs::create_symlink("ledger.json", f.output / "latest.csv");
  fs::remove(f.output / "ledger.json");
  fs::create_directories(f.output / "ledger.json");  // a directory where a file was
  write(f.output / "ledger.json" / "inner", "x");
  // The state directory is never touched by a restore, even when inside a tree.
  write(f.state / "keep.txt", "state");

  RestoreResult dry = snapshots.restore(s.id, f.sources(), true);
  CHECK(dry.dry_run);
  CHECK_FALSE(dry.changes.empty());
  CHECK(tree(f.config) != config_before);  // nothing changed yet

  auto has = [&](const RestoreResult& r, const std::string& action, const fs::path& p) {
    return std::any_of(r.changes.begin(), r.changes.end(),
                       [&](const RestoreChange& c) { return c.action == action && c.path == p; });
  };
  CHECK(has(dry, "write", f.config / "env" / "dev.toml"));
  CHECK(has(dry, "write", f.config / "modules" / "reports.toml"));
  CHECK(has(dry, "remove", f.config / "routes"));
  CHECK(has(dry, "remove", f.output / "202603"));
  CHECK(has(dry, "mkdir", f.output / "empty"));
  CHECK(has(dry, "chmod", f.output / "run.sh"));
  CHECK(has(dry, "symlink", f.output / "latest.csv"));

  RestoreResult r = snapshots.restore(s.id, f.sources());
  CHECK_FALSE(r.dry_run);
  CHECK(r.changes.size() == dry.changes.size());
  CHECK(tree(f.config) == config_before);
  CHECK(tree(f.output) == output_before);
  CHECK(read(f.state / "keep.txt") == "state");

  // Running it again changes nothing.
  RestoreResult again = snapshots.restore(s.id, f.sources());
  CHECK(again.changes.empty());
  CHECK(again.unchanged > 0);
}

TEST_CASE("snapshot restore: an interrupted restore completes when run again") {
  Fixture f;
  SnapshotStore snapshots(f.state);
  const auto output_before = tree(f.output);
  SnapshotInfo s = snapshots.create(f.sources(), "r");
  write(f.output / "ledger.json", "half-written");
  // What a restore killed mid-write leaves: its temporary file next to the target.
  write(f.output / ".ledger.json.agentsys-restore", "partial");
  snapshots.restore(s.id, f.sources());
  CHECK(tree(f.output) == output_before);
}

TEST_CASE("snapshot restore: refuses a corrupted snapshot and changes nothing") {
  Fixture f;
  SnapshotStore snapshots(f.state);
  SnapshotInfo s = snapshots.create(f.sources(), "r");
  write(f.config / "env" / "dev.toml", "changed after the snapshot");
  write(s.dir / "config" / "env" / "dev.toml", "tampered");
  CHECK_THROWS_WITH_AS(snapshots.restore(s.id, f.sources()),
                       doctest::Contains("failed verification"), SnapshotError);
  CHECK(read(f.config / "env" / "dev.toml") == "changed after the snapshot");
  try {
    snapshots.restore(s.id, f.sources());
  } catch (const SnapshotError& e) {
    CHECK(e.kind() == SnapshotError::Kind::corrupted);
  }
}

TEST_CASE("snapshot restore: returns the module modes recorded at snapshot time") {
  Fixture f;
  {
    auto store = StateStore::open(f.state, true);
    store->set_module_routing("report_orchestrator", {ModuleMode::v1, 0, {}});
    store->set_module_routing("report_scheduler", {ModuleMode::v2, 0, {}});
  }
  SnapshotStore snapshots(f.state);
  SnapshotInfo s = snapshots.create(f.sources(), "r");
  StateStore::open(f.state, false)
      ->set_module_routing("report_orchestrator", {ModuleMode::v2, 0, {}});
  RestoreResult r = snapshots.restore(s.id, f.sources());
  CHECK(r.module_modes == std::map<std::string, std::string>{{"report_orchestrator", "v1"},
                                                             {"report_scheduler", "v2"}});
}

TEST_CASE("snapshot: state.json lists in-flight runs and the scheduler's idempotency keys") {
  Fixture f;
  StateStore::open(f.state, true);
  {
    sqlite::Database db(StateStore::database_path(f.state), false);
    db.exec(
        "INSERT INTO runs(run_id, task_id, trace_id, module, action, input, input_digest, "
        "idempotency_key, dry_run, timeout_ms, retry_policy, status, created_at, updated_at, "
        "owner) VALUES "
        "('run_1', 't1', 'tr', 'report_orchestrator', 'run', '{}', 'd', 'report:ops:202602', 0, "
        "1000, '{}', 'retrying', '2026-03-01T00:00:00Z', '2026-03-01T00:00:00Z', 'o'),"
        "('run_2', 't2', 'tr', 'report_orchestrator', 'run', '{}', 'd', 'report:ops:202601', 0, "
        "1000, '{}', 'succeeded', '2026-02-01T00:00:00Z', '2026-02-01T00:00:00Z', 'o')");
    db.exec(
        "INSERT INTO idempotency_keys(module, key, input_digest, run_id, created_at) VALUES "
        "('report_orchestrator', 'report:ops:202602', 'd', 'run_1', '2026-03-01T00:00:00Z'),"
        "('report_orchestrator', 'report:ops:202601', 'd', 'run_2', '2026-02-01T00:00:00Z'),"
        "('demo', 'k', 'd', 'run_3', '2026-02-01T00:00:00Z')");
  }
  SnapshotStore snapshots(f.state);
  json state = snapshots.state(snapshots.create(f.sources(), "r").id);
  REQUIRE(state["in_flight_runs"].size() == 1);
  CHECK(state["in_flight_runs"][0]["run_id"] == "run_1");
  REQUIRE(state["scheduler_idempotency_keys"].size() == 2);
  CHECK(state["scheduler_idempotency_keys"][0]["key"] == "report:ops:202601");
  CHECK(state["scheduler_idempotency_keys"][0]["status"] == "succeeded");
  CHECK(state["restored_by_rollback"]["in_flight_runs"] == false);
}

TEST_CASE("snapshot restore: the default layout, outputs inside the state directory") {
  test::TempDir dir;
  SnapshotSources s;
  s.state_dir = dir.path() / "var";
  s.config_dir = dir.path() / "config";
  s.output_dir = s.state_dir / "output";
  write(s.config_dir / "env" / "dev.toml", "x = 1\n");
  write(s.output_dir / "ledger.json", "{}");
  write(s.output_dir / "202602" / "r.csv", "a\n");
  const auto before = tree(s.output_dir);
  SnapshotStore snapshots(s.state_dir);
  SnapshotInfo snap = snapshots.create(s, "r");
  fs::remove(s.output_dir / "ledger.json");
  write(s.output_dir / "202603" / "r.csv", "b\n");
  RestoreResult r = snapshots.restore(snap.id, s);
  CHECK(r.changes.size() == 2);
  CHECK(tree(s.output_dir) == before);
  CHECK(fs::exists(s.state_dir / "snapshots" / snap.id / "manifest.json"));

  SnapshotSources into_state = s;
  into_state.output_dir = s.state_dir;
  CHECK_THROWS_AS(snapshots.restore(snap.id, into_state), SnapshotError);
}
