#include "host/sql_executor.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <memory>

#include "util/json_text.hpp"

namespace agentsys {
using json = nlohmann::json;

namespace {

struct Closer {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};

/// Read-only statements may only read; write statements may also change rows. Nobody changes
/// the schema, attaches files, runs pragmas or opens transactions of their own.
int authorize(void* read_only, int action, const char*, const char*, const char*, const char*) {
  switch (action) {
    case SQLITE_SELECT:
    case SQLITE_READ:
    case SQLITE_FUNCTION:
    case SQLITE_RECURSIVE: return SQLITE_OK;
    case SQLITE_INSERT:
    case SQLITE_UPDATE:
    case SQLITE_DELETE: return *static_cast<bool*>(read_only) ? SQLITE_DENY : SQLITE_OK;
    default: return SQLITE_DENY;
  }
}

int check_cancel(void* flag) {
  return static_cast<const std::atomic<bool>*>(flag)->load(std::memory_order_relaxed) ? 1 : 0;
}

void bind_value(sqlite3_stmt* stmt, int index, const json& v, std::string_view name) {
  int rc = SQLITE_OK;
  if (v.is_null())
    rc = sqlite3_bind_null(stmt, index);
  else if (v.is_boolean())
    rc = sqlite3_bind_int(stmt, index, v.get<bool>() ? 1 : 0);
  else if (v.is_number_integer())
    rc = sqlite3_bind_int64(stmt, index, v.get<int64_t>());
  else if (v.is_number())
    rc = sqlite3_bind_double(stmt, index, v.get<double>());
  else if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    rc = sqlite3_bind_text(stmt, index, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  } else {
    throw SqlError(fmt::format("parameter {} must be a string, number, boolean or null", name),
                   false);
  }
  if (rc != SQLITE_OK) throw SqlError(fmt::format("cannot bind parameter {}", name), false);
}

void bind_params(sqlite3_stmt* stmt, const json& params) {
  const int count = sqlite3_bind_parameter_count(stmt);
  auto require = [&](std::string_view name) -> int {
    int index = sqlite3_bind_parameter_index(stmt, std::string(name).c_str());
    if (index == 0) {
      throw SqlError(fmt::format("parameter {} is given but the statement does not use it", name),
                     false);
    }
    return index;
  };
  if (params.is_array()) {
    for (size_t i = 0; i < params.size(); ++i) {
      std::string name = fmt::format("${}", i + 1);
      bind_value(stmt, require(name), params[i], name);
    }
  } else if (params.is_object()) {
    for (const auto& [key, value] : params.items()) {
      std::string name = "$" + key;
      bind_value(stmt, require(name), value, name);
    }
  } else if (!params.is_null()) {
    throw SqlError("'params' must be an array ($1, $2, ...) or an object (named)", false);
  }
  // An unbound parameter would silently be NULL and match nothing: refuse instead.
  for (int i = 1; i <= count; ++i) {
    const char* name = sqlite3_bind_parameter_name(stmt, i);
    std::string label = name != nullptr ? name : fmt::format("?{}", i);
    bool given = params.is_array()
                     ? (label.size() > 1 && label[0] == '$' &&
                        std::all_of(label.begin() + 1, label.end(), ::isdigit) &&
                        std::stoul(label.substr(1)) <= params.size())
                     : (params.is_object() && label.size() > 1 && params.contains(label.substr(1)));
    if (!given) throw SqlError(fmt::format("parameter {} has no value", label), false);
  }
}

void append_column(std::string& out, sqlite3_stmt* stmt, int i) {
  switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_NULL: out += "null"; break;
    case SQLITE_INTEGER: {
      const fmt::format_int digits(sqlite3_column_int64(stmt, i));
      out.append(digits.data(), digits.size());
      break;
    }
    case SQLITE_FLOAT: {
      double v = sqlite3_column_double(stmt, i);
      if (!std::isfinite(v)) {
        out += "null";  // JSON has no infinity or NaN
        break;
      }
      // Formatted into a local buffer: through a back_inserter, fmt grows `out` char by char.
      char buf[40];  // the shortest round-trip form of a double takes at most 24
      const std::string_view text(buf, static_cast<size_t>(fmt::format_to(buf, "{}", v) - buf));
      out += text;
      // A REAL stays a real: "1" would read back as an integer.
      if (text.find_first_of(".eE") == std::string_view::npos) out += ".0";
      break;
    }
    default: {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
      int n = sqlite3_column_bytes(stmt, i);
      append_json_string(out,
                         std::string_view(text == nullptr ? "" : text, static_cast<size_t>(n)));
    }
  }
}

}  // namespace

std::string execute_sql(const std::filesystem::path& database, const SqlQuery& query) {
  sqlite3* raw = nullptr;
  int flags = (query.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) |
              SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW;
  int rc = sqlite3_open_v2(database.c_str(), &raw, flags, nullptr);
  std::unique_ptr<sqlite3, Closer> db(raw);
  if (rc != SQLITE_OK) {
    throw SqlError(fmt::format("cannot open database '{}': {}", database.string(),
                               raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)),
                   false);
  }
  sqlite3_busy_timeout(db.get(), 5000);
  bool read_only = query.read_only;
  sqlite3_set_authorizer(db.get(), &authorize, &read_only);
  if (query.cancel != nullptr) {
    sqlite3_progress_handler(db.get(), 10000, &check_cancel,
                             const_cast<std::atomic<bool>*>(query.cancel));
  }
  sqlite3_stmt* raw_stmt = nullptr;
  const char* tail = nullptr;
  rc = sqlite3_prepare_v2(db.get(), query.sql.data(), static_cast<int>(query.sql.size()), &raw_stmt,
                          &tail);
  std::unique_ptr<sqlite3_stmt, Closer> stmt(raw_stmt);
  if (rc != SQLITE_OK) {
    throw SqlError(fmt::format("SQLite refused the statement: {}", sqlite3_errmsg(db.get())),
                   rc == SQLITE_AUTH);
  }
  if (stmt == nullptr) throw SqlError("the statement is empty", false);
  if (tail != nullptr &&
      std::string_view(tail).find_first_not_of(" \t\r\n;") != std::string_view::npos) {
    throw SqlError("only one statement may be run at a time", true);
  }
  bind_params(stmt.get(), query.params);

  const int columns = sqlite3_column_count(stmt.get());
  std::string out = "{\"columns\":[";
  for (int i = 0; i < columns; ++i) {
    if (i > 0) out += ',';
    const char* name = sqlite3_column_name(stmt.get(), i);
    append_json_string(out, name == nullptr ? "" : name);
  }
  out += "],\"rows\":[";
  size_t rows = 0;
  bool truncated = false;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    if (rows == query.max_rows) {
      truncated = true;
      break;
    }
    out += rows++ == 0 ? "[" : ",[";
    for (int i = 0; i < columns; ++i) {
      if (i > 0) out += ',';
      append_column(out, stmt.get(), i);
    }
    out += ']';
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    throw SqlError(fmt::format("SQLite failed: {}", sqlite3_errmsg(db.get())), rc == SQLITE_AUTH);
  }
  fmt::format_to(std::back_inserter(out), "],\"row_count\":{},\"truncated\":{},\"changes\":{}}}",
                 rows, truncated, read_only ? 0 : sqlite3_changes64(db.get()));
  return out;
}

}  // namespace agentsys
