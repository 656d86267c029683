#pragma once
// Answers "where did this come from?" over the stored events: from an output file or a run id
// back to the run that produced it, its inputs (databases, tables, queries), the rule version
// and the code version (script digest and commit for V1, plugin and build for V2).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace agentsys::lineage {

/// The lineage of the last run that wrote `path` (compared after canonicalisation), or of run
/// `run_id` (a kernel run id). Returns null when nothing matches.
nlohmann::json show(const std::vector<nlohmann::json>& events, const std::string& path,
                    const std::string& run_id);

}  // namespace agentsys::lineage
