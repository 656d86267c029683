#include "store/schema.hpp"

#include <fmt/format.h>

#include <array>
#include <string_view>

namespace agentsys::schema {
namespace {

// Append-only: migration N (1-based) brings the schema from version N-1 to N.
constexpr std::array<std::string_view, 5> kMigrations = {
    // 1: module routing
    R"sql(
    CREATE TABLE module_modes (
      module     TEXT PRIMARY KEY,
      mode       TEXT NOT NULL CHECK (mode IN ('v1', 'v2')),
      updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    );
    )sql",
    // 2: the task core: runs, attempts, events, idempotency keys, module health
    R"sql(
    CREATE TABLE runs (
      run_id          TEXT PRIMARY KEY,
      task_id         TEXT NOT NULL,
      trace_id        TEXT NOT NULL,
      module          TEXT NOT NULL,
      action          TEXT NOT NULL,
      input           TEXT NOT NULL,
      input_digest    TEXT NOT NULL,
      idempotency_key TEXT,
      dry_run         INTEGER NOT NULL,
      timeout_ms      INTEGER NOT NULL,
      retry_policy    TEXT NOT NULL,
      status          TEXT NOT NULL,
      error_code      TEXT,
      message         TEXT,
      impl            TEXT,
      plugin          TEXT,
      plugin_version  TEXT,
      attempts        INTEGER NOT NULL DEFAULT 0,
      output          TEXT,
      key_fields      TEXT,
      latency_ms      REAL,
      created_at      TEXT NOT NULL,
      updated_at      TEXT NOT NULL,
      owner           TEXT NOT NULL
    );
    CREATE INDEX runs_by_status ON runs(status);
    CREATE INDEX runs_by_module ON runs(module, created_at);
    CREATE TABLE attempts (
      run_id      TEXT NOT NULL,
      attempt     INTEGER NOT NULL,
      status      TEXT NOT NULL,
      error_code  TEXT,
      message     TEXT,
      impl        TEXT,
      plugin      TEXT,
      started_at  TEXT NOT NULL,
      finished_at TEXT,
      latency_ms  REAL,
      PRIMARY KEY (run_id, attempt)
    );
    CREATE TABLE events (
      id       INTEGER PRIMARY KEY AUTOINCREMENT,
      ts       TEXT NOT NULL,
      type     TEXT NOT NULL,
      trace_id TEXT,
      run_id   TEXT,
      module   TEXT,
      impl     TEXT,
      attempt  INTEGER,
      data     TEXT
    );
    CREATE INDEX events_by_run ON events(run_id, id);
    CREATE TABLE idempotency_keys (
      module       TEXT NOT NULL,
      key          TEXT NOT NULL,
      input_digest TEXT NOT NULL,
      run_id       TEXT NOT NULL,
      created_at   TEXT NOT NULL,
      PRIMARY KEY (module, key)
    );
    CREATE TABLE module_health (
      module               TEXT PRIMARY KEY,
      consecutive_failures INTEGER NOT NULL DEFAULT 0,
      paused               INTEGER NOT NULL DEFAULT 0,
      paused_reason        TEXT,
      updated_at           TEXT NOT NULL
    );
    )sql",
    // 3: the policy decision log (OPA-style): every decision, append-only.
    R"sql(
    CREATE TABLE policy_decisions (
      id           INTEGER PRIMARY KEY AUTOINCREMENT,
      ts           TEXT NOT NULL,
      trace_id     TEXT,
      run_id       TEXT,
      plugin       TEXT,
      kind         TEXT NOT NULL,
      input_digest TEXT NOT NULL,
      input        TEXT NOT NULL,
      decision     TEXT NOT NULL,
      rule         TEXT NOT NULL,
      reason       TEXT NOT NULL
    );
    CREATE INDEX policy_decisions_by_run ON policy_decisions(run_id, id);
    )sql",
    // 4: migration routing: shadow and cutover modes, the cutover percentage and salt
    R"sql(
    CREATE TABLE module_routing (
      module     TEXT PRIMARY KEY,
      mode       TEXT NOT NULL CHECK (mode IN ('v1', 'v2', 'shadow', 'cutover')),
      percent    INTEGER NOT NULL DEFAULT 0 CHECK (percent BETWEEN 0 AND 100),
      salt       TEXT NOT NULL DEFAULT '',
      updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    );
    INSERT INTO module_routing(module, mode, updated_at)
      SELECT module, mode, updated_at FROM module_modes;
    DROP TABLE module_modes;
    )sql",
    // 5: migration bookkeeping: operators' to-do items (rollback creates one) and the recorded
    // results the go/no-go gate reads (tests, security audit); the latest row per check counts.
    R"sql(
    CREATE TABLE todos (
      id         INTEGER PRIMARY KEY AUTOINCREMENT,
      created_at TEXT NOT NULL,
      title      TEXT NOT NULL,
      detail     TEXT NOT NULL DEFAULT '',
      source     TEXT NOT NULL DEFAULT 'operator',
      module     TEXT,
      link       TEXT,
      status     TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
      done_at    TEXT,
      done_note  TEXT
    );
    CREATE INDEX todos_by_status ON todos(status, id);
    CREATE TABLE gate_checks (
      id                       INTEGER PRIMARY KEY AUTOINCREMENT,
      check_name               TEXT NOT NULL,
      status                   TEXT NOT NULL CHECK (status IN ('pass', 'fail')),
      high_findings_unresolved INTEGER NOT NULL DEFAULT 0,
      detail                   TEXT NOT NULL DEFAULT '',
      recorded_at              TEXT NOT NULL
    );
    CREATE INDEX gate_checks_by_check ON gate_checks(check_name, id);
    )sql",
};

}  // namespace

int latest_version() { return static_cast<int>(kMigrations.size()); }

int current_version(sqlite::Database& db) {
  sqlite::Statement st = db.prepare("PRAGMA user_version");
  st.step();
  return static_cast<int>(st.column_int(0));
}

void migrate(sqlite::Database& db) {
  if (current_version(db) == latest_version()) return;
  for (;;) {
    sqlite::Transaction tx(db);  // BEGIN IMMEDIATE: one migrator at a time
    int version = current_version(db);
    if (version > latest_version()) {
      throw sqlite::Error(fmt::format(
          "{} has schema version {}, newer than this agentsys understands ({}): use a newer build",
          db.file().string(), version, latest_version()));
    }
    if (version == latest_version()) return;
    db.exec(kMigrations[static_cast<size_t>(version)]);
    db.exec(fmt::format("PRAGMA user_version = {}", version + 1));
    tx.commit();
  }
}

}  // namespace agentsys::schema
