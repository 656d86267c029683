// To-do items: add, list (open / all), done with a note, unknown and already-done ids.
#include <doctest/doctest.h>

#include "migration/todo.hpp"
#include "store/state_store.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace agentsys;
using namespace agentsys::migration;

namespace {

NewTodo todo(std::string title, std::string source = "operator", std::string module = "",
             std::string link = "", std::string detail = "") {
  NewTodo t;
  t.title = std::move(title);
  t.detail = std::move(detail);
  t.source = std::move(source);
  t.module = std::move(module);
  t.link = std::move(link);
  return t;
}

}  // namespace

TEST_CASE("todo: a state directory without a database has no items and stays empty") {
  test::TempDir dir;
  TodoList todos(dir.path() / "var");
  CHECK(todos.list(true).empty());
  CHECK_FALSE(todos.find(1).has_value());
  CHECK_FALSE(fs::exists(dir.path() / "var"));
  CHECK_THROWS_AS(todos.done(1), TodoError);
}

TEST_CASE("todo: add, list, done") {
  test::TempDir dir;
  TodoList todos(dir.path());
  TodoItem a = todos.add(todo("Rollback of report_orchestrator: find the cause", "rollback",
                              "report_orchestrator", "var/rollback/rb_1/rollback_report.md",
                              "2 consecutive key output failures"));
  TodoItem b = todos.add(todo("Rotate the MCP token"));
  CHECK(a.id > 0);
  CHECK(b.id > a.id);
  CHECK(a.status == "open");
  CHECK(a.source == "rollback");
  CHECK(a.module == "report_orchestrator");
  CHECK(a.link == "var/rollback/rb_1/rollback_report.md");
  CHECK(a.created_at.ends_with("Z"));
  CHECK(b.source == "operator");
  CHECK(b.module.empty());

  std::vector<TodoItem> open = todos.list();
  REQUIRE(open.size() == 2);
  CHECK(open[0].id == a.id);

  TodoItem done = todos.done(a.id, "config typo fixed in reports.toml");
  CHECK(done.status == "done");
  CHECK(done.done_note == "config typo fixed in reports.toml");
  CHECK_FALSE(done.done_at.empty());
  CHECK(todos.list().size() == 1);
  CHECK(todos.list(true).size() == 2);

  // Another process sees the same list.
  TodoList other(dir.path());
  CHECK(other.find(a.id)->status == "done");
}

TEST_CASE("todo: unknown, already done and blank items are refused") {
  test::TempDir dir;
  TodoList todos(dir.path());
  TodoItem a = todos.add(todo("x"));
  try {
    todos.done(a.id + 100);
    FAIL("expected TodoError");
  } catch (const TodoError& e) {
    CHECK(e.kind() == TodoError::Kind::not_found);
    CHECK(std::string(e.what()).find(std::to_string(a.id + 100)) != std::string::npos);
  }
  todos.done(a.id, "first");
  try {
    todos.done(a.id, "second");
    FAIL("expected TodoError");
  } catch (const TodoError& e) {
    CHECK(e.kind() == TodoError::Kind::already_done);
    CHECK(std::string(e.what()).find("already done") != std::string::npos);
    CHECK(std::string(e.what()).find("first") != std::string::npos);
  }
  CHECK(todos.find(a.id)->done_note == "first");
  CHECK_THROWS_AS(todos.add(todo("  ")), TodoError);
}
