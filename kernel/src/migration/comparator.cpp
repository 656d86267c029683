#include "migration/comparator.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>

#include "migration/value_normalise.hpp"
#include "util/json_text.hpp"

namespace agentsys::migration {
using json = nlohmann::json;

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::pass: return "pass";
    case Verdict::warn: return "warn";
    case Verdict::block: return "block";
  }
  return "block";
}

std::string_view to_string(Difference::Kind k) {
  using K = Difference::Kind;
  switch (k) {
    case K::value: return "value";
    case K::documented: return "documented";
    case K::ignored: return "ignored";
    case K::noise: return "noise";
    case K::missing_in_v2: return "missing_in_v2";
    case K::missing_in_v1: return "missing_in_v1";
    case K::duplicate_v1: return "duplicate_in_v1";
    case K::duplicate_v2: return "duplicate_in_v2";
    case K::v2_failed: return "v2_failed";
    case K::v1_failed: return "v1_failed";
  }
  return "value";
}

namespace {

const Cell kAbsent{};

/// Byte equality of short texts (keys, most values) without a call to memcmp.
inline bool same_bytes(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  const char* x = a.data();
  const char* y = b.data();
  size_t n = a.size();
  for (; n >= 8; n -= 8, x += 8, y += 8) {
    uint64_t u = 0;
    uint64_t v = 0;
    std::memcpy(&u, x, 8);
    std::memcpy(&v, y, 8);
    if (u != v) return false;
  }
  for (; n > 0; --n) {
    if (*x++ != *y++) return false;
  }
  return true;
}

/// Identical JSON values: absent is null, numbers compare by value (812 == 812.0).
inline bool identical(const Cell& a, const KeyTable& ta, const Cell& b, const KeyTable& tb) {
  if (a.kind == b.kind) {
    switch (a.kind) {
      case CellKind::absent:
      case CellKind::null: return true;
      case CellKind::boolean:
      case CellKind::integer: return a.v.i == b.v.i;
      case CellKind::real: return a.v.d == b.v.d;
      case CellKind::string:
      case CellKind::json: return same_bytes(ta.text(a), tb.text(b));
    }
  }
  if (a.is_number() && b.is_number()) return a.number() == b.number();
  auto nullish = [](const Cell& c) {
    return c.kind == CellKind::absent || c.kind == CellKind::null;
  };
  return nullish(a) && nullish(b);
}

/// |V2 - V1| <= max(abs, rel * |V1|), inclusive with a margin of a few ulps so that a bound
/// written in decimal holds as written (1.0 vs 1.1 with abs = 0.1 passes).
inline bool within_tolerance(const Cell& a, const Cell& b, const CompareRule& r) {
  if (!a.is_number() || !b.is_number()) return false;
  const double x = a.number();
  const double y = b.number();
  const double diff = std::fabs(y - x);
  const double bound = std::max(r.abs, r.rel * std::fabs(x));
  const double margin = 4 * DBL_EPSILON * std::max({std::fabs(x), std::fabs(y), bound});
  return diff <= bound + margin;
}

/// Row ra of ta and row rb of tb have the same key: their key cells are identical (what the
/// canonical key text encodes), read from the rows' cells rather than the key arena, since the
/// comparison loads those cells anyway. Keyless tables compare their positional keys.
inline bool same_key(const KeyTable& ta, size_t ra, const KeyTable& tb, size_t rb) {
  const std::vector<int>& ca = ta.key_columns();
  const std::vector<int>& cb = tb.key_columns();
  if (ca.empty() || ca.size() != cb.size()) {
    return ta.row_key(ra).hash == tb.row_key(rb).hash &&
           same_bytes(ta.key_text(ra), tb.key_text(rb));
  }
  const Cell* a = ta.row(ra);
  const Cell* b = tb.row(rb);
  for (size_t i = 0; i < ca.size(); ++i) {
    if (!identical(a[ca[i]], ta, b[cb[i]], tb)) return false;
  }
  return true;
}

struct FieldPlan {
  int c1 = -1;
  int c2 = -1;
  uint16_t rule = 0;
  const CompareRule* r = nullptr;
  bool ignore = false;
  Difference::Kind ignore_kind = Difference::Kind::ignored;
};

/// Open addressing over V2's rows by key hash (linear probing, power-of-two capacity, at most
/// half full). A slot holds the row (index + 1, and a bit once a V1 row matched it) and the
/// hash's high half, so most candidates are told apart without touching the row's key.
class KeyIndex {
 public:
  static constexpr uint32_t kMatched = 0x80000000U;
  struct Slot {
    uint32_t row = 0;  ///< 0: empty; else (row index + 1) | kMatched once matched
    uint32_t tag = 0;  ///< hash >> 32
  };

  explicit KeyIndex(const KeyTable& t) : t_(t) {
    if (t.rows() >= kMatched - 1) throw std::length_error("compare: more than 2^31 rows");
    size_t cap = 16;
    while (cap < t.rows() * 2) cap <<= 1;
    slots_.assign(cap, Slot{});
    mask_ = cap - 1;
  }

  /// Inserts row r; returns the row already holding the same key, or -1.
  int64_t insert(size_t r) {
    const KeyTable::RowKey& k = t_.row_key(r);
    const auto tag = static_cast<uint32_t>(k.hash >> 32);
    for (size_t i = k.hash & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.row == 0) {
        s.row = static_cast<uint32_t>(r + 1);
        s.tag = tag;
        return -1;
      }
      const size_t other = (s.row & ~kMatched) - 1;
      if (s.tag == tag && t_.row_key(other).hash == k.hash && same_key(t_, other, t_, r)) {
        return static_cast<int64_t>(other);
      }
    }
  }

  void prefetch_slot(uint64_t hash) const { __builtin_prefetch(&slots_[hash & mask_]); }

  /// The row in `hash`'s home slot when its tag matches (what a probe will most likely find),
  /// else -1. For prefetching only.
  [[nodiscard]] int64_t peek(uint64_t hash) const {
    const Slot& s = slots_[hash & mask_];
    if (s.row == 0 || s.tag != static_cast<uint32_t>(hash >> 32)) return -1;
    return static_cast<int64_t>((s.row & ~kMatched) - 1);
  }

  /// The slot holding the V2 row with `from`'s row r's key, or null. Candidates are told
  /// apart by the hash's high half, then by their key cells (not the full hash, which would
  /// cost one more random read per row).
  Slot* find(const KeyTable& from, size_t r) {
    const uint64_t hash = from.row_key(r).hash;
    const auto tag = static_cast<uint32_t>(hash >> 32);
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.row == 0) return nullptr;
      if (s.tag != tag) continue;
      if (same_key(from, r, t_, (s.row & ~kMatched) - 1)) return &s;
    }
  }

  /// V2 rows no V1 row matched (duplicates were never inserted), in row order.
  [[nodiscard]] std::vector<uint32_t> unmatched() const {
    std::vector<uint32_t> out;
    for (const Slot& s : slots_) {
      if (s.row != 0 && (s.row & kMatched) == 0) out.push_back(s.row - 1);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  const KeyTable& t_;
  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

std::shared_ptr<const KeyTable> rekeyed(const std::shared_ptr<const KeyTable>& t,
                                        const std::vector<std::string>& key) {
  auto copy = std::make_shared<KeyTable>(*t);
  copy->set_key(key);
  return copy;
}

}  // namespace

std::map<std::string, uint64_t> Comparison::ignored_by_rule() const {
  std::map<std::string, uint64_t> out;
  for (size_t f = 0; f < fields.size(); ++f) {
    if (field_stats[f].ignored > 0) out[rules[field_rules[f]].name] += field_stats[f].ignored;
  }
  return out;
}

std::vector<Comparison::TopField> Comparison::top_fields(size_t n) const {
  std::vector<TopField> out;
  for (size_t f = 0; f < fields.size(); ++f) {
    const auto& d = field_stats[f].differences;
    if (d[0] + d[1] > 0) out.push_back({fields[f], d});
  }
  std::stable_sort(out.begin(), out.end(), [](const TopField& a, const TopField& b) {
    return a.differences[0] != b.differences[0] ? a.differences[0] > b.differences[0]
                                                : a.differences[1] > b.differences[1];
  });
  if (out.size() > n) out.resize(n);
  return out;
}

void Comparison::grade() {
  fields_compared = 0;
  matched = 0;
  ignored = 0;
  by_grade = {};
  for (const FieldStats& s : field_stats) {
    fields_compared += s.compared;
    matched += s.matched;
    ignored += s.ignored;
    for (size_t g = 0; g < 3; ++g) by_grade[g] += s.differences[g];
  }
  consistency.reset();
  if (fields_compared > 0) {
    consistency = 100.0 * static_cast<double>(matched) / static_cast<double>(fields_compared);
  }
  if (by_grade[static_cast<size_t>(Grade::block)] > 0 ||
      (consistency && *consistency < threshold)) {
    verdict = Verdict::block;
  } else if (by_grade[static_cast<size_t>(Grade::warn)] > 0) {
    verdict = Verdict::warn;
  } else {
    verdict = Verdict::pass;
  }
}

void Comparison::add_status_difference(Difference::Kind kind, Grade g, std::string_view rule,
                                       std::string_view reason, json v1_value, json v2_value) {
  uint16_t rule_index = 0;
  for (; rule_index < rules.size() && rules[rule_index].name != rule; ++rule_index) {
  }
  if (rule_index == rules.size()) rules.push_back({std::string(rule), std::string(reason)});
  const auto field = static_cast<uint16_t>(fields.size() - 1);  // @status is last
  Difference d;
  d.v1_row = static_cast<uint32_t>(status_values.size());
  d.field = field;
  d.rule = rule_index;
  d.grade = g;
  d.kind = kind;
  status_values.emplace_back(std::move(v1_value), std::move(v2_value));
  differences.push_back(d);
  field_stats[field].differences[static_cast<size_t>(g)]++;
  grade();
}

json Comparison::summary_json() const {
  json top = json::array();
  for (const TopField& t : top_fields()) {
    top.push_back({{"field", t.field},
                   {"block", t.differences[0]},
                   {"warn", t.differences[1]},
                   {"ignore", t.differences[2]}});
  }
  return {{"rows",
           {{"v1", rows_v1},
            {"v2", rows_v2},
            {"compared", rows_compared},
            {"only_v1", rows_only_v1},
            {"only_v2", rows_only_v2}}},
          {"fields_compared", fields_compared},
          {"matched", matched},
          {"documented", documented},
          {"ignored", ignored},
          {"ignored_by_rule", ignored_by_rule()},
          {"differences", {{"block", by_grade[0]}, {"warn", by_grade[1]}, {"ignore", by_grade[2]}}},
          {"consistency", consistency ? json(*consistency) : json()},
          {"threshold", threshold},
          {"verdict", to_string(verdict)},
          {"noise_fields", noise_fields},
          {"top_fields", std::move(top)}};
}

void Comparison::append_difference_json(std::string& out, const Difference& d) const {
  using K = Difference::Kind;
  const bool status = d.kind == K::v2_failed || d.kind == K::v1_failed;
  out += "{\"row\":";
  if (status) {
    out += "null";
  } else if (d.v1_row != Difference::kNoRow) {
    v1->append_key_json(out, d.v1_row);
  } else {
    v2->append_key_json(out, d.v2_row);
  }
  out += ",\"field\":";
  append_json_string(out, fields[d.field]);
  auto side = [&](const KeyTable& t, uint32_t row, int column) {
    if (row == Difference::kNoRow) {
      out += "null";
    } else if (d.field < field_columns.size()) {
      if (column < 0) {
        out += "null";
      } else {
        t.append_json(out, t.cell(row, column));
      }
    } else {
      t.append_key_json(out, row);  // @row: the key, on the side that has it
    }
  };
  if (status) {
    const auto& [a, b] = status_values[d.v1_row];
    out += ",\"v1\":";
    out += a.dump(-1, ' ', false, json::error_handler_t::replace);
    out += ",\"v2\":";
    out += b.dump(-1, ' ', false, json::error_handler_t::replace);
  } else {
    const bool data = d.field < field_columns.size();
    out += ",\"v1\":";
    side(*v1, d.v1_row, data ? field_columns[d.field][0] : -1);
    out += ",\"v2\":";
    side(*v2, d.v2_row, data ? field_columns[d.field][1] : -1);
  }
  out += ",\"grade\":\"";
  out += to_string(d.grade);
  out += "\",\"rule\":";
  append_json_string(out, rules[d.rule].name);
  out += ",\"kind\":\"";
  out += to_string(d.kind);
  out += "\"}";
}

json Comparison::difference_json(const Difference& d) const {
  std::string text;
  append_difference_json(text, d);
  return json::parse(text);
}

std::string Comparison::diff_json(const json& header) const {
  json head = header.is_object() ? header : json::object();
  head["key"] = key;
  head["fields"] = fields;
  json rule_list = json::array();
  for (const RuleRef& r : rules) rule_list.push_back({{"name", r.name}, {"reason", r.reason}});
  head["rules"] = std::move(rule_list);
  head["summary"] = summary_json();
  std::string out = head.dump(-1, ' ', false, json::error_handler_t::replace);
  out.pop_back();  // the closing brace
  out += ",\"differences\":[";
  out.reserve(out.size() + differences.size() * 160);
  for (size_t i = 0; i < differences.size(); ++i) {
    out += i == 0 ? "\n" : ",\n";
    append_difference_json(out, differences[i]);
  }
  out += "\n]}\n";
  return out;
}

Comparison compare(std::shared_ptr<const KeyTable> v1, std::shared_ptr<const KeyTable> v2,
                   const CompareRules& rules) {
  if (v1->key() != v2->key()) {
    if (!v1->key().empty()) {
      v2 = rekeyed(v2, v1->key());
    } else {
      v1 = rekeyed(v1, v2->key());
    }
  }
  const KeyTable& t1 = *v1;
  const KeyTable& t2 = *v2;
  Comparison c;
  c.key = t1.key();
  c.threshold = rules.consistency_threshold;
  c.rows_v1 = t1.rows();
  c.rows_v2 = t2.rows();
  c.v1 = v1;
  c.v2 = v2;

  for (const CompareRule& r : rules.rules) {
    c.rules.push_back({r.name, r.reason});
    if (r.name == kNoiseRuleName) c.noise_fields = r.fields;
  }
  const auto default_rule = static_cast<uint16_t>(c.rules.size());
  c.rules.push_back({std::string(kDefaultRuleName), CompareRules::default_rule().reason});
  const auto duplicate_rule = static_cast<uint16_t>(c.rules.size());
  c.rules.push_back({std::string(kDuplicateKeyRuleName),
                     "a key found twice on one side: its rows cannot be matched one to one"});
  auto rule_index = [&](std::string_view field) -> uint16_t {
    for (size_t i = 0; i < rules.rules.size(); ++i) {
      if (rules.rules[i].applies_to(field)) return static_cast<uint16_t>(i);
    }
    return default_rule;
  };
  auto rule_of = [&](uint16_t i) -> const CompareRule& {
    return i < rules.rules.size() ? rules.rules[i] : CompareRules::default_rule();
  };

  // The data fields: declared first, then every other column of either side, keys left out.
  std::vector<std::string>& names = c.fields;
  auto add = [&](const std::string& n) {
    if (std::find(c.key.begin(), c.key.end(), n) != c.key.end()) return;
    if (std::find(names.begin(), names.end(), n) != names.end()) return;
    names.push_back(n);
  };
  for (const std::string& n : t1.declared_fields()) add(n);
  for (const std::string& n : t2.declared_fields()) add(n);
  for (const std::string& n : t1.columns()) add(n);
  for (const std::string& n : t2.columns()) add(n);
  if (names.size() + 2 > UINT16_MAX) throw std::length_error("compare: more than 65533 fields");
  std::vector<FieldPlan> plans;
  for (const std::string& n : names) {
    FieldPlan p;
    p.c1 = t1.column(n);
    p.c2 = t2.column(n);
    p.rule = rule_index(n);
    p.r = &rule_of(p.rule);
    p.ignore = p.r->method == Method::ignore;
    p.ignore_kind =
        p.r->name == kNoiseRuleName ? Difference::Kind::noise : Difference::Kind::ignored;
    plans.push_back(p);
    c.field_rules.push_back(p.rule);
    c.field_columns.push_back({p.c1, p.c2});
  }
  const auto row_field = static_cast<uint16_t>(names.size());
  names.emplace_back(kRowField);
  names.emplace_back(kStatusField);
  const uint16_t row_rule_index = rule_index(kRowField);
  const CompareRule& row_rule = rule_of(row_rule_index);
  const Grade row_grade = row_rule.method == Method::ignore ? Grade::ignore : row_rule.grade;
  c.field_rules.push_back(row_rule_index);
  c.field_rules.push_back(default_rule);
  c.field_stats.assign(names.size(), FieldStats{});
  std::vector<FieldStats>& stats = c.field_stats;

  auto add_difference = [&](uint32_t r1, uint32_t r2, uint16_t field, uint16_t rule, Grade g,
                            Difference::Kind kind) {
    Difference d;
    d.v1_row = r1;
    d.v2_row = r2;
    d.field = field;
    d.rule = rule;
    d.grade = g;
    d.kind = kind;
    c.differences.push_back(d);
    stats[field].differences[static_cast<size_t>(g)]++;
  };
  // A row on one side only: its non-ignored fields could not match.
  auto one_sided = [&](Grade g) {
    if (g == Grade::ignore) return;
    for (size_t f = 0; f < plans.size(); ++f) {
      if (!plans[f].ignore) stats[f].compared++;
    }
  };

  KeyIndex index(t2);
  constexpr size_t kSlotAhead = 16;  // rows ahead whose hash slot is prefetched
  const size_t n2 = t2.rows();
  for (size_t r = 0; r < n2; ++r) {
    if (r + kSlotAhead < n2) index.prefetch_slot(t2.row_key(r + kSlotAhead).hash);
    if (index.insert(r) >= 0) {
      c.rows_only_v2++;
      add_difference(Difference::kNoRow, static_cast<uint32_t>(r), row_field, duplicate_rule,
                     Grade::block, Difference::Kind::duplicate_v2);
      one_sided(Grade::block);
    }
  }

  // V1's rows in order, V2's found through the index. The random accesses into V2 are
  // prefetched in stages: the hash slot 16 rows ahead, then (slot now cached) the candidate
  // row's cells 8 rows ahead, then (cells now cached) a string key's bytes 4 rows ahead.
  std::string scratch_a;
  std::string scratch_b;
  constexpr size_t kRowAhead = 8;
  constexpr size_t kTextAhead = 4;
  const size_t n1 = t1.rows();
  const size_t width2 = t2.width();
  const int first_key2 = t2.key_columns().empty() ? -1 : t2.key_columns().front();
  for (size_t r1 = 0; r1 < n1; ++r1) {
    if (r1 + kSlotAhead < n1) index.prefetch_slot(t1.row_key(r1 + kSlotAhead).hash);
    if (r1 + kRowAhead < n1) {
      if (int64_t cand = index.peek(t1.row_key(r1 + kRowAhead).hash); cand >= 0) {
        const Cell* row = t2.row(static_cast<size_t>(cand));
        __builtin_prefetch(row);
        __builtin_prefetch(row + width2 - 1);
      }
    }
    if (r1 + kTextAhead < n1 && first_key2 >= 0) {
      if (int64_t cand = index.peek(t1.row_key(r1 + kTextAhead).hash); cand >= 0) {
        const Cell& key = t2.cell(static_cast<size_t>(cand), first_key2);
        if (key.kind == CellKind::string) __builtin_prefetch(t2.text(key).data());
      }
    }
    KeyIndex::Slot* slot = index.find(t1, r1);
    if (slot == nullptr) {
      c.rows_only_v1++;
      add_difference(static_cast<uint32_t>(r1), Difference::kNoRow, row_field, row_rule_index,
                     row_grade, Difference::Kind::missing_in_v2);
      one_sided(row_grade);
      continue;
    }
    const size_t p = (slot->row & ~KeyIndex::kMatched) - 1;
    if ((slot->row & KeyIndex::kMatched) != 0) {
      c.rows_only_v1++;
      add_difference(static_cast<uint32_t>(r1), static_cast<uint32_t>(p), row_field, duplicate_rule,
                     Grade::block, Difference::Kind::duplicate_v1);
      one_sided(Grade::block);
      continue;
    }
    slot->row |= KeyIndex::kMatched;
    c.rows_compared++;
    const Cell* row1 = t1.row(r1);
    const Cell* row2 = t2.row(p);
    for (size_t f = 0; f < plans.size(); ++f) {
      const FieldPlan& pl = plans[f];
      const Cell& a = pl.c1 >= 0 ? row1[pl.c1] : kAbsent;
      const Cell& b = pl.c2 >= 0 ? row2[pl.c2] : kAbsent;
      FieldStats& st = stats[f];
      const bool same = identical(a, t1, b, t2);
      if (pl.ignore) {
        st.ignored++;
        if (!same) {
          add_difference(static_cast<uint32_t>(r1), static_cast<uint32_t>(p),
                         static_cast<uint16_t>(f), pl.rule, Grade::ignore, pl.ignore_kind);
        }
        continue;
      }
      st.compared++;
      if (same) {
        st.matched++;
        continue;
      }
      bool accepted = false;
      if (pl.r->method == Method::tolerance) {
        accepted = within_tolerance(a, b, *pl.r);
      } else if (pl.r->method == Method::normalise) {
        accepted = normalise(a, t1, pl.r->normalise, scratch_a) ==
                   normalise(b, t2, pl.r->normalise, scratch_b);
      }
      if (accepted) {
        st.matched++;
        if (pl.r->within == Within::warn) {
          c.documented++;
          add_difference(static_cast<uint32_t>(r1), static_cast<uint32_t>(p),
                         static_cast<uint16_t>(f), pl.rule, Grade::warn,
                         Difference::Kind::documented);
        }
        continue;
      }
      add_difference(static_cast<uint32_t>(r1), static_cast<uint32_t>(p), static_cast<uint16_t>(f),
                     pl.rule, pl.r->grade, Difference::Kind::value);
    }
  }
  for (uint32_t p : index.unmatched()) {
    c.rows_only_v2++;
    add_difference(Difference::kNoRow, p, row_field, row_rule_index, row_grade,
                   Difference::Kind::missing_in_v1);
    one_sided(row_grade);
  }
  c.grade();
  return c;
}

Comparison compare(const json& v1, const json& v2, const CompareRules& rules) {
  return compare(load_table(v1, rules.key), load_table(v2, rules.key), rules);
}

Comparison compare_text(std::string_view v1, std::string_view v2, const CompareRules& rules) {
  return compare(load_table_text(v1, rules.key), load_table_text(v2, rules.key), rules);
}

}  // namespace agentsys::migration
