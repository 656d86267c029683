#pragma once
// How a RunResult is shown: as JSON, and as a one-line human summary.
#include <nlohmann/json.hpp>
#include <string>

#include "task/task.hpp"

namespace agentsys::cli {

nlohmann::ordered_json run_result_json(const RunResult& r);

/// "run RUN_ID succeeded: demo via v2 (demo_v2 2.0.0), 1 attempt, 0.12 ms"
std::string run_summary(const RunResult& r);

}  // namespace agentsys::cli
