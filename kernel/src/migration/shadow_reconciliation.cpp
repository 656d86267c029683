#include "migration/shadow_reconciliation.hpp"

#include <spdlog/spdlog.h>

#include "lineage/lineage_bus.hpp"
#include "lineage/openlineage.hpp"
#include "migration/reconciler.hpp"
#include "store/run_store.hpp"
#include "util/sha256.hpp"
#include "util/time.hpp"

namespace agentsys::migration {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

std::string status_of(const Invocation& inv) {
  return inv.outcome.status == AS_OK            ? "succeeded"
         : inv.outcome.status == AS_ERR_TIMEOUT ? "timed_out"
                                                : "failed";
}

json file_dataset(const fs::path& path) {
  return json{{"namespace", "file"}, {"name", path.string()}};
}

}  // namespace

ShadowReconciliation::ShadowReconciliation(fs::path state_dir,
                                           std::map<std::string, CompareRules> rules,
                                           RunStore* store, LineageBus* lineage)
    : state_dir_(std::move(state_dir)),
      rules_(std::move(rules)),
      defaults_(parse_compare_rules(json::object())),
      store_(store),
      lineage_(lineage) {}

const CompareRules& ShadowReconciliation::rules(const std::string& module) const {
  auto it = rules_.find(module);
  return it == rules_.end() ? defaults_ : it->second;
}

void ShadowReconciliation::operator()(const ShadowOutcome& pair) {
  ReconcileInput in;
  in.module = pair.spec.module;
  json input = json::parse(pair.spec.input_json, nullptr, false);
  if (input.is_object() && input.contains("target_month") && input["target_month"].is_string()) {
    in.target_month = input["target_month"].get<std::string>();
  }
  in.run_id = pair.run_id;
  in.trace_id = pair.spec.trace_id;
  in.v1 = {pair.run_id, std::string(to_string(pair.primary.status)),
           pair.primary.error_code == ErrorCode::none
               ? std::string()
               : std::string(to_string(pair.primary.error_code)),
           pair.primary.latency_ms, pair.primary.output_json};
  in.v2.run_id = pair.shadow_run_id;
  in.v2.status = status_of(pair.shadow);
  in.v2.error_code = pair.shadow.outcome.status == AS_OK
                         ? std::string()
                         : std::string(to_string(from_status(pair.shadow.outcome.status)));
  in.v2.latency_ms = pair.shadow.latency_ms;
  in.v2.result_json = pair.shadow.outcome.status == AS_OK ? pair.shadow.outcome.output : "";
  in.v2.overran = pair.overran;

  ReconcileRecord rec = reconcile(in, rules(in.module), state_dir_);
  json facet = reconciliation_facet(rec);
  if (store_ != nullptr) {
    json data{{"verdict", std::string(to_string(rec.verdict))},
              {"target_month", in.target_month},
              // Which input was compared: the red line judges the latest comparison of each.
              {"input_digest", sha256_hex(pair.spec.input_json).substr(0, 16)},
              {"consistency", rec.consistency ? json(*rec.consistency) : json(nullptr)},
              {"v2_run_id", pair.shadow_run_id},
              {"v2_status", in.v2.status},
              {"v2_latency_ms", in.v2.latency_ms},
              {"v2_error", pair.shadow.outcome.error},
              {"overran", pair.overran},
              {"rows_compared", rec.comparison.rows_compared},
              {"fields_compared", rec.comparison.fields_compared},
              {"matched", rec.comparison.matched},
              {"differences",
               {{"block", rec.comparison.by_grade[0]},
                {"warn", rec.comparison.by_grade[1]},
                {"ignore", rec.comparison.by_grade[2]}}},
              {"diff", rec.diff.string()}};
    store_->append_event({0, iso8601_now(), "shadow_compared", pair.spec.trace_id, pair.run_id,
                          pair.spec.module, "v2", 1, data.dump()});
  }
  if (lineage_ != nullptr) {
    // The comparison is a run of its own: it read both outputs and wrote the diff.
    json event{{"eventType", "COMPLETE"},
               {"eventTime", rec.finished_at},
               {"producer", kLineageProducer},
               {"schemaURL", "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"},
               {"run",
                {{"runId", run_uuid(pair.run_id + "-reconcile")},
                 {"facets", {{kReconciliationFacet, facet}}}}},
               {"job", {{"namespace", "agentsys"}, {"name", "reconcile." + in.module}}},
               {"inputs", {file_dataset(rec.v1_output), file_dataset(rec.v2_output)}},
               {"outputs", {file_dataset(rec.diff)}}};
    lineage_->record({std::move(event)}, pair.run_id + "-reconcile");
  }
  spdlog::info("shadow {} {}: {} ({})", in.module, pair.run_id, to_string(rec.verdict),
               rec.diff.string());
}

}  // namespace agentsys::migration
