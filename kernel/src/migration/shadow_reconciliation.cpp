#include "migration/shadow_reconciliation.hpp"

#include <spdlog/spdlog.h>

#include "lineage/lineage_bus.hpp"
#include "lineage/openlineage.hpp"
#include "migration/gate_evidence.hpp"
#include "migration/mttd.hpp"
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

/// V1's failure as the run's events recorded it: the attempt's start, and the attempt_failed
/// event that names the error code and (in its message) the step.
std::optional<MttdSample> v1_failure(RunStore& store, const ShadowOutcome& pair) {
  MttdSample s{"v1", "", "", pair.spec.module, "", "", pair.run_id};
  for (const EventRow& e : store.events(pair.run_id)) {
    if (e.type == "started" && s.onset_ts.empty()) s.onset_ts = e.ts;
    if (e.type == "attempt_failed" && !s.onset_ts.empty()) {
      json d = json::parse(e.data, nullptr, false);
      if (!d.is_object()) continue;
      s.detected_ts = e.ts;
      s.error_code = d.value("error_code", "");
      s.step = failure_step(d.value("message", ""));
      return s;
    }
  }
  return std::nullopt;
}

/// V2's failure: its shadow call started at `started_at` and returned the error latency_ms later.
std::optional<MttdSample> v2_failure(const ShadowOutcome& pair, const std::string& error_code) {
  const std::optional<double> start = parse_timestamp(pair.started_at);
  if (!start) return std::nullopt;
  const auto at = [](double seconds) {
    return iso8601(std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::duration<double>(seconds))));
  };
  return MttdSample{"v2",
                    at(*start),
                    at(*start + pair.shadow.latency_ms / 1000.0),
                    pair.spec.module,
                    failure_step(pair.shadow.outcome.error),
                    error_code,
                    pair.shadow_run_id};
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

void ShadowReconciliation::record_failures(const ShadowOutcome& pair,
                                           const ReconcileInput& in) const {
  std::vector<MttdSample> samples;
  if (!pair.primary.ok() && store_ != nullptr) {
    if (auto s = v1_failure(*store_, pair)) samples.push_back(std::move(*s));
  }
  if (in.v2.status != "succeeded") {
    if (auto s = v2_failure(pair, in.v2.error_code)) samples.push_back(std::move(*s));
  }
  for (const MttdSample& s : samples) {
    if (std::string why = append_mttd_sample(state_dir_, in.target_month, s); !why.empty()) {
      spdlog::warn("MTTD sample of {} not recorded: {}", s.run_id, why);
    }
  }
}

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

  const CompareRules& module_rules = rules(in.module);
  if (module_rules.truth && input.is_object() && input.contains(module_rules.truth->input)) {
    in.truth = input[module_rules.truth->input];
  }
  ReconcileRecord rec = reconcile(in, module_rules, state_dir_);
  record_failures(pair, in);
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
