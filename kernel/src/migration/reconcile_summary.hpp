#pragma once
// Aggregates of reconciled shadow pairs (lines of runs.jsonl, see reconciler.hpp) and the
// daily summary in Markdown (summary.md): per UTC day, the key-field consistency, differences
// by grade, the top differing fields, what was ignored and learned as noise, failures, and
// V1 and V2 latency p50/p95.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace agentsys::migration {

struct RunsAggregate {
  size_t runs = 0;
  std::array<size_t, 3> verdicts{};  ///< pass, warn, block
  uint64_t fields_compared = 0;
  uint64_t matched = 0;
  /// 100 * sum(matched) / sum(fields_compared) over the runs (pooled, so a run with more
  /// fields weighs more); nullopt when nothing was compared.
  std::optional<double> consistency;
  std::array<uint64_t, 3> differences{};                  ///< block, warn, ignore
  std::map<std::string, std::array<uint64_t, 3>> fields;  ///< differences per field
  std::map<std::string, uint64_t> ignored_by_rule;
  std::set<std::string> noise_fields;
  size_t v2_failed = 0;  ///< runs whose V2 failed or overran where V1 did not
  size_t v1_failed = 0;
  std::vector<double> v1_latency_ms;
  std::vector<double> v2_latency_ms;
  /// Labelled pairs (truth.hpp) by which side was right: both, v1, v2, neither.
  std::array<size_t, 4> truth{};

  /// Adds one runs.jsonl line.
  void add(const nlohmann::json& line);

  /// Fields with block or warn differences, most blocks then most warns first.
  [[nodiscard]] std::vector<std::pair<std::string, std::array<uint64_t, 3>>> top_fields(
      size_t n = 5) const;

  /// {"runs", "verdicts": {pass, warn, block}, "fields_compared", "matched", "consistency",
  ///  "differences": {...}, "top_fields": [{field, block, warn, ignore}], "ignored_by_rule",
  ///  "noise_fields", "v2_failed", "v1_failed", "latency_ms": {"v1": {"p50", "p95"}, "v2": ...},
  ///  "labelled": {"pairs", "both", "v1", "v2", "neither"}}
  [[nodiscard]] nlohmann::json to_json() const;
};

/// Nearest-rank percentile (the reports' definition): the ceil(p/100 * n)-th smallest value;
/// nullopt for no values.
std::optional<double> nearest_rank(std::vector<double> values, int p);

/// summary.md of a module and month from its runs.jsonl lines (oldest first).
std::string render_daily_summary(const std::string& module, const std::string& month_folder,
                                 const std::vector<nlohmann::json>& runs);

}  // namespace agentsys::migration
