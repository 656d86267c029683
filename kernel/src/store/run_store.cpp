#include "store/run_store.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "store/schema.hpp"
#include "store/state_store.hpp"

namespace agentsys {
namespace fs = std::filesystem;
namespace {

void bind_optional(sqlite::Statement& st, int index, const std::string& value) {
  if (value.empty()) {
    st.bind_null(index);
  } else {
    st.bind(index, value);
  }
}

RunRow read_run(const sqlite::Statement& st) {
  RunRow r;
  int i = 0;
  for (std::string* field : {&r.run_id, &r.task_id, &r.trace_id, &r.module, &r.action, &r.input,
                             &r.input_digest, &r.idempotency_key}) {
    *field = st.column_text(i++);
  }
  r.dry_run = st.column_int(i++) != 0;
  r.timeout_ms = st.column_int(i++);
  r.retry_policy = st.column_text(i++);
  for (std::string* field :
       {&r.status, &r.error_code, &r.message, &r.impl, &r.plugin, &r.plugin_version}) {
    *field = st.column_text(i++);
  }
  r.attempts = st.column_int(i++);
  r.output = st.column_text(i++);
  r.key_fields = st.column_text(i++);
  r.latency_ms = st.column_double(i++);
  r.created_at = st.column_text(i++);
  r.updated_at = st.column_text(i++);
  r.owner = st.column_text(i++);
  return r;
}

constexpr const char* kRunColumns =
    "run_id, task_id, trace_id, module, action, input, input_digest, idempotency_key, dry_run, "
    "timeout_ms, retry_policy, status, error_code, message, impl, plugin, plugin_version, "
    "attempts, output, key_fields, latency_ms, created_at, updated_at, owner";

void insert_run(sqlite::Database& db, const RunRow& r) {
  sqlite::Statement& st = db.cached(
      "INSERT INTO runs(run_id, task_id, trace_id, module, action, input, input_digest, "
      "idempotency_key, dry_run, timeout_ms, retry_policy, status, error_code, message, impl, "
      "plugin, plugin_version, attempts, output, key_fields, latency_ms, created_at, updated_at, "
      "owner) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
      "?18, ?19, ?20, ?21, ?22, ?23, ?24)");
  st.bind(1, r.run_id).bind(2, r.task_id).bind(3, r.trace_id).bind(4, r.module);
  st.bind(5, r.action).bind(6, r.input).bind(7, r.input_digest);
  bind_optional(st, 8, r.idempotency_key);
  st.bind(9, static_cast<int64_t>(r.dry_run ? 1 : 0)).bind(10, r.timeout_ms);
  st.bind(11, r.retry_policy).bind(12, r.status);
  bind_optional(st, 13, r.error_code);
  bind_optional(st, 14, r.message);
  bind_optional(st, 15, r.impl);
  bind_optional(st, 16, r.plugin);
  bind_optional(st, 17, r.plugin_version);
  st.bind(18, r.attempts);
  bind_optional(st, 19, r.output);
  bind_optional(st, 20, r.key_fields);
  st.bind(21, r.latency_ms).bind(22, r.created_at).bind(23, r.updated_at).bind(24, r.owner);
  st.step();
}

}  // namespace

RunStore::RunStore(const fs::path& state_dir, Durability durability)
    : writer_db_((fs::create_directories(state_dir), StateStore::database_path(state_dir)), true),
      reader_db_(StateStore::database_path(state_dir), true) {
  writer_db_.exec("PRAGMA journal_mode=WAL");
  writer_db_.exec(durability == Durability::full ? "PRAGMA synchronous=FULL"
                                                 : "PRAGMA synchronous=NORMAL");
  schema::migrate(writer_db_);
  writer_ = std::thread([this] { writer_loop(); });
}

RunStore::~RunStore() {
  {
    std::lock_guard lock(queue_mutex_);
    stopping_ = true;
  }
  queue_cv_.notify_one();
  writer_.join();
}

void RunStore::enqueue(Op op) {
  {
    std::lock_guard lock(queue_mutex_);
    pending_.ops.push_back(std::move(op));
  }
  queue_cv_.notify_one();
}

void RunStore::sync() {
  std::future<void> done;
  {
    std::lock_guard lock(queue_mutex_);
    pending_.waiters.emplace_back();
    done = pending_.waiters.back().get_future();
  }
  queue_cv_.notify_one();
  done.get();
}

void RunStore::after_commit(std::function<void()> fn) {
  {
    std::lock_guard lock(queue_mutex_);
    pending_.after.push_back(std::move(fn));
  }
  queue_cv_.notify_one();
}

void RunStore::writer_loop() {
  for (;;) {
    Batch batch;
    {
      std::unique_lock lock(queue_mutex_);
      // A callback may arrive after the writes it waits for were already committed: it alone
      // must wake the writer too, or its result would never be delivered.
      auto idle = [&] {
        return pending_.ops.empty() && pending_.waiters.empty() && pending_.after.empty();
      };
      queue_cv_.wait(lock, [&] { return stopping_ || !idle(); });
      if (idle() && stopping_) return;
      std::swap(batch, pending_);
    }
    apply(batch);
  }
}

void RunStore::apply(Batch& batch) {
  std::exception_ptr failure;
  try {
    sqlite::Transaction tx(writer_db_);
    for (Op& op : batch.ops) op(writer_db_);
    tx.commit();
  } catch (...) {
    // One bad write must not lose the others: apply them one by one, reporting failures.
    spdlog::error("run store: batch of {} writes failed; retrying individually", batch.ops.size());
    for (Op& op : batch.ops) {
      try {
        sqlite::Transaction tx(writer_db_);
        op(writer_db_);
        tx.commit();
      } catch (const std::exception& e) {
        spdlog::error("run store: write failed: {}", e.what());
        failure = std::current_exception();
      }
    }
  }
  for (auto& fn : batch.after) fn();  // before the waiters: sync() covers these too
  for (auto& waiter : batch.waiters) {
    if (failure) {
      waiter.set_exception(failure);
    } else {
      waiter.set_value();
    }
  }
}

std::vector<IdempotencyClaim> RunStore::acknowledge(const std::vector<RunRow>& runs) {
  auto claims = std::make_shared<std::vector<IdempotencyClaim>>(runs.size());
  enqueue([runs, claims](sqlite::Database& db) {
    for (size_t i = 0; i < runs.size(); ++i) {
      const RunRow& r = runs[i];
      if (!r.idempotency_key.empty()) {
        sqlite::Statement& claim = db.cached(
            "INSERT INTO idempotency_keys(module, key, input_digest, run_id, created_at) "
            "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(module, key) DO NOTHING");
        claim.bind(1, r.module).bind(2, r.idempotency_key).bind(3, r.input_digest);
        claim.bind(4, r.run_id).bind(5, r.created_at);
        claim.step();
        if (sqlite3_changes(db.handle()) == 0) {
          sqlite::Statement& held = db.cached(
              "SELECT run_id, input_digest FROM idempotency_keys WHERE module = ?1 AND key = ?2");
          held.bind(1, r.module).bind(2, r.idempotency_key);
          held.step();
          (*claims)[i] = {false, held.column_text(0), held.column_text(1)};
          held.reset();
          continue;
        }
      }
      insert_run(db, r);
    }
  });
  sync();
  return *claims;
}

bool RunStore::claim_run(const std::string& run_id, const std::string& old_owner,
                         const std::string& new_owner) {
  auto claimed = std::make_shared<bool>(false);
  enqueue([=](sqlite::Database& db) {
    sqlite::Statement& st =
        db.cached("UPDATE runs SET owner = ?3 WHERE run_id = ?1 AND owner = ?2");
    st.bind(1, run_id).bind(2, old_owner).bind(3, new_owner);
    st.step();
    *claimed = sqlite3_changes(db.handle()) == 1;
  });
  sync();
  return *claimed;
}

void RunStore::update_run(const RunRow& r) {
  enqueue([r](sqlite::Database& db) {
    sqlite::Statement& st = db.cached(
        "UPDATE runs SET status = ?2, error_code = ?3, message = ?4, impl = ?5, plugin = ?6, "
        "plugin_version = ?7, attempts = ?8, output = ?9, key_fields = ?10, latency_ms = ?11, "
        "updated_at = ?12, owner = ?13 WHERE run_id = ?1");
    st.bind(1, r.run_id).bind(2, r.status);
    bind_optional(st, 3, r.error_code);
    bind_optional(st, 4, r.message);
    bind_optional(st, 5, r.impl);
    bind_optional(st, 6, r.plugin);
    bind_optional(st, 7, r.plugin_version);
    st.bind(8, r.attempts);
    bind_optional(st, 9, r.output);
    bind_optional(st, 10, r.key_fields);
    st.bind(11, r.latency_ms).bind(12, r.updated_at).bind(13, r.owner);
    st.step();
  });
}

void RunStore::put_attempt(const AttemptRow& a) {
  enqueue([a](sqlite::Database& db) {
    sqlite::Statement& st = db.cached(
        "INSERT INTO attempts(run_id, attempt, status, error_code, message, impl, plugin, "
        "started_at, finished_at, latency_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
        "ON CONFLICT(run_id, attempt) DO UPDATE SET status = excluded.status, "
        "error_code = excluded.error_code, message = excluded.message, impl = excluded.impl, "
        "plugin = excluded.plugin, finished_at = excluded.finished_at, "
        "latency_ms = excluded.latency_ms");
    st.bind(1, a.run_id).bind(2, a.attempt).bind(3, a.status);
    bind_optional(st, 4, a.error_code);
    bind_optional(st, 5, a.message);
    bind_optional(st, 6, a.impl);
    bind_optional(st, 7, a.plugin);
    st.bind(8, a.started_at);
    bind_optional(st, 9, a.finished_at);
    st.bind(10, a.latency_ms);
    st.step();
  });
}

void RunStore::append_event(const EventRow& e) {
  enqueue([e](sqlite::Database& db) {
    sqlite::Statement& st = db.cached(
        "INSERT INTO events(ts, type, trace_id, run_id, module, impl, attempt, data) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    st.bind(1, e.ts).bind(2, e.type);
    bind_optional(st, 3, e.trace_id);
    bind_optional(st, 4, e.run_id);
    bind_optional(st, 5, e.module);
    bind_optional(st, 6, e.impl);
    st.bind(7, e.attempt);
    bind_optional(st, 8, e.data);
    st.step();
  });
}

void RunStore::append_decision(const DecisionRow& d) {
  enqueue([d](sqlite::Database& db) {
    sqlite::Statement& st = db.cached(
        "INSERT INTO policy_decisions(ts, trace_id, run_id, plugin, kind, input_digest, input, "
        "decision, rule, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    st.bind(1, d.ts);
    bind_optional(st, 2, d.trace_id);
    bind_optional(st, 3, d.run_id);
    bind_optional(st, 4, d.plugin);
    st.bind(5, d.kind).bind(6, d.input_digest).bind(7, d.input).bind(8, d.decision);
    st.bind(9, d.rule).bind(10, d.reason);
    st.step();
  });
}

void RunStore::set_health(const std::string& module, const ModuleHealth& h) {
  enqueue([module, h](sqlite::Database& db) {
    sqlite::Statement& st = db.cached(
        "INSERT INTO module_health(module, consecutive_failures, paused, paused_reason, "
        "updated_at) VALUES (?1, ?2, ?3, ?4, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) "
        "ON CONFLICT(module) DO UPDATE SET consecutive_failures = excluded.consecutive_failures, "
        "paused = excluded.paused, paused_reason = excluded.paused_reason, "
        "updated_at = excluded.updated_at");
    st.bind(1, module).bind(2, h.consecutive_failures).bind(3, static_cast<int64_t>(h.paused));
    bind_optional(st, 4, h.paused_reason);
    st.step();
  });
}

std::optional<RunRow> RunStore::find_run(const std::string& run_id) {
  std::lock_guard lock(reader_mutex_);
  sqlite::Statement st =
      reader_db_.prepare(fmt::format("SELECT {} FROM runs WHERE run_id = ?1", kRunColumns));
  st.bind(1, run_id);
  if (!st.step()) return std::nullopt;
  return read_run(st);
}

// Newest first; runs created in the same millisecond in the order they were inserted (rowid),
// which a run id's random part does not give.
std::vector<RunRow> RunStore::list_runs(const RunFilter& f) {
  std::lock_guard lock(reader_mutex_);
  sqlite::Statement st = reader_db_.prepare(
      fmt::format("SELECT {} FROM runs WHERE (?1 = '' OR module = ?1) AND (?2 = '' OR status = ?2) "
                  "ORDER BY created_at DESC, rowid DESC LIMIT ?3",
                  kRunColumns));
  st.bind(1, f.module).bind(2, f.status).bind(3, f.limit);
  std::vector<RunRow> out;
  while (st.step()) out.push_back(read_run(st));
  return out;
}

std::vector<RunRow> RunStore::query_runs(const RunQuery& q) {
  // Statuses as ",a,b," (no status name holds a comma); the key prefix compared with substr,
  // not LIKE, whose '_' and '%' are wildcards and keys are full of underscores.
  std::string statuses;
  for (const std::string& s : q.statuses) statuses += "," + s;
  if (!statuses.empty()) statuses += ",";
  std::lock_guard lock(reader_mutex_);
  sqlite::Statement st = reader_db_.prepare(
      fmt::format("SELECT {} FROM runs WHERE module = ?1 "
                  "AND (?2 = '' OR instr(?2, ',' || status || ',') > 0) "
                  "AND (?3 = '' OR substr(idempotency_key, 1, length(?3)) = ?3) "
                  "AND (?4 = '' OR created_at >= ?4) AND (?5 = 1 OR dry_run = 0) "
                  "ORDER BY created_at DESC, rowid DESC LIMIT ?6",
                  kRunColumns));
  st.bind(1, q.module).bind(2, statuses).bind(3, q.idempotency_key_prefix).bind(4, q.since);
  st.bind(5, static_cast<int64_t>(q.include_dry_runs ? 1 : 0)).bind(6, q.limit);
  std::vector<RunRow> out;
  while (st.step()) out.push_back(read_run(st));
  return out;
}

std::vector<RunRow> RunStore::runs_in_status(const std::vector<std::string>& statuses) {
  std::vector<RunRow> out;
  for (const std::string& s : statuses) {
    auto part = list_runs({.module = "", .status = s, .limit = -1});
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

std::vector<AttemptRow> RunStore::attempts(const std::string& run_id) {
  std::lock_guard lock(reader_mutex_);
  sqlite::Statement st = reader_db_.prepare(
      "SELECT run_id, attempt, status, error_code, message, impl, plugin, started_at, "
      "finished_at, latency_ms FROM attempts WHERE run_id = ?1 ORDER BY attempt");
  st.bind(1, run_id);
  std::vector<AttemptRow> out;
  while (st.step()) {
    AttemptRow a;
    a.run_id = st.column_text(0);
    a.attempt = st.column_int(1);
    a.status = st.column_text(2);
    a.error_code = st.column_text(3);
    a.message = st.column_text(4);
    a.impl = st.column_text(5);
    a.plugin = st.column_text(6);
    a.started_at = st.column_text(7);
    a.finished_at = st.column_text(8);
    a.latency_ms = st.column_double(9);
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<DecisionRow> RunStore::decisions(const std::string& run_id) {
  std::lock_guard lock(reader_mutex_);
  sqlite::Statement st = reader_db_.prepare(
      "SELECT id, ts, trace_id, run_id, plugin, kind, input_digest, input, decision, rule, "
      "reason FROM policy_decisions WHERE (?1 = '' OR run_id = ?1) ORDER BY id");
  st.bind(1, run_id);
  std::vector<DecisionRow> out;
  while (st.step()) {
    DecisionRow d;
    d.id = st.column_int(0);
    d.ts = st.column_text(1);
    d.trace_id = st.column_text(2);
    d.run_id = st.column_text(3);
    d.plugin = st.column_text(4);
    d.kind = st.column_text(5);
    d.input_digest = st.column_text(6);
    d.input = st.column_text(7);
    d.decision = st.column_text(8);
    d.rule = st.column_text(9);
    d.reason = st.column_text(10);
    out.push_back(std::move(d));
  }
  return out;
}

namespace {

/// An `events` row selected as id, ts, type, trace_id, run_id, module, impl, attempt, data.
EventRow event_row(const sqlite::Statement& st) {
  EventRow e;
  e.id = st.column_int(0);
  e.ts = st.column_text(1);
  e.type = st.column_text(2);
  e.trace_id = st.column_text(3);
  e.run_id = st.column_text(4);
  e.module = st.column_text(5);
  e.impl = st.column_text(6);
  e.attempt = st.column_int(7);
  e.data = st.column_text(8);
  return e;
}

}  // namespace

std::vector<EventRow> RunStore::events(const std::string& run_id) {
  std::lock_guard lock(reader_mutex_);
  sqlite::Statement st = reader_db_.prepare(
      "SELECT id, ts, type, trace_id, run_id, module, impl, attempt, data FROM events "
      "WHERE (?1 = '' OR run_id = ?1) ORDER BY id");
  st.bind(1, run_id);
  std::vector<EventRow> out;
  while (st.step()) out.push_back(event_row(st));
  return out;
}

std::vector<EventRow> RunStore::module_events(const std::string& module, const std::string& type,
                                              int64_t limit) {
  std::lock_guard lock(reader_mutex_);
  sqlite::Statement st = reader_db_.prepare(
      "SELECT id, ts, type, trace_id, run_id, module, impl, attempt, data FROM events "
      "WHERE module = ?1 AND type = ?2 ORDER BY id DESC LIMIT ?3");
  st.bind(1, module).bind(2, type).bind(3, limit);
  std::vector<EventRow> out;
  while (st.step()) out.push_back(event_row(st));
  return out;
}

std::map<std::string, ModuleHealth> RunStore::health() {
  std::lock_guard lock(reader_mutex_);
  sqlite::Statement st = reader_db_.prepare(
      "SELECT module, consecutive_failures, paused, paused_reason FROM module_health");
  std::map<std::string, ModuleHealth> out;
  while (st.step()) {
    out[st.column_text(0)] = {st.column_int(1), st.column_int(2) != 0, st.column_text(3)};
  }
  return out;
}

std::optional<std::pair<std::string, std::string>> RunStore::idempotency(const std::string& module,
                                                                         const std::string& key) {
  std::lock_guard lock(reader_mutex_);
  sqlite::Statement st = reader_db_.prepare(
      "SELECT run_id, input_digest FROM idempotency_keys WHERE module = ?1 AND key = ?2");
  st.bind(1, module).bind(2, key);
  if (!st.step()) return std::nullopt;
  return std::make_pair(st.column_text(0), st.column_text(1));
}

void RunStore::with_reader(const std::function<void(sqlite::Database&)>& fn) {
  std::lock_guard lock(reader_mutex_);
  fn(reader_db_);
}

}  // namespace agentsys
