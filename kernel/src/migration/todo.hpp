#pragma once
// Operators' to-do items in the state database (`todos` table): what a rollback leaves for a
// person to do (read the rollback report, find the cause), and what operators add themselves.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace agentsys::sqlite {
class Database;
}

namespace agentsys::migration {

struct TodoItem {
  int64_t id = 0;
  std::string created_at;  ///< ISO-8601 UTC.
  std::string title;
  std::string detail;
  std::string source;     ///< Who made it: "rollback", "operator", ...
  std::string module;     ///< The module it is about, or "".
  std::string link;       ///< e.g. the path of rollback_report.md, or "".
  std::string status;     ///< "open" or "done".
  std::string done_at;    ///< "" while open.
  std::string done_note;  ///< "" while open, or when closed without a note.
};

/// What `TodoList::add` records. Only `title` is required.
struct NewTodo {
  std::string title;
  std::string detail;
  std::string source = "operator";
  std::string module;
  std::string link;
};

/// `done` on an id that does not exist, or on an item already done.
class TodoError : public std::runtime_error {
 public:
  enum class Kind { not_found, already_done, invalid };
  TodoError(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  [[nodiscard]] Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

/// The to-do list of one state directory. Each call is its own transaction; safe to use from
/// several processes at once (SQLite WAL). Not thread-safe: one object per thread.
///
///   migration::NewTodo item;
///   item.title = "Rollback of MODULE: find the cause";
///   item.detail = "...";
///   item.source = "rollback";
///   item.module = module;
///   item.link = report_path.string();  // rollback_report.md
///   migration::TodoItem added = migration::TodoList(kernel.options().state_dir).add(item);
class TodoList {
 public:
  /// Nothing is opened until the first call. Reading a state directory that has no database
  /// yet gives an empty list and creates nothing; `add` creates it.
  explicit TodoList(std::filesystem::path state_dir);
  ~TodoList();
  TodoList(const TodoList&) = delete;
  TodoList& operator=(const TodoList&) = delete;

  /// Records a new open item and returns it (with its id). Throws TodoError(invalid) for a
  /// blank title, sqlite::Error when the database cannot be written.
  TodoItem add(const NewTodo& item);

  /// Open items, oldest first; with `include_done`, every item.
  std::vector<TodoItem> list(bool include_done = false);

  /// The item with this id, if any.
  std::optional<TodoItem> find(int64_t id);

  /// Marks an open item done, with an optional note, and returns it. Throws TodoError:
  /// not_found for an unknown id, already_done (naming when) for an item already closed.
  TodoItem done(int64_t id, const std::string& note = "");

 private:
  sqlite::Database* db(bool create);

  std::filesystem::path state_dir_;
  std::unique_ptr<sqlite::Database> db_;
};

}  // namespace agentsys::migration
