#include "report_transform.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>

namespace agentsys::reports {
using json = nlohmann::json;

namespace {

const Cell kNull;  // a field a row does not have

/// Where each field is in each query's rows.
class FieldIndex {
 public:
  explicit FieldIndex(const std::vector<QueryRows>& parts) : parts_(parts) {}

  /// Column of `field` in each part: -1 missing, -2 `_query`.
  const std::vector<int>& columns(const std::string& field) {
    auto it = cache_.find(field);
    if (it != cache_.end()) return it->second;
    std::vector<int> cols;
    for (const QueryRows& part : parts_) {
      auto found = std::find(part.columns.begin(), part.columns.end(), field);
      if (found != part.columns.end()) {
        cols.push_back(static_cast<int>(found - part.columns.begin()));
      } else {
        cols.push_back(field == "_query" ? -2 : -1);
      }
    }
    return cache_.emplace(field, std::move(cols)).first->second;
  }

 private:
  const std::vector<QueryRows>& parts_;
  std::map<std::string, std::vector<int>> cache_;
};

struct RowRef {
  uint32_t part;
  uint32_t row;
};

/// A row's value of one field, given the field's columns.
struct Reader {
  const std::vector<QueryRows>& parts;
  std::vector<Cell> query_names;

  explicit Reader(const std::vector<QueryRows>& p) : parts(p) {
    for (const QueryRows& part : parts) query_names.push_back(Cell::of_text(part.name));
  }
  [[nodiscard]] const Cell& get(const std::vector<int>& cols, RowRef r) const {
    const int c = cols[r.part];
    if (c == -2) return query_names[r.part];
    if (c < 0) return kNull;
    return parts[r.part].at(r.row, static_cast<size_t>(c));
  }
};

/// A `where` value as a Cell (text points into the definition); none for arrays and objects,
/// which no row value equals.
std::optional<Cell> where_cell(const json& v) {
  if (v.is_null()) return Cell();
  if (v.is_boolean()) return Cell::of(v.get<bool>());
  if (v.is_number_integer()) return Cell::of(v.get<int64_t>());
  if (v.is_number()) return Cell::of(v.get<double>());
  if (v.is_string()) return Cell::of_text(v.get_ref<const std::string&>());
  return std::nullopt;
}

/// Rows of `members` matching every FIELD = VALUE of `where` (numbers compare numerically).
std::vector<RowRef> select(const Metric& m, const std::vector<RowRef>& members, FieldIndex& index,
                           const Reader& reader) {
  std::vector<std::pair<const std::vector<int>*, std::optional<Cell>>> tests;
  for (const auto& [field, value] : m.where.items()) {
    tests.emplace_back(&index.columns(field), where_cell(value));
  }
  std::vector<RowRef> out;
  for (RowRef r : members) {
    bool ok = true;
    for (const auto& [cols, value] : tests) {
      const Cell& v = reader.get(*cols, r);
      if (v.is_null() || !value || !(v == *value)) {
        ok = false;
        break;
      }
    }
    if (ok) out.push_back(r);
  }
  return out;
}

void require_number(const Cell& v, const Metric& m) {
  if (!v.is_number()) {
    throw std::invalid_argument("metric '" + m.name + "' (" + m.op + ") needs numbers in field '" +
                                m.field + "', got " + v.to_json().dump());
  }
}

json sum_of(const std::vector<Cell>& values, const Metric& m) {
  bool all_integers = true;
  for (const Cell& v : values) {
    require_number(v, m);
    if (!v.is_integer()) all_integers = false;
  }
  if (all_integers) {
    int64_t total = 0;
    for (const Cell& v : values) total += v.integer();
    return total;
  }
  double total = 0;
  for (const Cell& v : values) total += v.number();
  return total;
}

json divide(const json& a, const json& b) {
  if (a.is_null() || b.is_null() || !a.is_number() || !b.is_number()) return nullptr;
  if (b.get<double>() == 0) return nullptr;
  return a.get<double>() / b.get<double>();
}

json change_pct(const json& a, const json& b) {
  if (a.is_null() || b.is_null() || !a.is_number() || !b.is_number()) return nullptr;
  if (b.get<double>() == 0) return nullptr;
  double diff = 0;
  if (a.is_number_integer() && b.is_number_integer()) {
    diff = static_cast<double>(a.get<int64_t>() - b.get<int64_t>());
  } else {
    diff = a.get<double>() - b.get<double>();
  }
  return diff / b.get<double>() * 100;
}

/// Nearest rank on Cells (numbers): selects rather than sorts.
json percentile_of(std::vector<Cell>& values, int p) {
  if (values.empty()) return nullptr;
  const int64_t n = static_cast<int64_t>(values.size());
  const int64_t rank = std::max<int64_t>(1, (static_cast<int64_t>(p) * n + 99) / 100);
  auto at = values.begin() + (std::min(rank, n) - 1);
  std::nth_element(values.begin(), at, values.end());
  return at->to_json();
}

json compute(const Metric& m, const std::vector<RowRef>& members, const json& done,
             FieldIndex& index, const Reader& reader) {
  if (m.op == "ratio") return divide(done[m.of[0]], done[m.of[1]]);
  if (m.op == "change_pct") return change_pct(done[m.of[0]], done[m.of[1]]);
  std::vector<RowRef> filtered;
  if (!m.where.empty()) filtered = select(m, members, index, reader);
  const std::vector<RowRef>& selected = m.where.empty() ? members : filtered;
  if (m.op == "count" || m.op == "count_if") return static_cast<int64_t>(selected.size());
  const std::vector<int>& cols = index.columns(m.field);
  std::vector<Cell> values;
  values.reserve(selected.size());
  for (RowRef r : selected) {
    const Cell& v = reader.get(cols, r);
    if (!v.is_null()) values.push_back(v);
  }
  if (m.op == "sum") return sum_of(values, m);
  if (m.op == "avg") {
    if (values.empty()) return nullptr;
    const json total = sum_of(values, m);
    return total.get<double>() / static_cast<double>(values.size());
  }
  if (m.op == "count_distinct") {
    std::set<Cell> distinct(values.begin(), values.end());
    return static_cast<int64_t>(distinct.size());
  }
  if (m.op == "percentile") {
    for (const Cell& v : values) require_number(v, m);
    return percentile_of(values, m.p);
  }
  throw std::invalid_argument("unknown op '" + m.op + "'");
}

/// Orders group keys: JSON's own order (null < booleans < numbers < strings; numbers by value).
bool less_by(const json& a, const json& b, const std::vector<std::string>& fields) {
  for (const std::string& f : fields) {
    const json& x = a[f];
    const json& y = b[f];
    if (x < y) return true;
    if (y < x) return false;
  }
  return false;
}

}  // namespace

json percentile_nearest_rank(std::vector<json>& values, int p) {
  if (values.empty()) return nullptr;
  std::sort(values.begin(), values.end());
  const int64_t n = static_cast<int64_t>(values.size());
  const int64_t rank = std::max<int64_t>(1, (static_cast<int64_t>(p) * n + 99) / 100);
  return values[static_cast<size_t>(std::min(rank, n) - 1)];
}

std::vector<ResultRow> apply_transform(const Definition& definition,
                                       const std::vector<QueryRows>& parts,
                                       const std::function<void()>& cancelled) {
  FieldIndex index(parts);
  Reader reader(parts);
  std::vector<const std::vector<int>*> key_cols;
  for (const std::string& f : definition.group_by) key_cols.push_back(&index.columns(f));

  std::map<std::vector<Cell>, std::vector<RowRef>> groups;
  // While there are few groups (a report's usual case), a linear scan of them for an equal key
  // beats the map's ordered search; equal Cells are exactly the map's equivalent keys.
  constexpr size_t kScanned = 16;
  std::vector<std::pair<const std::vector<Cell>*, std::vector<RowRef>*>> scanned;
  std::vector<Cell> key(definition.group_by.size());
  size_t seen = 0;
  for (uint32_t p = 0; p < parts.size(); ++p) {
    const auto n = static_cast<uint32_t>(parts[p].rows());
    for (uint32_t r = 0; r < n; ++r) {
      if (cancelled && ++seen % 8192 == 0) cancelled();
      for (size_t k = 0; k < key_cols.size(); ++k) key[k] = reader.get(*key_cols[k], {p, r});
      std::vector<RowRef>* members = nullptr;
      if (groups.size() <= kScanned) {
        for (const auto& [k, m] : scanned) {
          if (*k == key) {
            members = m;
            break;
          }
        }
      }
      if (members == nullptr) {
        auto [it, added] = groups.try_emplace(key);
        members = &it->second;
        if (added && scanned.size() < kScanned) scanned.emplace_back(&it->first, members);
      }
      members->push_back({p, r});
    }
  }

  std::vector<ResultRow> out;
  out.reserve(groups.size());
  for (const auto& [values, members] : groups) {
    if (cancelled) cancelled();
    json row = json::object();
    for (size_t k = 0; k < definition.group_by.size(); ++k) {
      row[definition.group_by[k]] = values[k].to_json();
    }
    json done = json::object();
    for (const Metric& m : definition.metrics) {
      done[m.name] = compute(m, members, done, index, reader);
    }
    for (auto& [name, value] : done.items()) row[name] = value;
    out.push_back(std::move(row));
  }
  std::vector<std::string> order = definition.key_fields;
  for (const std::string& f : definition.group_by) {
    if (std::find(order.begin(), order.end(), f) == order.end()) order.push_back(f);
  }
  std::stable_sort(out.begin(), out.end(),
                   [&](const json& a, const json& b) { return less_by(a, b, order); });
  return out;
}

}  // namespace agentsys::reports
