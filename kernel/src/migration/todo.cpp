#include "migration/todo.hpp"

#include <fmt/format.h>

#include "store/sqlite.hpp"
#include "store/state_store.hpp"
#include "util/time.hpp"

namespace agentsys::migration {
namespace fs = std::filesystem;

namespace {

constexpr const char* kColumns =
    "id, created_at, title, detail, source, module, link, status, done_at, done_note";

TodoItem read_item(const sqlite::Statement& st) {
  TodoItem t;
  t.id = st.column_int(0);
  t.created_at = st.column_text(1);
  t.title = st.column_text(2);
  t.detail = st.column_text(3);
  t.source = st.column_text(4);
  t.module = st.column_text(5);
  t.link = st.column_text(6);
  t.status = st.column_text(7);
  t.done_at = st.column_text(8);
  t.done_note = st.column_text(9);
  return t;
}

bool blank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

void bind_or_null(sqlite::Statement& st, int index, const std::string& value) {
  if (value.empty()) {
    st.bind_null(index);
  } else {
    st.bind(index, value);
  }
}

}  // namespace

TodoList::TodoList(fs::path state_dir) : state_dir_(std::move(state_dir)) {}

TodoList::~TodoList() = default;

sqlite::Database* TodoList::db(bool create) {
  if (db_) return db_.get();
  std::error_code ec;
  const fs::path file = StateStore::database_path(state_dir_);
  if (!create && !fs::exists(file, ec)) return nullptr;
  StateStore::open(state_dir_, create);  // creates the file and brings the schema up to date
  db_ = std::make_unique<sqlite::Database>(file, false);
  return db_.get();
}

TodoItem TodoList::add(const NewTodo& item) {
  if (blank(item.title)) throw TodoError(TodoError::Kind::invalid, "a to-do item needs a title");
  sqlite::Database& d = *db(true);
  sqlite::Transaction tx(d);
  sqlite::Statement st = d.prepare(
      "INSERT INTO todos(created_at, title, detail, source, module, link, status) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'open')");
  st.bind(1, iso8601_now())
      .bind(2, item.title)
      .bind(3, item.detail)
      .bind(4, item.source.empty() ? std::string("operator") : item.source);
  bind_or_null(st, 5, item.module);
  bind_or_null(st, 6, item.link);
  st.step();
  const int64_t id = sqlite3_last_insert_rowid(d.handle());
  tx.commit();
  return *find(id);
}

std::vector<TodoItem> TodoList::list(bool include_done) {
  std::vector<TodoItem> items;
  sqlite::Database* d = db(false);
  if (d == nullptr) return items;
  sqlite::Statement st = d->prepare(fmt::format("SELECT {} FROM todos {} ORDER BY id", kColumns,
                                                include_done ? "" : "WHERE status = 'open'"));
  while (st.step()) items.push_back(read_item(st));
  return items;
}

std::optional<TodoItem> TodoList::find(int64_t id) {
  sqlite::Database* d = db(false);
  if (d == nullptr) return std::nullopt;
  sqlite::Statement st = d->prepare(fmt::format("SELECT {} FROM todos WHERE id = ?1", kColumns));
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  return read_item(st);
}

TodoItem TodoList::done(int64_t id, const std::string& note) {
  sqlite::Database* d = db(false);
  if (d == nullptr) {
    throw TodoError(TodoError::Kind::not_found, fmt::format("no to-do item {}", id));
  }
  {
    sqlite::Transaction tx(*d);
    sqlite::Statement st = d->prepare(
        "UPDATE todos SET status = 'done', done_at = ?2, done_note = ?3 "
        "WHERE id = ?1 AND status = 'open'");
    st.bind(1, id).bind(2, iso8601_now());
    bind_or_null(st, 3, note);
    st.step();
    const int changed = sqlite3_changes(d->handle());
    tx.commit();
    if (changed == 1) return *find(id);
  }
  std::optional<TodoItem> item = find(id);
  if (!item) throw TodoError(TodoError::Kind::not_found, fmt::format("no to-do item {}", id));
  throw TodoError(TodoError::Kind::already_done,
                  fmt::format("to-do item {} is already done (since {}{})", id, item->done_at,
                              item->done_note.empty() ? "" : ": " + item->done_note));
}

}  // namespace agentsys::migration
