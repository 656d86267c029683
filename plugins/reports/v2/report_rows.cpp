#include "report_rows.hpp"

#include <simdjson.h>

#include <memory>
#include <mutex>
#include <vector>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace agentsys::reports {
using json = nlohmann::json;

namespace {

/// nlohmann::json's rank of a type in its order of different types.
int rank(Cell::Type t) {
  switch (t) {
    case Cell::Type::null: return 0;
    case Cell::Type::boolean: return 1;
    case Cell::Type::integer:
    case Cell::Type::real: return 2;
    case Cell::Type::text: return 5;
  }
  return 6;
}

}  // namespace

json Cell::to_json() const {
  switch (type_) {
    case Type::null: return nullptr;
    case Type::boolean: return boolean();
    case Type::integer: return integer_;
    case Type::real: return real_;
    case Type::text: return std::string(text());
  }
  return nullptr;
}

bool operator<(const Cell& a, const Cell& b) {
  if (a.is_integer() && b.is_integer()) return a.integer() < b.integer();
  if (a.is_number() && b.is_number()) return a.number() < b.number();
  if (a.type() != b.type()) return rank(a.type()) < rank(b.type());
  switch (a.type()) {
    case Cell::Type::boolean: return a.boolean() < b.boolean();
    case Cell::Type::text: return a.text() < b.text();
    default: return false;  // null
  }
}

bool operator==(const Cell& a, const Cell& b) {
  if (a.is_integer() && b.is_integer()) return a.integer() == b.integer();
  if (a.is_number() && b.is_number()) return a.number() == b.number();
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Cell::Type::boolean: return a.boolean() == b.boolean();
    case Cell::Type::text: return a.text() == b.text();
    default: return true;  // null
  }
}

bool equals(const Cell& cell, const json& value) {
  switch (cell.type()) {
    case Cell::Type::null: return value.is_null();
    case Cell::Type::boolean: return value.is_boolean() && value.get<bool>() == cell.boolean();
    case Cell::Type::integer:
      if (value.is_number_integer()) return value.get<int64_t>() == cell.integer();
      return value.is_number_float() && value.get<double>() == cell.number();
    case Cell::Type::real: return value.is_number() && value.get<double>() == cell.number();
    case Cell::Type::text:
      return value.is_string() && value.get_ref<const std::string&>() == cell.text();
  }
  return false;
}

std::string_view QueryRows::Arena::store(std::string_view text) {
  if (text.empty()) return {};
  if (chunks.empty() || text.size() > capacity - used) {
    const size_t size = std::max<size_t>(size_t{1} << 20, text.size());
    chunks.push_back(std::make_unique<char[]>(size));
    capacity = size;
    used = 0;
  }
  char* at = chunks.back().get() + used;
  std::memcpy(at, text.data(), text.size());
  used += text.size();
  return {at, text.size()};
}

void QueryRows::append_text(std::string_view text) { append(Cell::of_text(arena_->store(text))); }

void QueryRows::end_row() {
  const size_t end = (rows_ + 1) * columns.size();
  if (cells_.size() < end) cells_.resize(end);
  ++rows_;
}

QueryRows QueryRows::from_json(std::string query_name, std::vector<std::string> query_columns,
                               const json& rows) {
  if (!rows.is_array()) throw std::invalid_argument("query rows must be an array");
  QueryRows out;
  out.name = std::move(query_name);
  out.columns = std::move(query_columns);
  out.reserve_rows(rows.size());
  for (const json& row : rows) {
    if (!row.is_array()) throw std::invalid_argument("each query row must be an array");
    const size_t n = std::min(row.size(), out.columns.size());
    for (size_t c = 0; c < n; ++c) {
      const json& v = row[c];
      if (v.is_null()) {
        out.append(Cell());
      } else if (v.is_boolean()) {
        out.append(Cell::of(v.get<bool>()));
      } else if (v.is_number_integer()) {
        out.append(Cell::of(v.get<int64_t>()));
      } else if (v.is_number()) {
        out.append(Cell::of(v.get<double>()));
      } else if (v.is_string()) {
        out.append_text(v.get_ref<const std::string&>());
      } else {
        throw std::invalid_argument("query values must be null, booleans, numbers or text, got " +
                                    v.dump());
      }
    }
    out.end_row();
  }
  return out;
}

namespace {

namespace dom = simdjson::dom;

[[noreturn]] void malformed(const std::string& what) {
  throw std::runtime_error("run_sql's answer is not as expected: " + what);
}

template <typename T>
T check(simdjson::simdjson_result<T> r, const char* what) {
  T value;
  if (auto e = std::move(r).get(value); e != simdjson::SUCCESS) {
    malformed(std::string(what) + " (" + simdjson::error_message(e) + ")");
  }
  return value;
}

std::vector<std::string> strings(dom::element e, const char* what) {
  std::vector<std::string> out;
  for (dom::element s : check(e.get_array(), what)) out.emplace_back(check(s.get_string(), what));
  return out;
}

/// A parser borrowed from a pool for one answer. A parser keeps its buffers (several times the
/// largest answer it read), so reusing one spares every run allocating and faulting in
/// megabytes afresh (measured: V2 ops_monthly on 100k rows 174 -> 150 ms, with the host
/// formatting numbers without a back_inserter); concurrent runs each borrow their own.
class PooledParser {
 public:
  PooledParser() {
    std::lock_guard lock(mutex());
    if (!pool().empty()) {
      parser_ = std::move(pool().back());
      pool().pop_back();
    }
    if (!parser_) parser_ = std::make_unique<dom::parser>();
  }
  ~PooledParser() {
    std::lock_guard lock(mutex());
    if (pool().size() < kKept) pool().push_back(std::move(parser_));
  }
  PooledParser(const PooledParser&) = delete;
  PooledParser& operator=(const PooledParser&) = delete;
  dom::parser& operator*() { return *parser_; }

 private:
  static constexpr size_t kKept = 4;
  static std::mutex& mutex() {
    static std::mutex m;
    return m;
  }
  static std::vector<std::unique_ptr<dom::parser>>& pool() {
    static std::vector<std::unique_ptr<dom::parser>> p;
    return p;
  }
  std::unique_ptr<dom::parser> parser_;
};

}  // namespace

SqlRows parse_run_sql_answer(std::string query_name, std::string& answer) {
  const size_t size = answer.size();
  answer.reserve(size + simdjson::SIMDJSON_PADDING);
  PooledParser pooled;
  dom::parser& parser = *pooled;
  dom::object doc =
      check(parser.parse(answer.data(), size, false).get_object(), "the answer is not an object");

  SqlRows out;
  out.rows.name = std::move(query_name);
  dom::element e;
  if (doc["columns"].get(e) == simdjson::SUCCESS) out.rows.columns = strings(e, "'columns'");
  if (doc["truncated"].get(e) == simdjson::SUCCESS) {
    out.truncated = check(e.get_bool(), "'truncated' is not a boolean");
  }
  if (doc["tables"].get(e) == simdjson::SUCCESS) out.tables = strings(e, "'tables'");
  if (doc["rows"].get(e) == simdjson::SUCCESS && !e.is_null()) {
    dom::array rows = check(e.get_array(), "'rows' is not an array");
    QueryRows& q = out.rows;
    const size_t width = q.columns.size();
    q.reserve_rows(rows.size());
    for (dom::element row : rows) {
      size_t c = 0;
      for (dom::element v : check(row.get_array(), "a row is not an array")) {
        if (c++ >= width) break;
        switch (v.type()) {
          case dom::element_type::NULL_VALUE: q.append(Cell()); break;
          case dom::element_type::BOOL:
            q.append(Cell::of(bool(v.get_bool().value_unsafe())));
            break;
          case dom::element_type::INT64: q.append(Cell::of(v.get_int64().value_unsafe())); break;
          case dom::element_type::UINT64:  // above INT64_MAX: SQLite never returns one
            q.append(Cell::of(static_cast<double>(v.get_uint64().value_unsafe())));
            break;
          case dom::element_type::DOUBLE: q.append(Cell::of(v.get_double().value_unsafe())); break;
          case dom::element_type::STRING: q.append_text(v.get_string().value_unsafe()); break;
          default: malformed("a value is an array or an object");
        }
      }
      q.end_row();
    }
  }
  return out;
}

}  // namespace agentsys::reports
