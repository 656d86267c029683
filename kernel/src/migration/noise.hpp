#pragma once
// Noise learning, as Diffy does it: run V1 twice on the same input; a field whose values differ
// between the two V1 runs cannot be expected to agree with V2 either (a wall clock, a random
// id). Such fields are ignored by an extra rule named "noise:learned", and every comparison
// and summary says so: noise is reported, never dropped silently.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "migration/compare_rules.hpp"
#include "migration/key_table.hpp"

namespace agentsys::migration {

struct Noise {
  /// Fields whose values differed in at least one row present in both V1 runs, in field order.
  std::vector<std::string> fields;
  /// Per noisy field: in how many rows it differed.
  std::map<std::string, uint64_t> rows_differing;
  uint64_t rows_compared = 0;   ///< rows present in both runs
  uint64_t rows_unmatched = 0;  ///< rows present in one run only (reported, not learned)

  [[nodiscard]] bool empty() const { return fields.empty(); }
  [[nodiscard]] nlohmann::json to_json() const;
};

/// Fields that differ between two V1 runs on the same input (compared exactly, rows matched by
/// `key`, else by each result's declared key).
Noise learn_noise(std::shared_ptr<const KeyTable> v1_run_a,
                  std::shared_ptr<const KeyTable> v1_run_b);
Noise learn_noise(const nlohmann::json& v1_run_a, const nlohmann::json& v1_run_b,
                  const std::vector<std::string>& key = {});
Noise learn_noise_text(std::string_view v1_run_a, std::string_view v1_run_b,
                       const std::vector<std::string>& key = {});

/// `rules` with one rule in front: {name "noise:learned", fields = the noise fields, method
/// ignore}. Fields whose configured rule already ignores them keep that rule (and its reason);
/// when no field is left, `rules` is returned unchanged.
CompareRules with_noise(const CompareRules& rules, const Noise& noise);

}  // namespace agentsys::migration
