#include "lineage_query.hpp"

#include <filesystem>

namespace agentsys::lineage {
using json = nlohmann::json;

namespace {

std::string kernel_run_id(const json& event) {
  const json* facet = &event;
  for (const char* key : {"run", "facets", "agentsys_run", "run_id"}) {
    if (!facet->is_object() || !facet->contains(key)) return {};
    facet = &(*facet)[key];
  }
  return facet->is_string() ? facet->get<std::string>() : std::string();
}

bool wrote(const json& event, const std::string& path) {
  for (const json& d : event.value("outputs", json::array())) {
    if (d.value("name", "") == path) return true;
  }
  return false;
}

std::string canonical(const std::string& path) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::weakly_canonical(path, ec);
  return ec ? path : p.string();
}

}  // namespace

json show(const std::vector<json>& events, const std::string& path, const std::string& run_id) {
  const std::string wanted = path.empty() ? std::string() : canonical(path);
  const json* end = nullptr;  // the COMPLETE/FAIL event of the run asked about
  for (auto it = events.rbegin(); it != events.rend() && end == nullptr; ++it) {
    const std::string type = it->value("eventType", "");
    if (type != "COMPLETE" && type != "FAIL") continue;
    if (!run_id.empty() ? kernel_run_id(*it) == run_id : wrote(*it, wanted)) end = &*it;
  }
  if (end == nullptr) return nullptr;
  const json& job = (*end)["job"];
  const json& run = (*end)["run"];
  const json no_facets = json::object();
  const json& job_facets = job.value("facets", no_facets).is_object() ? job["facets"] : no_facets;
  const json& run_facets = run.value("facets", no_facets).is_object() ? run["facets"] : no_facets;
  json inputs = json::array();
  for (const json& d : end->value("inputs", json::array())) {
    inputs.push_back({{"namespace", d.value("namespace", "")},
                      {"name", d.value("name", "")},
                      {"facets", d.value("facets", json::object())}});
  }
  json outputs = json::array();
  for (const json& d : end->value("outputs", json::array())) outputs.push_back(d.value("name", ""));
  return {{"run_id", kernel_run_id(*end)},
          {"openlineage_run_id", run.value("runId", "")},
          {"job", job.value("name", "")},
          {"event_type", end->value("eventType", "")},
          {"event_time", end->value("eventTime", "")},
          {"implementation", job_facets.value("agentsys_implementation", json::object())},
          {"code_version", job_facets.value("agentsys_code_version", json())},
          {"rule_version", run_facets.value("agentsys_rule_version", json())},
          {"reconciliation", run_facets.value("agentsys_reconciliation", json())},
          {"inputs", inputs},
          {"outputs", outputs},
          {"event", *end}};
}

}  // namespace agentsys::lineage
