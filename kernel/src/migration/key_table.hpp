#pragma once
// A result's comparable rows in a compact table, what the comparator works on instead of
// nlohmann objects: one 16-byte cell per (row, column), numbers as int64 or double, strings in
// one arena, each row's key canonicalised and hashed once at load.
//
// What a result compares as (docs/reconciliation.md, "What is compared"):
// - a result with `key_fields` {"key": [...], "fields": [...], "rows": [{...}, ...]}: its rows;
//   the key is the rules' `key` when configured, else `key_fields.key`;
// - any other JSON object (e.g. a summary): one row, its top-level members as
//   columns, the key the rules' `key` (those members' values) or none;
// - anything else (an array, a scalar, text that is not JSON): one row with one column
//   "(result)".
// Without any key, rows are matched by position (their key is {"#": N}).
// Nested arrays and objects are cells too, compared as their canonical JSON text (keys sorted).
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace agentsys::migration {

enum class CellKind : uint8_t { absent, null, boolean, integer, real, string, json };

/// One value. Strings and nested JSON (minified) live in the table's arena.
struct Cell {
  union {
    int64_t i;
    double d;
    struct {
      uint32_t offset;
      uint32_t length;
    } s;
  } v{.i = 0};
  CellKind kind = CellKind::absent;

  [[nodiscard]] bool is_number() const {
    return kind == CellKind::integer || kind == CellKind::real;
  }
  [[nodiscard]] double number() const {
    return kind == CellKind::integer ? static_cast<double>(v.i) : v.d;
  }
};

/// The column a result without key_fields that is not an object compares as.
inline constexpr std::string_view kWholeResultColumn = "(result)";

class KeyTable {
 public:
  /// A row's key: hash and canonical text (in the key arena) of its key columns' values.
  struct RowKey {
    uint64_t hash = 0;
    uint32_t offset = 0;
    uint32_t length = 0;
  };

  [[nodiscard]] size_t rows() const { return keys_.size(); }
  [[nodiscard]] size_t width() const { return columns_.size(); }
  /// Every column, key columns included, in first-seen order (declared fields first).
  [[nodiscard]] const std::vector<std::string>& columns() const { return columns_; }
  /// Index of `name` in columns(), or -1.
  [[nodiscard]] int column(std::string_view name) const;
  /// The key's column names (empty: rows are keyed by their position).
  [[nodiscard]] const std::vector<std::string>& key() const { return key_names_; }
  [[nodiscard]] const std::vector<int>& key_columns() const { return key_columns_; }
  /// `key_fields.fields` as the result declared them (empty when it has no key_fields).
  [[nodiscard]] const std::vector<std::string>& declared_fields() const { return declared_; }
  /// The key the result declared (`key_fields.key`), whatever key the table uses.
  [[nodiscard]] const std::vector<std::string>& declared_key() const { return declared_key_; }
  /// True when the rows came from `key_fields`; false for the one-row forms.
  [[nodiscard]] bool from_key_fields() const { return from_key_fields_; }

  [[nodiscard]] const Cell* row(size_t r) const { return cells_.data() + r * columns_.size(); }
  [[nodiscard]] const Cell& cell(size_t r, int c) const { return row(r)[c]; }
  [[nodiscard]] const RowKey& row_key(size_t r) const { return keys_[r]; }
  [[nodiscard]] std::string_view key_text(size_t r) const {
    return {key_arena_.data() + keys_[r].offset, keys_[r].length};
  }
  [[nodiscard]] std::string_view text(const Cell& c) const {
    return {arena_.data() + c.v.s.offset, c.v.s.length};
  }

  /// A cell as JSON (absent -> null; nested JSON parsed back).
  [[nodiscard]] nlohmann::json to_json(const Cell& c) const;
  /// Appends a cell as JSON text.
  void append_json(std::string& out, const Cell& c) const;
  /// A row's key as a JSON object {KEY_FIELD: value}, e.g. {"account": "a-17"}.
  [[nodiscard]] nlohmann::json key_json(size_t r) const;
  void append_key_json(std::string& out, size_t r) const;
  /// Human-readable key, e.g. "account=a-17" ("(single row)" without key columns).
  [[nodiscard]] std::string key_label(size_t r) const;

  /// Recomputes every row's key from the named columns (a name no column has is a key column
  /// whose values are all absent).
  void set_key(const std::vector<std::string>& names);

  /// Building a table (the loaders use this).
  class Builder;

 private:
  friend class Builder;
  std::vector<std::string> columns_;
  std::vector<std::string> key_names_;
  std::vector<int> key_columns_;
  std::vector<std::string> declared_;
  std::vector<std::string> declared_key_;
  bool from_key_fields_ = false;
  std::vector<Cell> cells_;  ///< rows() x width(), row-major
  std::vector<RowKey> keys_;
  std::string arena_;
  std::string key_arena_;
};

/// Loads a result (or its key_fields object, or any JSON value) as described at the top.
/// `key` overrides the declared key when not empty. Never throws on the value's shape.
std::shared_ptr<const KeyTable> load_table(const nlohmann::json& value,
                                           std::span<const std::string> key = {});

/// The same from JSON text, parsed with simdjson (several times faster than through
/// nlohmann::json). Text that is not JSON is one row with one string column "(result)".
std::shared_ptr<const KeyTable> load_table_text(std::string_view text,
                                                std::span<const std::string> key = {});

}  // namespace agentsys::migration
