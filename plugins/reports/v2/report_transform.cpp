#include "report_transform.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

namespace agentsys::reports {
using json = nlohmann::json;

namespace {

const json kNull;  // a field a row does not have

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
  std::vector<json> query_names;

  explicit Reader(const std::vector<QueryRows>& p) : parts(p) {
    for (const QueryRows& part : parts) query_names.emplace_back(part.name);
  }
  [[nodiscard]] const json& get(const std::vector<int>& cols, RowRef r) const {
    const int c = cols[r.part];
    if (c == -2) return query_names[r.part];
    if (c < 0) return kNull;
    const json& row = parts[r.part].rows[r.row];
    return static_cast<size_t>(c) < row.size() ? row[static_cast<size_t>(c)] : kNull;
  }
};

/// Rows of `members` matching every FIELD = VALUE of `where` (numbers compare numerically).
std::vector<RowRef> select(const Metric& m, const std::vector<RowRef>& members, FieldIndex& index,
                           const Reader& reader) {
  if (m.where.empty()) return members;
  std::vector<std::pair<const std::vector<int>*, const json*>> tests;
  for (const auto& [field, value] : m.where.items()) {
    tests.emplace_back(&index.columns(field), &value);
  }
  std::vector<RowRef> out;
  for (RowRef r : members) {
    bool ok = true;
    for (const auto& [cols, value] : tests) {
      const json& v = reader.get(*cols, r);
      if (v.is_null() || !(v == *value)) {
        ok = false;
        break;
      }
    }
    if (ok) out.push_back(r);
  }
  return out;
}

void require_number(const json& v, const Metric& m) {
  if (!v.is_number()) {
    throw std::invalid_argument("metric '" + m.name + "' (" + m.op + ") needs numbers in field '" +
                                m.field + "', got " + v.dump());
  }
}

json sum_of(const std::vector<json>& values, const Metric& m) {
  bool all_integers = true;
  for (const json& v : values) {
    require_number(v, m);
    if (!v.is_number_integer()) all_integers = false;
  }
  if (all_integers) {
    int64_t total = 0;
    for (const json& v : values) total += v.get<int64_t>();
    return total;
  }
  double total = 0;
  for (const json& v : values) total += v.get<double>();
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

json compute(const Metric& m, const std::vector<RowRef>& members, const json& done,
             FieldIndex& index, const Reader& reader) {
  if (m.op == "ratio") return divide(done[m.of[0]], done[m.of[1]]);
  if (m.op == "change_pct") return change_pct(done[m.of[0]], done[m.of[1]]);
  const std::vector<RowRef> selected = select(m, members, index, reader);
  if (m.op == "count" || m.op == "count_if") return static_cast<int64_t>(selected.size());
  const std::vector<int>& cols = index.columns(m.field);
  std::vector<json> values;
  values.reserve(selected.size());
  for (RowRef r : selected) {
    const json& v = reader.get(cols, r);
    if (!v.is_null()) values.push_back(v);
  }
  if (m.op == "sum") return sum_of(values, m);
  if (m.op == "avg") {
    if (values.empty()) return nullptr;
    const json total = sum_of(values, m);
    return total.get<double>() / static_cast<double>(values.size());
  }
  if (m.op == "count_distinct") {
    std::set<json> distinct(values.begin(), values.end());
    return static_cast<int64_t>(distinct.size());
  }
  if (m.op == "percentile") {
    for (const json& v : values) require_number(v, m);
    return percentile_nearest_rank(values, m.p);
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

  std::map<std::vector<json>, std::vector<RowRef>> groups;
  std::vector<json> key(definition.group_by.size());
  size_t seen = 0;
  for (uint32_t p = 0; p < parts.size(); ++p) {
    if (!parts[p].rows.is_array()) throw std::invalid_argument("query rows must be an array");
    const auto n = static_cast<uint32_t>(parts[p].rows.size());
    for (uint32_t r = 0; r < n; ++r) {
      if (cancelled && ++seen % 8192 == 0) cancelled();
      for (size_t k = 0; k < key_cols.size(); ++k) key[k] = reader.get(*key_cols[k], {p, r});
      groups[key].push_back({p, r});
    }
  }

  std::vector<ResultRow> out;
  out.reserve(groups.size());
  for (const auto& [values, members] : groups) {
    if (cancelled) cancelled();
    json row = json::object();
    for (size_t k = 0; k < definition.group_by.size(); ++k) row[definition.group_by[k]] = values[k];
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
