#pragma once
// The rows of a report query, held compactly: one 16-byte Cell per value, row after row, text
// in a shared arena. The host's run_sql answer is read straight into it with simdjson, so a
// month of rows costs neither a JSON DOM of the answer nor an allocation per value.
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace agentsys::reports {

/// One value of a row: what run_sql returns (null, integer, real, text) or a boolean. Text
/// points into storage that outlives the Cell (a QueryRows' arena, a query's name).
class Cell {
 public:
  enum class Type : uint8_t { null, boolean, integer, real, text };

  Cell() : integer_(0) {}
  static Cell of(bool v) {
    Cell c;
    c.type_ = Type::boolean;
    c.integer_ = v ? 1 : 0;
    return c;
  }
  static Cell of(int64_t v) {
    Cell c;
    c.type_ = Type::integer;
    c.integer_ = v;
    return c;
  }
  static Cell of(double v) {
    Cell c;
    c.type_ = Type::real;
    c.real_ = v;
    return c;
  }
  /// `stable` must outlive the Cell and be shorter than 4 GiB.
  static Cell of_text(std::string_view stable) {
    Cell c;
    c.type_ = Type::text;
    c.size_ = static_cast<uint32_t>(stable.size());
    c.text_ = stable.data();
    return c;
  }

  [[nodiscard]] Type type() const { return type_; }
  [[nodiscard]] bool is_null() const { return type_ == Type::null; }
  [[nodiscard]] bool is_number() const { return type_ == Type::integer || type_ == Type::real; }
  [[nodiscard]] bool is_integer() const { return type_ == Type::integer; }
  [[nodiscard]] bool boolean() const { return integer_ != 0; }
  [[nodiscard]] int64_t integer() const { return integer_; }
  /// A number as a double (integers converted).
  [[nodiscard]] double number() const {
    return type_ == Type::integer ? static_cast<double>(integer_) : real_;
  }
  [[nodiscard]] std::string_view text() const { return {text_, size_}; }

  /// The same value as JSON (integers stay integers).
  [[nodiscard]] nlohmann::json to_json() const;

 private:
  Type type_ = Type::null;
  uint32_t size_ = 0;  // text
  union {
    int64_t integer_;  // integer, boolean (0/1)
    double real_;
    const char* text_;
  };
};

/// nlohmann::json's order and equality on the same values: null < booleans < numbers < text;
/// numbers by value (an integer and a real compare as doubles, two integers exactly); text by
/// bytes. So grouping, distinct counts and percentiles behave exactly as on JSON values.
bool operator<(const Cell& a, const Cell& b);
bool operator==(const Cell& a, const Cell& b);

/// Equality of a row's value with a JSON value (a `where` test), as nlohmann::json's ==.
bool equals(const Cell& cell, const nlohmann::json& value);

/// The rows one query returned: `columns`, then `rows()` rows of `columns.size()` Cells each.
/// Copies share the (immutable) text arena.
class QueryRows {
 public:
  std::string name;  ///< the query's name: the rows' `_query` field
  std::vector<std::string> columns;

  [[nodiscard]] size_t rows() const { return rows_; }
  /// Column `c` of row `r`; both in range.
  [[nodiscard]] const Cell& at(size_t r, size_t c) const { return cells_[r * columns.size() + c]; }

  /// From JSON rows (an array of arrays; a short row is padded with nulls, extra values are
  /// ignored). Throws std::invalid_argument for rows that are not arrays or values that are
  /// arrays or objects.
  static QueryRows from_json(std::string query_name, std::vector<std::string> query_columns,
                             const nlohmann::json& rows);

  /// Builders for a reader (e.g. of run_sql's answer): append one row's values in order, then
  /// end_row(), which pads a short row with nulls (extra values must not be appended).
  void append(Cell cell) { cells_.push_back(cell); }
  /// Copies `text` into the arena first.
  void append_text(std::string_view text);
  void end_row();
  void reserve_rows(size_t n) { cells_.reserve(n * columns.size()); }

 private:
  struct Arena {
    std::vector<std::unique_ptr<char[]>> chunks;
    size_t used = 0;  // in the last chunk
    size_t capacity = 0;
    std::string_view store(std::string_view text);
  };
  std::vector<Cell> cells_;
  size_t rows_ = 0;
  std::shared_ptr<Arena> arena_ = std::make_shared<Arena>();
};

/// What run_sql answered for a query that reads.
struct SqlRows {
  QueryRows rows;
  bool truncated = false;
  std::vector<std::string> tables;  ///< the tables policy saw the statement read
};

/// Reads run_sql's answer ({"columns": [...], "rows": [[...], ...], "truncated": B,
/// "tables": [...], ...}) with simdjson. `answer` is padded in place (its capacity grows by
/// simdjson's padding). Missing "columns", "rows" or "tables" are empty. Throws
/// std::runtime_error when the text is not such an object.
SqlRows parse_run_sql_answer(std::string query_name, std::string& answer);

}  // namespace agentsys::reports
