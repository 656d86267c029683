// agentsys todo list | done | add
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <charconv>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/cli.hpp"
#include "cli/command.hpp"
#include "cli/table.hpp"
#include "migration/todo.hpp"

namespace agentsys::cli {
namespace po = boost::program_options;
using json = nlohmann::ordered_json;
using migration::TodoError;
using migration::TodoItem;

namespace {

json nullable(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

json item_json(const TodoItem& t) {
  return json{{"id", t.id},
              {"status", t.status},
              {"created_at", t.created_at},
              {"title", t.title},
              {"detail", t.detail},
              {"source", t.source},
              {"module", nullable(t.module)},
              {"link", nullable(t.link)},
              {"done_at", nullable(t.done_at)},
              {"done_note", nullable(t.done_note)}};
}

int64_t parse_id(const std::string& text) {
  int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || id <= 0) {
    throw UsageError(fmt::format(
        "todo done: '{}' is not a to-do id (a positive number; see 'agentsys todo list')", text));
  }
  return id;
}

}  // namespace

int todo_list(CommandContext& ctx) {
  bool all = false;
  bool as_json = false;
  po::options_description desc("Options");
  desc.add_options()("all", po::bool_switch(&all), "include items already done")(
      "json", po::bool_switch(&as_json), "print JSON");
  if (!ctx.parse(desc)) return kExitOk;
  migration::TodoList todos(migration_state_dir(ctx));
  std::vector<TodoItem> items = todos.list(all);
  if (as_json) {
    json doc = json::array();
    for (const TodoItem& t : items) doc.push_back(item_json(t));
    ctx.out << doc.dump(2) << "\n";
    return kExitOk;
  }
  if (items.empty()) {
    fmt::print(ctx.out, "no {}to-do items\n", all ? "" : "open ");
    return kExitOk;
  }
  Table table({"ID", "STATUS", "CREATED", "SOURCE", "MODULE", "TITLE", "LINK"});
  for (const TodoItem& t : items) {
    table.add({std::to_string(t.id), t.status, t.created_at, t.source,
               t.module.empty() ? "-" : t.module, t.title, t.link.empty() ? "-" : t.link});
  }
  table.print(ctx.out);
  return kExitOk;
}

int todo_done(CommandContext& ctx) {
  std::string id_text;
  std::string note;
  bool as_json = false;
  po::options_description desc("Options");
  desc.add_options()("id", po::value(&id_text), "the to-do id (see 'agentsys todo list')")(
      "note", po::value(&note), "how it was resolved (kept with the item)")(
      "json", po::bool_switch(&as_json), "print the item as JSON");
  po::positional_options_description pos;
  pos.add("id", 1);
  if (!ctx.parse(desc, pos)) return kExitOk;
  if (id_text.empty()) throw UsageError("todo done: missing ID (usage: " + ctx.usage + ")");
  const int64_t id = parse_id(id_text);
  migration::TodoList todos(migration_state_dir(ctx));
  TodoItem item;
  try {
    item = todos.done(id, note);
  } catch (const TodoError& e) {
    if (e.kind() == TodoError::Kind::already_done) {
      throw RuntimeError(fmt::format("todo done: {}", e.what()));
    }
    throw UsageError(fmt::format("todo done: {} (see 'agentsys todo list --all')", e.what()));
  }
  if (as_json) {
    ctx.out << item_json(item).dump(2) << "\n";
  } else {
    fmt::print(ctx.out, "to-do {} done: {}\n", item.id, item.title);
  }
  return kExitOk;
}

int todo_add(CommandContext& ctx) {
  migration::NewTodo item;
  bool as_json = false;
  po::options_description desc("Options");
  desc.add_options()("title", po::value(&item.title), "what is to be done (required)")(
      "detail", po::value(&item.detail), "more about it")("module", po::value(&item.module),
                                                          "the module it is about")(
      "link", po::value(&item.link), "a file or URL to look at")("json", po::bool_switch(&as_json),
                                                                 "print the item as JSON");
  if (!ctx.parse(desc)) return kExitOk;
  if (item.title.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw UsageError("todo add: --title is required and cannot be blank");
  }
  item.source = "operator";
  migration::TodoList todos(migration_state_dir(ctx));
  TodoItem added = todos.add(item);
  if (as_json) {
    ctx.out << item_json(added).dump(2) << "\n";
  } else {
    fmt::print(ctx.out, "to-do {} added: {}\n", added.id, added.title);
  }
  return kExitOk;
}

}  // namespace agentsys::cli
