#pragma once
// The `normalise` method's steps on one value (docs/reconciliation.md, "Normalise steps"):
// trim, case, empty_null, number[:N], timestamp[:us|ms|s]. Two values are equal under a rule
// when their normal forms are.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "migration/compare_rules.hpp"
#include "migration/key_table.hpp"

namespace agentsys::migration {

/// A value after the normalise steps.
struct NormalValue {
  enum class Kind : uint8_t {
    null,     ///< null, absent, or an empty string under empty_null
    boolean,  ///< i is 0 or 1
    number,   ///< d (not rounded)
    scaled,   ///< i = the number rounded to N decimals, times 10^N
    instant,  ///< i = microseconds since the epoch, truncated to the step's unit
    text,     ///< s: a string (trimmed, case-folded), a decimal too large to scale, or JSON
  };
  Kind kind = Kind::null;
  int64_t i = 0;
  double d = 0;
  std::string_view s;

  friend bool operator==(const NormalValue& a, const NormalValue& b) {
    if (a.kind != b.kind) return false;
    switch (a.kind) {
      case Kind::null: return true;
      case Kind::number: return a.d == b.d;
      case Kind::text: return a.s == b.s;
      default: return a.i == b.i;
    }
  }
};

/// `cell` (of `table`) after `steps`. Text that has to change (case folding, a formatted
/// decimal) is written to `scratch`, which must outlive the result's use.
NormalValue normalise(const Cell& cell, const KeyTable& table, const Normalise& steps,
                      std::string& scratch);

/// `x` rounded to `decimals` decimals exactly as printf("%.*f") rounds it (the decimal value
/// of the double, not of x * 10^N), as the integer x * 10^decimals: 0.9523809523809523 and 4
/// give 9524. nullopt when that integer would not fit in 2^52 or x is not finite.
std::optional<int64_t> scaled_round(double x, int decimals);

/// An ISO-8601 / RFC 3339 timestamp as microseconds since the epoch (UTC):
/// `YYYY-MM-DD`, then optionally `T` (or a space) `HH:MM[:SS[.fraction]]`, then optionally
/// `Z` or an offset `+HH:MM` / `+HHMM` / `+HH`. No offset means UTC; a date alone is midnight.
/// Fractions beyond microseconds are truncated. nullopt when `text` is not such a timestamp.
std::optional<int64_t> parse_timestamp_us(std::string_view text);

}  // namespace agentsys::migration
