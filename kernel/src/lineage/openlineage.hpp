#pragma once
// OpenLineage RunEvents (https://openlineage.io/spec/2-0-2/OpenLineage.json) for a finished run:
// START at the run's start and COMPLETE or FAIL at its end. What was read and written comes
// from the plugin's result ("lineage" member, see docs/lineage.md); what produced it (plugin,
// version, build id, implementation, trace) is added by the kernel.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "task/task.hpp"

namespace agentsys {

/// Who produced the run: the plugin as the kernel loaded it.
struct Producer {
  std::string plugin;
  std::string version;
  std::string build_id;
};

/// The URI every event and custom facet names as its producer.
inline constexpr const char* kLineageProducer = "https://agentsys.dev/kernel";

/// The run's events, oldest first: START and COMPLETE (succeeded) or FAIL (anything else).
std::vector<nlohmann::json> lineage_events(const RunResult& result, const Producer& producer);

/// A UUID (the form OpenLineage requires for runId) derived from a kernel run id: the same run
/// id always gives the same UUID.
std::string run_uuid(std::string_view run_id);

}  // namespace agentsys
