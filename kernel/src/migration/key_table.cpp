#include "migration/key_table.hpp"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <unordered_map>

#include "util/json_text.hpp"

namespace agentsys::migration {
using json = nlohmann::json;

namespace {

/// Appends a number the way keys and messages show it: integral values (within int64) as
/// integers, others in the shortest form that reads back the same double.
void append_number(std::string& out, const Cell& c) {
  char buf[32];
  if (c.kind == CellKind::integer) {
    auto r = std::to_chars(buf, buf + sizeof buf, c.v.i);
    out.append(buf, r.ptr);
    return;
  }
  const double d = c.v.d;
  if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.2e18) {
    auto r = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(d));
    out.append(buf, r.ptr);
    return;
  }
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  out.append(buf, r.ptr);
}

}  // namespace

/// Builds a KeyTable in two passes over the rows: columns first, then cells.
class KeyTable::Builder {
 public:
  Builder() : t_(std::make_shared<KeyTable>()) {}

  KeyTable& table() { return *t_; }

  /// The rows come from key_fields, which declared this key and these fields.
  void declare(std::vector<std::string> key, std::vector<std::string> fields) {
    t_->from_key_fields_ = true;
    t_->declared_key_ = std::move(key);
    t_->declared_ = std::move(fields);
  }

  int add_column(std::string_view name) {
    auto it = index_.find(std::string(name));
    if (it != index_.end()) return it->second;
    const int at = static_cast<int>(t_->columns_.size());
    t_->columns_.emplace_back(name);
    index_.emplace(std::string(name), at);
    return at;
  }

  /// The column of the `position`-th member of a row: rows usually list the same members in
  /// the same order, so the previous row's answer is tried first.
  int column_at(size_t position, std::string_view name) {
    if (position < by_position_.size()) {
      const int guess = by_position_[position];
      if (guess >= 0 && t_->columns_[static_cast<size_t>(guess)] == name) return guess;
    } else {
      by_position_.resize(position + 1, -1);
    }
    const int c = add_column(name);
    by_position_[position] = c;
    return c;
  }

  void start_rows(size_t rows) {
    t_->cells_.assign(rows * t_->columns_.size(), Cell{});
    t_->keys_.resize(rows);
    rows_ = rows;
  }

  Cell& at(size_t r, int c) { return t_->cells_[r * t_->columns_.size() + static_cast<size_t>(c)]; }

  Cell text_cell(std::string_view s, CellKind kind = CellKind::string) {
    if (t_->arena_.size() + s.size() > std::numeric_limits<uint32_t>::max()) {
      throw std::length_error("key table: more than 4 GiB of text");
    }
    Cell c;
    c.kind = kind;
    c.v.s.offset = static_cast<uint32_t>(t_->arena_.size());
    c.v.s.length = static_cast<uint32_t>(s.size());
    t_->arena_.append(s);
    return c;
  }

  static Cell int_cell(int64_t i) {
    Cell c;
    c.kind = CellKind::integer;
    c.v.i = i;
    return c;
  }
  static Cell real_cell(double d) {
    Cell c;
    c.kind = CellKind::real;
    c.v.d = d;
    return c;
  }
  static Cell bool_cell(bool b) {
    Cell c;
    c.kind = CellKind::boolean;
    c.v.i = b ? 1 : 0;
    return c;
  }
  static Cell null_cell() {
    Cell c;
    c.kind = CellKind::null;
    return c;
  }

  Cell json_cell(const json& v) {
    return text_cell(v.dump(-1, ' ', false, json::error_handler_t::replace), CellKind::json);
  }

  /// Appends the rules' key or the declared one, then computes every row's key.
  std::shared_ptr<const KeyTable> finish(std::span<const std::string> key) {
    std::vector<std::string> names(key.begin(), key.end());
    if (names.empty()) names = t_->declared_key_;
    t_->set_key(names);
    return t_;
  }

 private:
  std::shared_ptr<KeyTable> t_;
  std::unordered_map<std::string, int> index_;
  std::vector<int> by_position_;
  size_t rows_ = 0;
};

int KeyTable::column(std::string_view name) const {
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i] == name) return static_cast<int>(i);
  }
  return -1;
}

void KeyTable::set_key(const std::vector<std::string>& names) {
  // A key column no row has is still a column (all absent) so that key_json can name it.
  for (const std::string& n : names) {
    if (column(n) < 0) {
      const size_t old_width = columns_.size();
      columns_.push_back(n);
      std::vector<Cell> wider(keys_.size() * columns_.size());
      for (size_t r = 0; r < keys_.size(); ++r) {
        std::copy_n(cells_.begin() + static_cast<std::ptrdiff_t>(r * old_width), old_width,
                    wider.begin() + static_cast<std::ptrdiff_t>(r * columns_.size()));
      }
      cells_ = std::move(wider);
    }
  }
  key_names_ = names;
  key_columns_.clear();
  for (const std::string& n : names) key_columns_.push_back(column(n));
  key_arena_.clear();
  std::string one;
  for (size_t r = 0; r < keys_.size(); ++r) {
    one.clear();
    if (key_columns_.empty()) {  // no key: rows are matched by position
      one += '#';
      one += std::to_string(r);
    }
    for (int c : key_columns_) {
      const Cell& cell = this->cell(r, c);
      switch (cell.kind) {
        case CellKind::absent:
        case CellKind::null: one += 'z'; break;
        case CellKind::boolean: one += cell.v.i != 0 ? "b1" : "b0"; break;
        case CellKind::integer:
        case CellKind::real:
          one += 'n';
          append_number(one, cell);
          one += '\x1f';
          break;
        case CellKind::string:
        case CellKind::json: {
          std::string_view s = text(cell);
          one += cell.kind == CellKind::string ? 's' : 'j';
          one += std::to_string(s.size());
          one += ':';
          one += s;
          break;
        }
      }
    }
    if (key_arena_.size() + one.size() > std::numeric_limits<uint32_t>::max()) {
      throw std::length_error("key table: more than 4 GiB of keys");
    }
    keys_[r].offset = static_cast<uint32_t>(key_arena_.size());
    keys_[r].length = static_cast<uint32_t>(one.size());
    keys_[r].hash = std::hash<std::string_view>{}(one);
    key_arena_ += one;
  }
}

json KeyTable::to_json(const Cell& c) const {
  switch (c.kind) {
    case CellKind::absent:
    case CellKind::null: return nullptr;
    case CellKind::boolean: return c.v.i != 0;
    case CellKind::integer: return c.v.i;
    case CellKind::real: return c.v.d;
    case CellKind::string: return std::string(text(c));
    case CellKind::json: return json::parse(text(c), nullptr, false);
  }
  return nullptr;
}

void KeyTable::append_json(std::string& out, const Cell& c) const {
  switch (c.kind) {
    case CellKind::absent:
    case CellKind::null: out += "null"; return;
    case CellKind::boolean: out += c.v.i != 0 ? "true" : "false"; return;
    case CellKind::integer:
    case CellKind::real: {
      if (c.kind == CellKind::real && !std::isfinite(c.v.d)) {
        out += "null";
        return;
      }
      char buf[32];
      auto r = c.kind == CellKind::integer ? std::to_chars(buf, buf + sizeof buf, c.v.i)
                                           : std::to_chars(buf, buf + sizeof buf, c.v.d);
      out.append(buf, r.ptr);
      // Keep a real a real in JSON ("812.0", not "812"), as nlohmann writes it.
      if (c.kind == CellKind::real &&
          std::string_view(buf, static_cast<size_t>(r.ptr - buf)).find_first_of(".eE") ==
              std::string_view::npos) {
        out += ".0";
      }
      return;
    }
    case CellKind::string: append_json_string(out, text(c)); return;
    case CellKind::json: out += text(c); return;
  }
}

json KeyTable::key_json(size_t r) const {
  json out = json::object();
  if (key_names_.empty()) out["#"] = r;
  for (size_t i = 0; i < key_names_.size(); ++i) {
    out[key_names_[i]] = to_json(cell(r, key_columns_[i]));
  }
  return out;
}

void KeyTable::append_key_json(std::string& out, size_t r) const {
  out += '{';
  if (key_names_.empty()) {
    out += "\"#\":";
    out += std::to_string(r);
  }
  for (size_t i = 0; i < key_names_.size(); ++i) {
    if (i > 0) out += ',';
    append_json_string(out, key_names_[i]);
    out += ':';
    append_json(out, cell(r, key_columns_[i]));
  }
  out += '}';
}

std::string KeyTable::key_label(size_t r) const {
  if (key_names_.empty()) return rows() == 1 ? "(single row)" : "#" + std::to_string(r);
  std::string out;
  for (size_t i = 0; i < key_names_.size(); ++i) {
    if (i > 0) out += ',';
    out += key_names_[i];
    out += '=';
    const Cell& c = cell(r, key_columns_[i]);
    if (c.kind == CellKind::string) {
      out += text(c);
    } else {
      append_json(out, c);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// From nlohmann::json

namespace {

using Builder = KeyTable::Builder;

Cell cell_of(Builder& b, const json& v) {
  switch (v.type()) {
    case json::value_t::null: return Builder::null_cell();
    case json::value_t::boolean: return Builder::bool_cell(v.get<bool>());
    case json::value_t::number_integer: return Builder::int_cell(v.get<int64_t>());
    case json::value_t::number_unsigned: {
      const uint64_t u = v.get<uint64_t>();
      return u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
                 ? Builder::int_cell(static_cast<int64_t>(u))
                 : Builder::real_cell(static_cast<double>(u));
    }
    case json::value_t::number_float: return Builder::real_cell(v.get<double>());
    case json::value_t::string: return b.text_cell(v.get_ref<const std::string&>());
    default: return b.json_cell(v);
  }
}

std::vector<std::string> string_list(const json& v) {
  std::vector<std::string> out;
  if (!v.is_array()) return out;
  for (const json& s : v) {
    if (s.is_string()) out.push_back(s.get<std::string>());
  }
  return out;
}

/// `{"key": [...], "rows": [...]}` (the key_fields object itself), or a result holding one.
const json* key_fields_of(const json& value) {
  if (!value.is_object()) return nullptr;
  auto is_kf = [](const json& v) {
    return v.is_object() && v.contains("rows") && v["rows"].is_array();
  };
  if (auto it = value.find("key_fields"); it != value.end() && is_kf(*it)) return &*it;
  if (is_kf(value) && value.contains("key")) return &value;
  return nullptr;
}

}  // namespace

std::shared_ptr<const KeyTable> load_table(const json& value, std::span<const std::string> key) {
  Builder b;
  KeyTable& t = b.table();
  static const json kNoRows = json::array();
  if (const json* kf = key_fields_of(value)) {
    b.declare(string_list(kf->value("key", json::array())),
              string_list(kf->value("fields", json::array())));
    const json& rows = (*kf)["rows"];
    for (const std::string& k :
         key.empty() ? std::span<const std::string>(t.declared_key()) : key) {
      b.add_column(k);
    }
    for (const std::string& f : t.declared_fields()) b.add_column(f);
    for (const json& row : rows) {
      if (!row.is_object()) {
        b.column_at(0, kWholeResultColumn);
        continue;
      }
      size_t pos = 0;
      for (const auto& [name, v] : row.items()) b.column_at(pos++, name);
    }
    b.start_rows(rows.size());
    for (size_t r = 0; r < rows.size(); ++r) {
      const json& row = rows[r];
      if (!row.is_object()) {
        b.at(r, b.column_at(0, kWholeResultColumn)) = cell_of(b, row);
        continue;
      }
      size_t pos = 0;
      for (const auto& [name, v] : row.items()) b.at(r, b.column_at(pos++, name)) = cell_of(b, v);
    }
    return b.finish(key);
  }
  if (value.is_object()) {
    for (const std::string& k : key) b.add_column(k);
    for (const auto& [name, v] : value.items()) b.add_column(name);
    b.start_rows(1);
    for (const auto& [name, v] : value.items()) b.at(0, b.add_column(name)) = cell_of(b, v);
    return b.finish(key);
  }
  b.add_column(kWholeResultColumn);
  b.start_rows(1);
  b.at(0, 0) = cell_of(b, value);
  return b.finish(key);
}

// ---------------------------------------------------------------------------------------------
// From text, with simdjson

namespace {

namespace dom = simdjson::dom;

Cell cell_of(Builder& b, dom::element v) {
  switch (v.type()) {
    case dom::element_type::NULL_VALUE: return Builder::null_cell();
    case dom::element_type::BOOL: return Builder::bool_cell(bool(v));
    case dom::element_type::INT64: return Builder::int_cell(int64_t(v));
    case dom::element_type::UINT64: return Builder::real_cell(static_cast<double>(uint64_t(v)));
    case dom::element_type::DOUBLE: return Builder::real_cell(double(v));
    case dom::element_type::STRING: return b.text_cell(std::string_view(v));
    default:
      // Nested: canonical (sorted keys) so that member order does not make a difference.
      return b.json_cell(json::parse(simdjson::minify(v), nullptr, false));
  }
}

std::vector<std::string> string_list(dom::element v) {
  std::vector<std::string> out;
  dom::array a;
  if (v.get_array().get(a) != simdjson::SUCCESS) return out;
  for (dom::element s : a) {
    std::string_view sv;
    if (s.get_string().get(sv) == simdjson::SUCCESS) out.emplace_back(sv);
  }
  return out;
}

bool key_fields_of(dom::element value, dom::object& kf, dom::array& rows) {
  dom::object obj;
  if (value.get_object().get(obj) != simdjson::SUCCESS) return false;
  dom::element inner;
  if (obj["key_fields"].get(inner) == simdjson::SUCCESS &&
      inner.get_object().get(kf) == simdjson::SUCCESS &&
      kf["rows"].get_array().get(rows) == simdjson::SUCCESS) {
    return true;
  }
  dom::element key;
  if (obj["key"].get(key) == simdjson::SUCCESS &&
      obj["rows"].get_array().get(rows) == simdjson::SUCCESS) {
    kf = obj;
    return true;
  }
  return false;
}

}  // namespace

std::shared_ptr<const KeyTable> load_table_text(std::string_view text,
                                                std::span<const std::string> key) {
  dom::parser parser;
  simdjson::padded_string padded(text);
  dom::element doc;
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS) {
    Builder b;
    b.add_column(kWholeResultColumn);
    b.start_rows(1);
    b.at(0, 0) = b.text_cell(text);
    return b.finish(key);
  }
  Builder b;
  KeyTable& t = b.table();
  dom::object kf;
  dom::array rows;
  if (key_fields_of(doc, kf, rows)) {
    dom::element v;
    std::vector<std::string> declared_key;
    std::vector<std::string> declared_fields;
    if (kf["key"].get(v) == simdjson::SUCCESS) declared_key = string_list(v);
    if (kf["fields"].get(v) == simdjson::SUCCESS) declared_fields = string_list(v);
    b.declare(std::move(declared_key), std::move(declared_fields));
    for (const std::string& k :
         key.empty() ? std::span<const std::string>(t.declared_key()) : key) {
      b.add_column(k);
    }
    for (const std::string& f : t.declared_fields()) b.add_column(f);
    size_t n = 0;
    for (dom::element row : rows) {
      ++n;
      dom::object o;
      if (row.get_object().get(o) != simdjson::SUCCESS) {
        b.column_at(0, kWholeResultColumn);
        continue;
      }
      size_t pos = 0;
      for (dom::key_value_pair kv : o) b.column_at(pos++, kv.key);
    }
    b.start_rows(n);
    size_t r = 0;
    for (dom::element row : rows) {
      dom::object o;
      if (row.get_object().get(o) != simdjson::SUCCESS) {
        b.at(r++, b.column_at(0, kWholeResultColumn)) = cell_of(b, row);
        continue;
      }
      size_t pos = 0;
      for (dom::key_value_pair kv : o) b.at(r, b.column_at(pos++, kv.key)) = cell_of(b, kv.value);
      ++r;
    }
    return b.finish(key);
  }
  dom::object obj;
  if (doc.get_object().get(obj) == simdjson::SUCCESS) {
    for (const std::string& k : key) b.add_column(k);
    for (dom::key_value_pair kv : obj) b.add_column(kv.key);
    b.start_rows(1);
    for (dom::key_value_pair kv : obj) b.at(0, b.add_column(kv.key)) = cell_of(b, kv.value);
    return b.finish(key);
  }
  b.add_column(kWholeResultColumn);
  b.start_rows(1);
  b.at(0, 0) = cell_of(b, doc);
  return b.finish(key);
}

}  // namespace agentsys::migration
