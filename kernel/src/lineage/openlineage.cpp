#include "lineage/openlineage.hpp"

#include <chrono>
#include <cmath>

#include "util/sha256.hpp"
#include "util/time.hpp"

namespace agentsys {
using json = nlohmann::json;

namespace {

constexpr const char* kRunEventSchema =
    "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";
constexpr const char* kFacetSchema = "https://agentsys.dev/spec/facets/1-0-0/";

/// Custom facets must name their producer and schema; add them where a plugin left them out.
json with_facet_fields(json facets, const std::string& name_prefix = {}) {
  if (!facets.is_object()) return json::object();
  for (auto& [name, facet] : facets.items()) {
    if (!facet.is_object()) facet = json{{"value", facet}};
    if (!facet.contains("_producer")) facet["_producer"] = kLineageProducer;
    if (!facet.contains("_schemaURL")) {
      facet["_schemaURL"] = std::string(kFacetSchema) + name_prefix + name + ".json";
    }
  }
  return facets;
}

json datasets(const json& list) {
  json out = json::array();
  if (!list.is_array()) return out;
  for (const json& d : list) {
    if (!d.is_object() || !d.value("namespace", json()).is_string() ||
        !d.value("name", json()).is_string()) {
      continue;  // a dataset needs both; the plugin's contract says so
    }
    json ds{{"namespace", d["namespace"]}, {"name", d["name"]}};
    ds["facets"] = with_facet_fields(d.value("facets", json::object()));
    out.push_back(std::move(ds));
  }
  return out;
}

}  // namespace

std::string run_uuid(std::string_view run_id) {
  std::string h = sha256_hex(run_id).substr(0, 32);
  h[12] = '5';                                                        // version: name-based
  h[16] = "89ab"[std::stoi(std::string(1, h[16]), nullptr, 16) & 3];  // RFC 4122 variant
  return h.substr(0, 8) + '-' + h.substr(8, 4) + '-' + h.substr(12, 4) + '-' + h.substr(16, 4) +
         '-' + h.substr(20, 12);
}

std::vector<json> lineage_events(const RunResult& result, const Producer& producer) {
  json output = json::parse(result.output_json.empty() ? "{}" : result.output_json, nullptr, false);
  json lineage = output.is_object() ? output.value("lineage", json::object()) : json::object();
  if (!lineage.is_object()) lineage = json::object();

  const auto end = std::chrono::system_clock::now();
  const auto start =
      end - std::chrono::microseconds(std::llround(std::max(0.0, result.latency_ms) * 1000));
  std::string job_name = lineage.value("job", json()).is_string()
                             ? lineage["job"].get<std::string>()
                             : result.module + "." + result.action;

  json job_facets = with_facet_fields(lineage.value("job_facets", json::object()));
  job_facets["agentsys_implementation"] = {
      {"_producer", kLineageProducer},
      {"_schemaURL", std::string(kFacetSchema) + "agentsys_implementation.json"},
      {"module", result.module},
      {"action", result.action},
      {"impl", result.impl == AS_IMPL_V1   ? "v1"
               : result.impl == AS_IMPL_V2 ? "v2"
                                           : "none"},
      {"plugin", producer.plugin},
      {"version", producer.version},
      {"build_id", producer.build_id}};
  json run_facets = with_facet_fields(lineage.value("run_facets", json::object()));
  run_facets["agentsys_run"] = {
      {"_producer", kLineageProducer},
      {"_schemaURL", std::string(kFacetSchema) + "agentsys_run.json"},
      {"run_id", result.run_id},
      {"trace_id", result.trace_id},
      {"status", std::string(to_string(result.status))},
      {"error_code", result.error_code == ErrorCode::none
                         ? json()
                         : json(std::string(to_string(result.error_code)))},
      {"attempts", result.attempts},
      {"latency_ms", result.latency_ms}};

  json base{{"producer", kLineageProducer},
            {"schemaURL", kRunEventSchema},
            {"run", {{"runId", run_uuid(result.run_id)}, {"facets", run_facets}}},
            {"job", {{"namespace", "agentsys"}, {"name", job_name}, {"facets", job_facets}}},
            {"inputs", datasets(lineage.value("inputs", json::array()))},
            {"outputs", json::array()}};

  json started = base;
  started["eventType"] = "START";
  started["eventTime"] = iso8601(start);
  json ended = base;
  ended["eventType"] = result.ok() ? "COMPLETE" : "FAIL";
  ended["eventTime"] = iso8601(end);
  if (result.ok()) ended["outputs"] = datasets(lineage.value("outputs", json::array()));
  if (!result.ok()) {
    ended["run"]["facets"]["errorMessage"] = {
        {"_producer", kLineageProducer},
        {"_schemaURL", "https://openlineage.io/spec/facets/1-0-0/ErrorMessageRunFacet.json"},
        {"message", result.message},
        {"programmingLanguage", "C++"}};
  }
  return {started, ended};
}

}  // namespace agentsys
