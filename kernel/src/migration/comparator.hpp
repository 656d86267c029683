#pragma once
// The comparison of a V1 and a V2 result under a module's rules (compare_rules.hpp): rows
// matched one to one by key (order does not matter), every field of every matched row compared
// by the first rule naming it, every difference graded; the consistency and the verdict.
// Definitions in docs/reconciliation.md ("Grading", "Consistency").
//
// Each (row, field) of a row found on both sides has exactly one outcome:
//   ignored   its rule's method is ignore (a learned noise field too): not compared; when the
//             values differ, a difference graded ignore is listed with the rule
//   matched   identical, or accepted by the rule's method (within tolerance, equal after
//             normalising); with `within = "warn"` an accepted pair that is not identical is
//             also listed as a warn difference ("documented")
//   mismatch  not accepted: a difference graded by the rule (block, warn or ignore)
// A row found on one side only is one difference on the pseudo-field @row (graded by the rule
// naming @row, default block) and, unless graded ignore, each of its non-ignored fields counts
// as compared and not matched. A key present twice on one side is a block difference
// (rule duplicate_key).
//
//   consistency = 100 * matched / compared      (compared = every outcome but "ignored")
//   verdict     = block  when any difference is graded block, or consistency < threshold
//                 warn   otherwise, when any difference is graded warn
//                 pass   otherwise
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "migration/compare_rules.hpp"
#include "migration/key_table.hpp"

namespace agentsys::migration {

enum class Verdict : uint8_t { pass, warn, block };
std::string_view to_string(Verdict v);

struct Difference {
  enum class Kind : uint8_t {
    value,          ///< the rule's method did not accept the pair
    documented,     ///< accepted but not identical, listed by a rule with within = "warn"
    ignored,        ///< differs under an ignore rule
    noise,          ///< differs under the learned noise rule
    missing_in_v2,  ///< @row: the key is in V1 only
    missing_in_v1,  ///< @row: the key is in V2 only
    duplicate_v1,   ///< @row: the key is in V1 more than once
    duplicate_v2,   ///< @row: the key is in V2 more than once
    v2_failed,      ///< @status: V2 failed (or overran its budget) where V1 did not
    v1_failed,      ///< @status: V1 failed where V2 did not
  };
  static constexpr uint32_t kNoRow = UINT32_MAX;
  uint32_t v1_row = kNoRow;  ///< for @status: index into Comparison::status_values
  uint32_t v2_row = kNoRow;
  uint16_t field = 0;  ///< index into Comparison::fields
  uint16_t rule = 0;   ///< index into Comparison::rules
  Grade grade = Grade::block;
  Kind kind = Kind::value;
};
std::string_view to_string(Difference::Kind k);

/// Per field: how its comparisons came out.
struct FieldStats {
  uint64_t compared = 0;
  uint64_t matched = 0;
  uint64_t ignored = 0;
  std::array<uint64_t, 3> differences{};  ///< by Grade
};

/// A rule as the comparison used it: configured, learned or built in.
struct RuleRef {
  std::string name;
  std::string reason;
};

struct Comparison {
  std::vector<std::string> key;
  /// Data fields (declared fields first), then the pseudo-fields "@row" and "@status".
  std::vector<std::string> fields;
  std::vector<RuleRef> rules;
  std::vector<FieldStats> field_stats;  ///< parallel to fields
  std::vector<uint16_t> field_rules;    ///< parallel to fields: the rule governing each
  /// Parallel to fields: each data field's column in v1 and v2 (-1 where it has none).
  std::vector<std::array<int, 2>> field_columns;

  uint64_t rows_v1 = 0;
  uint64_t rows_v2 = 0;
  uint64_t rows_compared = 0;  ///< rows matched by key on both sides
  uint64_t rows_only_v1 = 0;   ///< including duplicates
  uint64_t rows_only_v2 = 0;
  uint64_t fields_compared = 0;
  uint64_t matched = 0;
  uint64_t documented = 0;  ///< matched, and listed as warn differences (within = "warn")
  uint64_t ignored = 0;     ///< field values under ignore rules (not compared)
  std::array<uint64_t, 3> by_grade{};  ///< differences by Grade
  std::vector<Difference> differences;
  /// Fields ignored as noise learned from two V1 runs (see noise.hpp).
  std::vector<std::string> noise_fields;
  /// Values of @status differences: {V1 status, V2 status}.
  std::vector<std::pair<nlohmann::json, nlohmann::json>> status_values;

  double threshold = 99.0;
  std::optional<double> consistency;  ///< nullopt when nothing was compared
  Verdict verdict = Verdict::pass;

  std::shared_ptr<const KeyTable> v1;
  std::shared_ptr<const KeyTable> v2;

  /// Field values ignored, per rule name (e.g. {"volatile_generated_at": 3}).
  [[nodiscard]] std::map<std::string, uint64_t> ignored_by_rule() const;

  struct TopField {
    std::string field;
    std::array<uint64_t, 3> differences{};
  };
  /// Fields with block or warn differences, most blocks first, then most warns; at most `n`.
  [[nodiscard]] std::vector<TopField> top_fields(size_t n = 5) const;

  /// Adds a difference on @status (a failed side) and updates counts and verdict.
  void add_status_difference(Difference::Kind kind, Grade grade, std::string_view rule,
                             std::string_view reason, nlohmann::json v1_value,
                             nlohmann::json v2_value);

  /// {"rows": {"v1", "v2", "compared", "only_v1", "only_v2"}, "fields_compared", "matched",
  ///  "documented", "ignored", "ignored_by_rule", "differences": {"block", "warn", "ignore"},
  ///  "consistency", "threshold", "verdict", "noise_fields", "top_fields": [...]}
  [[nodiscard]] nlohmann::json summary_json() const;

  /// One difference: {"row": {KEY: value}, "field", "v1", "v2", "grade", "rule", "kind"}.
  [[nodiscard]] nlohmann::json difference_json(const Difference& d) const;
  /// Appends the same as JSON text (fast: diff.json may list millions).
  void append_difference_json(std::string& out, const Difference& d) const;

  /// diff.json: {HEADER members..., "key", "fields", "rules": [...], "summary": summary_json(),
  /// "differences": [every difference]}.
  [[nodiscard]] std::string diff_json(const nlohmann::json& header) const;

  /// Recomputes consistency and verdict from the counts.
  void grade();
};

/// Compares two loaded tables. The key is each table's own (the rules' or the declared one);
/// when they differ, the V2 table is re-keyed with V1's (or V1 with V2's when V1 has none).
Comparison compare(std::shared_ptr<const KeyTable> v1, std::shared_ptr<const KeyTable> v2,
                   const CompareRules& rules);

/// Loads both results (load_table) with the rules' key and compares them.
Comparison compare(const nlohmann::json& v1, const nlohmann::json& v2, const CompareRules& rules);

/// The same from JSON text (load_table_text).
Comparison compare_text(std::string_view v1, std::string_view v2, const CompareRules& rules);

}  // namespace agentsys::migration
