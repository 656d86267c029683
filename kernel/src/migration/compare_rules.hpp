#pragma once
// A module's comparison rules: how the V1 and V2 results of a shadow pair are compared field by
// field, and how each difference is graded (block / warn / ignore). They come from the module's
// configuration table `[modules.NAME.compare]` (docs/reconciliation.md, "Rules"):
//
//   [modules.MODULE.compare]
//   key = ["module"]                 # optional: the row key (default: the result's key_fields.key)
//   consistency_threshold = 99.0     # percent; below it the verdict is block
//   noise_learning = false           # run V1 twice and ignore what differs between the two runs
//   [[modules.MODULE.compare.rules]]
//   name = "volatile_generated_at"   # optional; default "rules[I]"
//   fields = ["generated_at"]        # or "*" (every data field)
//   method = "ignore"                # exact | tolerance | normalise | ignore
//   reason = "..."
//
// For each field the first rule naming it wins; a field no rule names is compared exactly and a
// difference blocks (the default rule).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace agentsys::migration {

/// How much a difference matters. Ordered from most to least severe.
enum class Grade : uint8_t { block, warn, ignore };

/// How two values of a field are compared.
enum class Method : uint8_t {
  exact,      ///< identical JSON values (numbers by value: 812 and 812.0 are identical)
  tolerance,  ///< numbers within `abs` or `rel` of V1's value
  normalise,  ///< identical after the `normalise` steps
  ignore,     ///< not compared: counted as ignored, a difference is listed with grade ignore
};

/// How a pair the method accepts but that is not identical counts.
enum class Within : uint8_t {
  match,  ///< a match (e.g. the same number written with more decimals)
  warn,   ///< a match for consistency, but listed as a warn difference (a documented difference)
};

std::string_view to_string(Grade g);
std::string_view to_string(Method m);
std::string_view to_string(Within w);

/// The pseudo-field that grades row presence: a row (key) found on one side only.
inline constexpr std::string_view kRowField = "@row";
/// The pseudo-field of a run's status: a V2 failure or budget overrun, a V1 failure.
inline constexpr std::string_view kStatusField = "@status";

/// The steps of the `normalise` method, applied to both values before they are compared.
struct Normalise {
  enum class Timestamp : uint8_t { none, us, ms, s };
  bool trim = false;        ///< "trim": leading and trailing ASCII whitespace of strings
  bool fold_case = false;   ///< "case": ASCII letters of strings compared lowercase
  bool empty_null = false;  ///< "empty_null": an empty string (after trim) is null
  bool number = false;      ///< "number" / "number:N": numeric strings are numbers
  int decimals = -1;        ///< "number:N": numbers rounded to N decimals (-1: not rounded)
  Timestamp timestamp = Timestamp::none;  ///< "timestamp[:us|ms|s]": the same instant

  [[nodiscard]] bool any() const {
    return trim || fold_case || empty_null || number || timestamp != Timestamp::none;
  }
  /// The steps as written in the configuration, e.g. ["trim", "number:4"].
  [[nodiscard]] std::vector<std::string> steps() const;
};

struct CompareRule {
  std::string name;                 ///< `name`, else "rules[I]" (0-based, in file order)
  std::vector<std::string> fields;  ///< the fields it governs (empty when all_fields)
  bool all_fields = false;          ///< fields = "*": every data field (not @row)
  Method method = Method::exact;
  double abs = 0;  ///< tolerance: |V2 - V1| <= abs
  double rel = 0;  ///< tolerance: |V2 - V1| <= rel * |V1|
  Normalise normalise;
  Grade grade = Grade::block;     ///< grade of a difference the method does not accept
  Within within = Within::match;  ///< how an accepted, non-identical pair counts
  std::string reason;

  /// True when the rule governs `field` ("*" governs every field but the pseudo-fields).
  [[nodiscard]] bool applies_to(std::string_view field) const;
  [[nodiscard]] nlohmann::json to_json() const;
};

/// Names of rules the comparison makes itself (never configured: `name` cannot hold ':').
inline constexpr std::string_view kDefaultRuleName = "default";
inline constexpr std::string_view kNoiseRuleName = "noise:learned";
inline constexpr std::string_view kV2FailedRuleName = "v2_failed";
inline constexpr std::string_view kV1FailedRuleName = "v1_failed";
inline constexpr std::string_view kDuplicateKeyRuleName = "duplicate_key";

/// A labelled case (`[compare.truth]`): the task input's member `input` holds the right value
/// of the result field `field`, so that a pair records which side was right (truth.hpp).
struct TruthSpec {
  std::string input;
  std::string field;
};

struct CompareRules {
  /// The row key; empty: the results' own (`key_fields.key`).
  std::vector<std::string> key;
  /// Percent (0..100). A comparison whose consistency is below it is graded block.
  double consistency_threshold = 99.0;
  /// Whether the runner should run V1 twice per shadow pair to learn noise (see noise.hpp).
  bool noise_learning = false;
  /// In order: for a field, the first rule that applies wins.
  std::vector<CompareRule> rules;
  /// Set when the module's migration cases are labelled.
  std::optional<TruthSpec> truth;

  /// The rule for `field`: the first that applies, else default_rule().
  [[nodiscard]] const CompareRule& rule_for(std::string_view field) const;
  /// Exact comparison, a difference blocks: for fields no rule names.
  static const CompareRule& default_rule();
  [[nodiscard]] nlohmann::json to_json() const;
};

/// A problem in a `compare` table: where (a JSON pointer relative to the table, e.g.
/// "/rules/2/rel"), which check (e.g. "compare.tolerance") and what is wrong.
struct RuleProblem {
  std::string path;
  std::string rule;
  std::string message;
};

/// Parses a module's `compare` table (the TOML converted to JSON). Every problem is appended
/// to `problems`; what cannot be read is left at its default (a bad rule is left out).
CompareRules parse_compare_rules(const nlohmann::json& table, std::vector<RuleProblem>& problems);

/// The same; throws std::invalid_argument naming the first problem ("/rules/2/rel: ...").
CompareRules parse_compare_rules(const nlohmann::json& table);

}  // namespace agentsys::migration
