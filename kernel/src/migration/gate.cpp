#include "migration/gate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

namespace agentsys::migration {
namespace {

using json = nlohmann::json;

std::string pct(double share) {
  if (std::isnan(share)) return "n/a";
  if (std::isinf(share)) return share > 0 ? "inf" : "-inf";
  return fmt::format("{:.2f}%", share * 100);
}

std::string ratio_text(double r) {
  if (std::isnan(r)) return "n/a";
  if (std::isinf(r)) return r > 0 ? "inf" : "-inf";
  return fmt::format("{:.3f}", r);
}

std::string confidence_text(double confidence) { return fmt::format("{:g}%", confidence * 100); }

/// a / b for latencies: a zero baseline makes any V2 latency infinitely worse, and 0/0 equal.
double latency_ratio(double v2, double v1) {
  if (v1 > 0) return v2 / v1;
  return v2 > 0 ? std::numeric_limits<double>::infinity() : 1.0;
}

double mean(std::span<const double> values) {
  return values.empty() ? std::numeric_limits<double>::quiet_NaN()
                        : std::accumulate(values.begin(), values.end(), 0.0) /
                              static_cast<double>(values.size());
}

BootstrapOptions bootstrap_options(const GateThresholds& t) {
  return {t.bootstrap_iterations, t.confidence, t.seed};
}

CriterionResult replay_consistency(const GateEvidence& e, const GateThresholds& t) {
  CriterionResult c;
  c.name = "replay_consistency";
  c.title = "Replay consistency on key fields";
  c.threshold = t.min_replay_consistency;
  c.threshold_text = ">= " + pct(t.min_replay_consistency);
  c.rule = fmt::format(
      "pass when matched / compared key fields >= {} (the plan's threshold, on the measured "
      "share); the {} Wilson score interval shows how precise it is; fewer than {} compared "
      "fields: insufficient data",
      pct(t.min_replay_consistency), confidence_text(t.confidence), t.min_replay_fields);
  int64_t compared = 0;
  int64_t matched = 0;
  int64_t runs = 0;
  for (const ReplaySample& r : e.replay) {
    compared += r.fields_compared;
    matched += r.fields_matched;
    runs += r.runs;
  }
  c.n = compared;
  c.n_text = fmt::format("{} fields", compared);
  std::vector<const ReplaySample*> modules;
  for (const ReplaySample& r : e.replay) modules.push_back(&r);
  // Worst modules first: that is where someone will look.
  auto share = [](const ReplaySample* r) {
    return r->fields_compared > 0
               ? static_cast<double>(r->fields_matched) / static_cast<double>(r->fields_compared)
               : 1.0;
  };
  std::stable_sort(
      modules.begin(), modules.end(),
      [&](const ReplaySample* a, const ReplaySample* b) { return share(a) < share(b); });
  std::vector<std::string> per_module;
  for (const ReplaySample* r : modules) {
    per_module.push_back(fmt::format("{} {}/{} ({}, {} runs)", r->module, r->fields_matched,
                                     r->fields_compared, pct(share(r)), r->runs));
  }
  c.evidence = e.replay_source.empty() ? "no replay or shadow runs recorded for this month"
                                       : fmt::format("{}: {} runs; {}", e.replay_source, runs,
                                                     fmt::join(per_module, ", "));
  if (compared < std::max<int64_t>(1, t.min_replay_fields)) {
    c.verdict = GateVerdict::insufficient_data;
    c.why = fmt::format("{} compared fields, at least {} needed", compared,
                        std::max<int64_t>(1, t.min_replay_fields));
    return c;
  }
  const double measured = static_cast<double>(matched) / static_cast<double>(compared);
  c.measured = measured;
  c.measured_text = pct(measured);
  c.ci = wilson_interval(matched, compared, t.confidence);
  c.verdict = measured >= t.min_replay_consistency ? GateVerdict::pass : GateVerdict::fail;
  c.why = fmt::format("{} {} {}", pct(measured), c.verdict == GateVerdict::pass ? ">=" : "<",
                      pct(t.min_replay_consistency));
  return c;
}

CriterionResult tests_and_security(const GateEvidence& e) {
  CriterionResult c;
  c.name = "tests_and_security";
  c.title = "Tests green, no unresolved high security finding";
  c.threshold = 0;
  c.threshold_text = "tests pass; security_audit pass with 0 high open";
  c.rule =
      "pass when the latest recorded `tests` result is pass and the latest recorded "
      "`security_audit` is pass with 0 unresolved high findings; a check with no recorded "
      "result fails";
  const CheckResult* tests = nullptr;
  const CheckResult* audit = nullptr;
  for (const CheckResult& r : e.checks) {
    if (r.name == "tests") tests = &r;
    if (r.name == "security_audit") audit = &r;
  }
  c.n = (tests != nullptr ? 1 : 0) + (audit != nullptr ? 1 : 0);
  c.n_text = fmt::format("{} of 2 checks recorded", c.n);
  std::vector<std::string> evidence;
  std::vector<std::string> failures;
  auto describe = [&](const char* name, const CheckResult* r) {
    if (r == nullptr) {
      evidence.push_back(fmt::format("{}: no recorded result", name));
      failures.push_back(fmt::format(
          "no recorded result for {}: run `agentsys gate record --check {} --status pass|fail{}`",
          name, name, std::string_view(name) == "security_audit" ? " --high-findings N" : ""));
      return;
    }
    evidence.push_back(
        fmt::format("{}: {}{} (recorded {}{})", name, r->status,
                    std::string_view(name) == "security_audit"
                        ? fmt::format(", {} high unresolved", r->high_findings_unresolved)
                        : "",
                    r->recorded_at, r->detail.empty() ? "" : ": " + r->detail));
    if (r->status != "pass") failures.push_back(fmt::format("{} recorded as {}", name, r->status));
  };
  describe("tests", tests);
  describe("security_audit", audit);
  if (audit != nullptr && audit->high_findings_unresolved > 0) {
    failures.push_back(
        fmt::format("{} unresolved high finding(s)", audit->high_findings_unresolved));
  }
  c.measured = audit != nullptr
                   ? std::optional<double>(static_cast<double>(audit->high_findings_unresolved))
                   : std::nullopt;
  c.measured_text =
      fmt::format("tests {}, audit {}, {} high open", tests != nullptr ? tests->status : "missing",
                  audit != nullptr ? audit->status : "missing",
                  audit != nullptr ? std::to_string(audit->high_findings_unresolved) : "-");
  c.evidence = fmt::format("{}", fmt::join(evidence, "; "));
  c.verdict = failures.empty() ? GateVerdict::pass : GateVerdict::fail;
  c.why = failures.empty() ? "tests pass; security audit pass, 0 high unresolved"
                           : fmt::format("{}", fmt::join(failures, "; "));
  return c;
}

CriterionResult latency(const GateEvidence& e, const GateThresholds& t) {
  CriterionResult c;
  c.name = "latency_p95";
  c.title = fmt::format("V2 p{:g} latency within V1 x {:g}", t.latency_percentile * 100,
                        t.max_latency_ratio);
  c.threshold = t.max_latency_ratio;
  c.threshold_text = fmt::format("CI high <= {}", ratio_text(t.max_latency_ratio));
  c.rule = fmt::format(
      "ratio p{0:g}(V2) / p{0:g}(V1) over paired runs; pass when the upper bound of its {1} "
      "paired-bootstrap interval ({2} resamples of the pairs, seed {3}) is <= {4}, so that V2 is "
      "shown no slower than V1 + {5:g}% rather than measured so on a lucky sample; fewer than "
      "{6} pairs: insufficient data",
      t.latency_percentile * 100, confidence_text(t.confidence), t.bootstrap_iterations, t.seed,
      ratio_text(t.max_latency_ratio), (t.max_latency_ratio - 1) * 100, t.min_latency_pairs);
  const size_t n = e.latency.size();
  c.n = static_cast<int64_t>(n);
  c.n_text = fmt::format("{} pairs", n);
  std::vector<double> v1;
  std::vector<double> v2;
  std::map<std::string, int> per_module;
  for (const LatencyPair& p : e.latency) {
    v1.push_back(p.v1_ms);
    v2.push_back(p.v2_ms);
    ++per_module[p.module.empty() ? "?" : p.module];
  }
  std::vector<std::string> modules;
  for (const auto& [m, count] : per_module) modules.push_back(fmt::format("{} {}", m, count));
  std::string source = e.latency_source.empty() ? "paired runs" : e.latency_source;
  if (n == 0) {
    c.evidence = "no paired runs where both implementations succeeded";
  } else {
    const double p1 = percentile(v1, t.latency_percentile);
    const double p2 = percentile(v2, t.latency_percentile);
    c.evidence = fmt::format("{}: {} pairs ({}); p{:g} V1 {:.1f} ms, V2 {:.1f} ms", source, n,
                             fmt::join(modules, ", "), t.latency_percentile * 100, p1, p2);
  }
  if (c.n < std::max<int64_t>(1, t.min_latency_pairs)) {
    c.verdict = GateVerdict::insufficient_data;
    c.why =
        fmt::format("{} pairs, at least {} needed", n, std::max<int64_t>(1, t.min_latency_pairs));
    return c;
  }
  const double measured =
      latency_ratio(percentile(v2, t.latency_percentile), percentile(v1, t.latency_percentile));
  c.measured = measured;
  c.measured_text = ratio_text(measured);
  std::vector<double> s1(n);
  std::vector<double> s2(n);
  c.ci = bootstrap_ci(
      n,
      [&](std::span<const size_t> idx) {
        for (size_t i = 0; i < idx.size(); ++i) {
          s1[i] = v1[idx[i]];
          s2[i] = v2[idx[i]];
        }
        return latency_ratio(percentile_inplace(s2, t.latency_percentile),
                             percentile_inplace(s1, t.latency_percentile));
      },
      bootstrap_options(t));
  const bool pass = c.ci->high <= t.max_latency_ratio;
  c.verdict = pass ? GateVerdict::pass : GateVerdict::fail;
  c.why = fmt::format("CI upper bound {} {} {}", ratio_text(c.ci->high), pass ? "<=" : ">",
                      ratio_text(t.max_latency_ratio));
  return c;
}

CriterionResult mttd(const GateEvidence& e, const GateThresholds& t) {
  CriterionResult c;
  c.name = "mttd";
  c.title = fmt::format("MTTD reduced by >= {}", pct(t.min_mttd_reduction));
  c.threshold = t.min_mttd_reduction;
  c.threshold_text = fmt::format("CI low >= {}", pct(t.min_mttd_reduction));
  c.rule = fmt::format(
      "reduction 1 - mean(V2 MTTD) / mean(V1 MTTD), MTTD = failure onset to the first event "
      "naming its module, step and error code; pass when the lower bound of its {} bootstrap "
      "interval (V1 and V2 failures resampled independently, {} resamples, seed {}) is >= {}; "
      "fewer than {} failures of either implementation: insufficient data",
      confidence_text(t.confidence), t.bootstrap_iterations, t.seed, pct(t.min_mttd_reduction),
      t.min_mttd_samples);
  const std::vector<double>& v1 = e.mttd_v1_s;
  const std::vector<double>& v2 = e.mttd_v2_s;
  c.n = static_cast<int64_t>(v1.size() + v2.size());
  c.n_text = fmt::format("{} V1 + {} V2 failures", v1.size(), v2.size());
  auto mean_text = [](const std::vector<double>& v) {
    return v.empty() ? std::string("n/a") : fmt::format("{:.1f} s", mean(v));
  };
  c.evidence = e.mttd_source.empty()
                   ? "no MTTD records for this month"
                   : fmt::format("{}: mean MTTD V1 {} (n={}), V2 {} (n={})", e.mttd_source,
                                 mean_text(v1), v1.size(), mean_text(v2), v2.size());
  const int64_t need = std::max<int64_t>(1, t.min_mttd_samples);
  if (static_cast<int64_t>(v1.size()) < need || static_cast<int64_t>(v2.size()) < need) {
    c.verdict = GateVerdict::insufficient_data;
    c.why = fmt::format("{} V1 and {} V2 failures, at least {} of each needed", v1.size(),
                        v2.size(), need);
    return c;
  }
  const double base = mean(v1);
  if (!(base > 0)) {
    c.verdict = GateVerdict::insufficient_data;
    c.why = "V1's MTTD is 0 s: there is nothing to reduce";
    return c;
  }
  const double measured = 1 - mean(v2) / base;
  c.measured = measured;
  c.measured_text = pct(measured);
  c.ci = bootstrap_ci_two_sample(
      v1.size(), v2.size(),
      [&](std::span<const size_t> i1, std::span<const size_t> i2) {
        double sum1 = 0;
        double sum2 = 0;
        for (size_t i : i1) sum1 += v1[i];
        for (size_t i : i2) sum2 += v2[i];
        const double m1 = sum1 / static_cast<double>(i1.size());
        const double m2 = sum2 / static_cast<double>(i2.size());
        return m1 > 0 ? 1 - m2 / m1 : -std::numeric_limits<double>::infinity();
      },
      bootstrap_options(t));
  const bool pass = c.ci->low >= t.min_mttd_reduction;
  c.verdict = pass ? GateVerdict::pass : GateVerdict::fail;
  c.why = fmt::format("CI lower bound {} {} {}", pct(c.ci->low), pass ? ">=" : "<",
                      pct(t.min_mttd_reduction));
  return c;
}

json number_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

}  // namespace

std::string_view to_string(GateVerdict verdict) {
  switch (verdict) {
    case GateVerdict::pass: return "pass";
    case GateVerdict::fail: return "fail";
    case GateVerdict::insufficient_data: return "insufficient_data";
  }
  return "fail";
}

std::string GateReport::summary() const {
  if (go) return "GO";
  std::vector<std::string> reasons;
  for (const CriterionResult& c : criteria) {
    if (c.verdict == GateVerdict::pass) continue;
    reasons.push_back(fmt::format(
        "{} {} ({})", c.name,
        c.verdict == GateVerdict::insufficient_data ? "insufficient data" : "failed", c.why));
  }
  return fmt::format("NO-GO: {}", fmt::join(reasons, "; "));
}

GateReport evaluate(const GateEvidence& evidence, const GateThresholds& thresholds) {
  GateReport report;
  report.target_month = evidence.target_month;
  report.thresholds = thresholds;
  report.notes = evidence.notes;
  report.criteria.push_back(replay_consistency(evidence, thresholds));
  report.criteria.push_back(tests_and_security(evidence));
  report.criteria.push_back(latency(evidence, thresholds));
  report.criteria.push_back(mttd(evidence, thresholds));
  report.go = std::all_of(report.criteria.begin(), report.criteria.end(),
                          [](const CriterionResult& c) { return c.verdict == GateVerdict::pass; });
  return report;
}

json to_json(const GateReport& report) {
  json criteria = json::array();
  for (const CriterionResult& c : report.criteria) {
    criteria.push_back({{"name", c.name},
                        {"title", c.title},
                        {"verdict", std::string(to_string(c.verdict))},
                        {"measured", c.measured ? number_or_null(*c.measured) : json(nullptr)},
                        {"measured_text", c.measured_text},
                        {"threshold", c.threshold},
                        {"threshold_text", c.threshold_text},
                        {"n", c.n},
                        {"n_text", c.n_text},
                        {"ci", c.ci ? json{{"low", number_or_null(c.ci->low)},
                                           {"high", number_or_null(c.ci->high)},
                                           {"confidence", report.thresholds.confidence}}
                                    : json(nullptr)},
                        {"why", c.why},
                        {"rule", c.rule},
                        {"evidence", c.evidence}});
  }
  const GateThresholds& t = report.thresholds;
  return {{"target_month", report.target_month},
          {"decision", report.decision()},
          {"go", report.go},
          {"summary", report.summary()},
          {"criteria", std::move(criteria)},
          {"thresholds",
           {{"min_replay_consistency", t.min_replay_consistency},
            {"min_replay_fields", t.min_replay_fields},
            {"max_latency_ratio", t.max_latency_ratio},
            {"latency_percentile", t.latency_percentile},
            {"min_latency_pairs", t.min_latency_pairs},
            {"min_mttd_reduction", t.min_mttd_reduction},
            {"min_mttd_samples", t.min_mttd_samples},
            {"confidence", t.confidence},
            {"bootstrap_iterations", t.bootstrap_iterations},
            {"seed", t.seed}}},
          {"notes", report.notes}};
}

}  // namespace agentsys::migration
