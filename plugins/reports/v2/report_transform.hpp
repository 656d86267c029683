#pragma once
// The declarative transform of a report (docs/reports.md, "The transform language"), as V2
// computes it: percentiles by nearest rank, rows ordered by the key fields ascending.
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "report_definition.hpp"
#include "report_rows.hpp"

namespace agentsys::reports {

/// One output row per group: every group_by field and every metric, by name (JSON null for SQL
/// NULL and for "nothing"; integers stay integers).
using ResultRow = nlohmann::json;

/// Groups the concatenated rows of `parts` by `definition.group_by` and computes the metrics
/// per group, in order. Rows come back sorted by the key fields ascending (then the other
/// group_by fields; null first). `cancelled` is polled every few thousand rows and stops the
/// work by throwing what it throws. Throws std::invalid_argument for data a metric cannot use
/// (e.g. a sum over text).
std::vector<ResultRow> apply_transform(const Definition& definition,
                                       const std::vector<QueryRows>& parts,
                                       const std::function<void()>& cancelled = {});

/// Nearest-rank percentile of `values` (which it sorts): the value at rank
/// max(1, (p * n + 99) / 100); null when there are none.
nlohmann::json percentile_nearest_rank(std::vector<nlohmann::json>& values, int p);

}  // namespace agentsys::reports
