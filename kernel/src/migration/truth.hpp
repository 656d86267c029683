#pragma once
// Labelled cases: when a migration case carries the right answer (a request log line's
// "expected" skill), a shadow pair records, beside V1-versus-V2, which side was right. The
// comparison itself does not change: a disagreement is graded by the module's rules; the
// label says whether the disagreement is V2 fixing V1 or V2 regressing.
#include <nlohmann/json.hpp>
#include <string_view>

#include "migration/compare_rules.hpp"

namespace agentsys::migration {

/// {"field", "expected", "v1", "v2", "right": "both"|"v1"|"v2"|"neither"} for the results of
/// a pair whose input labelled `expected`. A side's value is its result's `field` (each row's
/// under key_fields.rows: right when every row holds `expected`); a result that is not JSON
/// is never right.
nlohmann::json judge_truth(const TruthSpec& spec, const nlohmann::json& expected,
                           std::string_view v1_result, std::string_view v2_result);

}  // namespace agentsys::migration
