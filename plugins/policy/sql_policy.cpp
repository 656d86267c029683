#include "sql_policy.hpp"

#include <pg_query.h>
#include <unistd.h>

#include <algorithm>
#include <memory>

#include "sql_tree.hpp"
#include "utf8.hpp"

namespace agentsys::policy {

namespace {

constexpr size_t kMaxSqlBytes = 1 << 20;

using Node = SqlTree::Node;
using Type = SqlTree::Type;

/// "CreateTableAsStmt" -> "CREATE TABLE AS"; "SelectStmt" -> "SELECT".
std::string statement_name(std::string_view node) {
  if (node.size() > 4 && node.substr(node.size() - 4) == "Stmt") node.remove_suffix(4);
  std::string out;
  for (size_t i = 0; i < node.size(); ++i) {
    const char c = node[i];
    if (c >= 'A' && c <= 'Z' && i > 0) out += ' ';
    out += static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  }
  return out;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return s;
}

bool is_dml(std::string_view key) {
  return key == "InsertStmt" || key == "UpdateStmt" || key == "DeleteStmt" || key == "MergeStmt";
}

/// A parse node's type name ("SelectStmt"), not a field that holds one ("selectStmt").
bool is_statement(std::string_view key) {
  return key.size() > 4 && key[0] >= 'A' && key[0] <= 'Z' && key.substr(key.size() - 4) == "Stmt";
}

/// Walks one statement's parse tree, collecting tables and stopping at the first violation.
class Walker {
 public:
  Walker(const SqlTree& tree, const SqlPolicy::Context& ctx) : t_(tree), ctx_(ctx) {}

  std::optional<Decision> verdict;
  std::vector<std::string> tables;

  void statement(std::string_view key, uint32_t body, bool top) {
    if (verdict) return;
    const bool dml = is_dml(key);
    if (!top && dml && !ctx_.read_write) {
      deny("sql.data_modifying_cte",
           "a " + statement_name(key) +
               " inside a WITH clause modifies data in a read-only context");
      return;
    }
    if (!top && key != "SelectStmt" && !dml) {
      deny("sql.not_select", "a nested " + statement_name(key) + " statement is not allowed");
      return;
    }
    if (key == "MergeStmt") {
      deny("sql.not_select", "MERGE is not allowed in any context");
      return;
    }
    if (key == "SelectStmt") {
      if (t_.member(body, "intoClause") != SqlTree::kNone) {
        deny("sql.select_into", "SELECT ... INTO creates a table; it is never allowed");
        return;
      }
      const uint32_t locking = t_.member(body, "lockingClause");
      if (!ctx_.read_write && locking != SqlTree::kNone &&
          t_.node(locking).first != SqlTree::kNone) {
        deny("sql.locking_clause",
             "FOR UPDATE / FOR SHARE takes row locks, which a read-only context does not allow");
        return;
      }
    }
    // The CTE names of this statement's WITH clause are in scope for its body.
    const size_t scope_size = scope_.size();
    const uint32_t with = t_.member(body, "withClause");
    if (with != SqlTree::kNone) ctes(with);
    if (verdict) return;
    for (uint32_t c = t_.node(body).first; c != SqlTree::kNone && !verdict; c = t_.node(c).next) {
      const Node& n = t_.node(c);
      if (c == with) continue;
      if (dml && n.key == "relation") {
        table(c, true);
        continue;
      }
      walk(c);
    }
    scope_.resize(scope_size);
  }

 private:
  void deny(std::string rule, std::string reason) {
    if (!verdict) verdict = Decision::deny(std::move(rule), std::move(reason));
  }

  void ctes(uint32_t with) {
    const uint32_t list = t_.member(with, "ctes");
    const uint32_t rec = t_.member(with, "recursive");
    const bool recursive = rec != SqlTree::kNone && t_.node(rec).text == "true";
    std::vector<std::pair<std::string, uint32_t>> items;  // name, query
    if (list != SqlTree::kNone) {
      for (uint32_t c = t_.node(list).first; c != SqlTree::kNone; c = t_.node(c).next) {
        const uint32_t cte = t_.member(c, "CommonTableExpr");
        if (cte == SqlTree::kNone) continue;
        const uint32_t name = t_.member(cte, "ctename");
        items.emplace_back(name != SqlTree::kNone ? t_.string_value(name) : std::string(),
                           t_.member(cte, "ctequery"));
      }
    }
    // WITH RECURSIVE: every name is visible in every CTE; otherwise only the earlier ones.
    if (recursive) {
      for (const auto& [name, query] : items) scope_.push_back(name);
    }
    for (const auto& [name, query] : items) {
      if (query != SqlTree::kNone) walk(query);
      if (verdict) return;
      if (!recursive) scope_.push_back(name);
    }
  }

  void walk(uint32_t id) {
    if (verdict) return;
    const Node& n = t_.node(id);
    if (n.type == Type::array) {
      for (uint32_t c = n.first; c != SqlTree::kNone && !verdict; c = t_.node(c).next) walk(c);
      return;
    }
    if (n.type != Type::object) return;
    if (t_.member(id, "relname") != SqlTree::kNone) {  // a bare RangeVar (e.g. IntoClause.rel)
      table(id, false);
      return;
    }
    for (uint32_t c = n.first; c != SqlTree::kNone && !verdict; c = t_.node(c).next) {
      const Node& m = t_.node(c);
      if (m.key == "RangeVar") {
        table(c, false);
      } else if (m.key == "FuncCall") {
        function(c);
        walk(c);
      } else if (is_statement(m.key) && m.type == Type::object) {
        statement(m.key, c, false);
      } else {
        walk(c);
      }
    }
  }

  void function(uint32_t call) {
    const uint32_t names = t_.member(call, "funcname");
    if (names == SqlTree::kNone) return;
    std::string qualified;
    std::string last;
    for (uint32_t c = t_.node(names).first; c != SqlTree::kNone; c = t_.node(c).next) {
      const uint32_t s = t_.member(c, "String");
      const uint32_t v = s != SqlTree::kNone ? t_.member(s, "sval") : SqlTree::kNone;
      if (v == SqlTree::kNone) continue;
      last = lower(t_.string_value(v));
      qualified += (qualified.empty() ? "" : ".") + last;
    }
    if (ctx_.function_denied(last)) {
      deny("sql.denied_function",
           "function " + qualified + "() is denied in context '" + ctx_.name + "'");
    }
  }

  void table(uint32_t id, bool write) {
    auto field = [&](std::string_view key) {
      const uint32_t m = t_.member(id, key);
      return m != SqlTree::kNone ? t_.string_value(m) : std::string();
    };
    const std::string rel = field("relname");
    const std::string schema = field("schemaname");
    const std::string catalog = field("catalogname");
    if (!write && schema.empty() && catalog.empty() &&
        std::find(scope_.begin(), scope_.end(), rel) != scope_.end()) {
      return;  // a CTE, not a table
    }
    std::string name = catalog.empty() ? "" : catalog + ".";
    name += schema.empty() ? ctx_.normalise(rel) : schema + "." + rel;
    if (std::find(tables.begin(), tables.end(), name) == tables.end()) tables.push_back(name);
    if (write) {
      if (!ctx_.write_tables.contains(name)) {
        deny("sql.write_not_allowed",
             "writing table " + name + " is not allowed in context '" + ctx_.name + "'");
      }
      return;
    }
    if (!ctx_.tables.contains(name) && !ctx_.write_tables.contains(name)) {
      deny("sql.table_not_allowed",
           "table " + name + " is not on the table allowlist of context '" + ctx_.name + "'");
    }
  }

  const SqlTree& t_;
  const SqlPolicy::Context& ctx_;
  std::vector<std::string> scope_;
};

/// libpg_query keeps a memory context per thread. It frees a worker thread's when the thread
/// ends (a pthread key destructor), never the main thread's: once this plugin is unloaded, that
/// context would be unreachable, a leak. So the main thread's is freed when the plugin's
/// statics are destroyed (at unload or exit), if the main thread ever parsed. Not on any other
/// thread: pg_query_exit() leaves the key set, and the thread's end would free it again.
thread_local bool t_parsed = false;

struct MainThreadParserContext {
  MainThreadParserContext() = default;
  ~MainThreadParserContext() {
    if (t_parsed && ::gettid() == ::getpid()) pg_query_exit();
  }
  MainThreadParserContext(const MainThreadParserContext&) = delete;
  MainThreadParserContext& operator=(const MainThreadParserContext&) = delete;
};
const MainThreadParserContext kMainThreadParserContext;

/// Frees a libpg_query result on every path.
struct ParseResult {
  PgQueryParseResult r;
  explicit ParseResult(const std::string& sql) : r(pg_query_parse(sql.c_str())) { t_parsed = true; }
  ~ParseResult() { pg_query_free_parse_result(r); }
  ParseResult(const ParseResult&) = delete;
  ParseResult& operator=(const ParseResult&) = delete;
};

}  // namespace

const std::vector<std::string>& SqlPolicy::builtin_denied_functions() {
  // Functions that read or write files, run other SQL, reach other servers, change settings,
  // signal backends, take locks, sleep, or modify sequences -- plus SQLite's dangerous ones.
  static const std::vector<std::string> kList = {"pg_read_file",
                                                 "pg_read_binary_file",
                                                 "pg_ls_*",
                                                 "pg_stat_file",
                                                 "pg_file_*",
                                                 "lo_*",
                                                 "loread",
                                                 "lowrite",
                                                 "dblink*",
                                                 "pg_sleep*",
                                                 "set_config",
                                                 "pg_terminate_backend",
                                                 "pg_cancel_backend",
                                                 "pg_reload_conf",
                                                 "pg_rotate_logfile",
                                                 "pg_promote",
                                                 "pg_switch_wal",
                                                 "pg_create_restore_point",
                                                 "pg_start_backup",
                                                 "pg_stop_backup",
                                                 "pg_backup_*",
                                                 "pg_advisory_*",
                                                 "pg_try_advisory_*",
                                                 "pg_notify",
                                                 "pg_logical_*",
                                                 "pg_replication_*",
                                                 "pg_create_*",
                                                 "pg_drop_*",
                                                 "pg_import_*",
                                                 "pg_stat_reset*",
                                                 "nextval",
                                                 "setval",
                                                 "query_to_xml*",
                                                 "table_to_xml*",
                                                 "schema_to_xml*",
                                                 "database_to_xml*",
                                                 "cursor_to_xml*",
                                                 "txid_current",
                                                 "pg_current_xact_id",
                                                 "load_extension",
                                                 "readfile",
                                                 "writefile",
                                                 "fts3_tokenizer",
                                                 "edit"};
  return kList;
}

std::string SqlPolicy::Context::normalise(std::string_view table) const {
  if (!default_schema || table.find('.') != std::string_view::npos) return std::string(table);
  return *default_schema + "." + std::string(table);
}

bool SqlPolicy::Context::function_denied(std::string_view function) const {
  if (deny_exact.contains(function)) return true;
  return std::any_of(deny_prefix.begin(), deny_prefix.end(),
                     [&](const std::string& p) { return function.substr(0, p.size()) == p; });
}

void SqlPolicy::build(const std::vector<LayerDoc>& layers, Problems& problems) {
  global_deny_ = builtin_denied_functions();
  for (const auto& doc : layers) {
    if (doc.sql) {
      global_deny_.insert(global_deny_.end(), doc.sql->deny_functions.begin(),
                          doc.sql->deny_functions.end());
    }
  }
  for (const auto& doc : layers) {
    if (!doc.sql) continue;
    for (const auto& [name, c] : doc.sql->contexts) {
      auto it = std::find_if(contexts_.begin(), contexts_.end(),
                             [&](const Context& x) { return x.name == name; });
      const bool first = it == contexts_.end();
      if (first) {
        contexts_.push_back(Context{});
        it = std::prev(contexts_.end());
        it->name = name;
        it->read_write = c.read_write.value_or(false);
        it->default_schema = c.default_schema;
      } else {
        // A later layer can only narrow: read_write -> read_only, never the other way.
        if (c.read_write && !*c.read_write) it->read_write = false;
        if (c.default_schema && c.default_schema != it->default_schema) {
          problems.add(doc.source, c.pointer + "/default_schema", "layering",
                       "default_schema of context '" + name +
                           "' was set by an earlier layer and cannot change");
        }
      }
      auto narrow = [&](std::set<std::string, std::less<>>& set,
                        const std::optional<std::vector<std::string>>& list) {
        if (!list) return;
        std::set<std::string, std::less<>> mine;
        for (const auto& t : *list) mine.insert(it->normalise(t));
        if (first) {
          set = std::move(mine);
        } else {
          std::erase_if(set, [&](const std::string& t) { return !mine.contains(t); });
        }
      };
      narrow(it->tables, c.tables);
      narrow(it->write_tables, c.write_tables);
      for (const auto& f : c.deny_functions) {
        if (f.back() == '*') {
          it->deny_prefix.push_back(f.substr(0, f.size() - 1));
        } else {
          it->deny_exact.insert(f);
        }
      }
      it->layers.push_back(doc.name);
    }
  }
  for (auto& ctx : contexts_) {
    for (const auto& f : global_deny_) {
      if (f.back() == '*') {
        ctx.deny_prefix.push_back(f.substr(0, f.size() - 1));
      } else {
        ctx.deny_exact.insert(f);
      }
    }
  }
}

Decision SqlPolicy::decide(const SqlRequest& request) const {
  const std::string& sql = request.sql;
  if (has_nul(sql)) {
    return Decision::deny("sql.nul_byte",
                          "the SQL contains a NUL byte, which would hide the rest "
                          "of the text from the parser");
  }
  if (!is_valid_utf8(sql)) return Decision::deny("sql.invalid_utf8", "the SQL is not valid UTF-8");
  if (sql.size() > kMaxSqlBytes)
    return Decision::deny("sql.too_long", "the SQL is longer than 1 MiB");
  auto ctx = std::find_if(contexts_.begin(), contexts_.end(),
                          [&](const Context& c) { return c.name == request.context; });
  if (ctx == contexts_.end()) {
    if (contexts_.empty()) {
      return Decision::deny("default.deny",
                            "no policy layer defines any SQL context; denied by default");
    }
    return Decision::deny("sql.unknown_context",
                          "no policy layer defines the SQL context '" + request.context + "'");
  }

  const ParseResult parsed(sql);
  if (parsed.r.error != nullptr) {
    std::string msg = parsed.r.error->message != nullptr ? parsed.r.error->message : "parse error";
    if (parsed.r.error->cursorpos > 0) {
      msg += " (at character " + std::to_string(parsed.r.error->cursorpos) + ")";
    }
    return Decision::deny("sql.parse_error", "the SQL does not parse: " + msg);
  }
  SqlTree tree;
  std::string error;
  if (parsed.r.parse_tree == nullptr || !tree.parse(parsed.r.parse_tree, error)) {
    return Decision::deny("sql.parse_error", "cannot read the parser's output: " + error);
  }
  const uint32_t stmts = tree.member(tree.root(), "stmts");
  size_t count = 0;
  uint32_t first = SqlTree::kNone;
  if (stmts != SqlTree::kNone) {
    for (uint32_t c = tree.node(stmts).first; c != SqlTree::kNone; c = tree.node(c).next) {
      if (count++ == 0) first = c;
    }
  }
  if (count == 0) return Decision::deny("sql.empty", "the SQL holds no statement");
  if (count > 1) {
    return Decision::deny("sql.multiple_statements", "the SQL holds " + std::to_string(count) +
                                                         " statements; exactly one is allowed");
  }
  const uint32_t stmt = tree.member(first, "stmt");
  const uint32_t body = stmt != SqlTree::kNone ? tree.node(stmt).first : SqlTree::kNone;
  if (body == SqlTree::kNone) return Decision::deny("sql.parse_error", "empty statement");
  const std::string_view key = tree.node(body).key;
  const std::string statement = statement_name(key);
  auto finish = [&](Decision d) {
    d.statement = statement;
    return d;
  };
  const bool allowed_kind =
      key == "SelectStmt" ||
      (ctx->read_write && (key == "InsertStmt" || key == "UpdateStmt" || key == "DeleteStmt"));
  if (!allowed_kind) {
    return finish(Decision::deny(
        "sql.not_select", statement + " is not allowed in context '" + ctx->name + "' (only " +
                              (ctx->read_write ? "SELECT, INSERT, UPDATE and DELETE" : "SELECT") +
                              " statements are)"));
  }
  if ((key == "UpdateStmt" || key == "DeleteStmt") &&
      tree.member(body, "whereClause") == SqlTree::kNone) {
    return finish(Decision::deny("sql.missing_where",
                                 statement + " without a WHERE clause would touch every row"));
  }
  Walker walker(tree, *ctx);
  walker.statement(key, body, true);
  if (walker.verdict) {
    Decision d = std::move(*walker.verdict);
    d.tables = std::move(walker.tables);
    return finish(std::move(d));
  }
  Decision d = Decision::allow(
      "sql." + ctx->name,
      "a " + statement + " on allowlisted tables is allowed in context '" + ctx->name + "'");
  d.tables = std::move(walker.tables);
  return finish(std::move(d));
}

nlohmann::json SqlPolicy::describe() const {
  nlohmann::json out{{"deny_functions", global_deny_}, {"contexts", nlohmann::json::object()}};
  for (const auto& c : contexts_) {
    std::vector<std::string> functions(c.deny_exact.begin(), c.deny_exact.end());
    for (const auto& p : c.deny_prefix) functions.push_back(p + "*");
    out["contexts"][c.name] = {
        {"layers", c.layers},
        {"mode", c.read_write ? "read_write" : "read_only"},
        {"default_schema", c.default_schema ? nlohmann::json(*c.default_schema) : nlohmann::json()},
        {"tables", std::vector<std::string>(c.tables.begin(), c.tables.end())},
        {"write_tables", std::vector<std::string>(c.write_tables.begin(), c.write_tables.end())},
        {"deny_functions", functions}};
  }
  return out;
}

}  // namespace agentsys::policy
