// The go/no-go gate on recorded data: a GO case, a NO-GO case for each threshold,
// `insufficient data`, reproducible bootstrap intervals, and the evidence readers.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "migration/bootstrap.hpp"
#include "migration/gate.hpp"
#include "migration/gate_evidence.hpp"
#include "migration/reconcile_files.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace agentsys;
using namespace agentsys::migration;
using json = nlohmann::json;

namespace {

/// Evidence that passes every threshold: 99.5% of key fields match, tests and audit pass,
/// V2 about 10% faster on 40 pairs, MTTD from ~300 s down to ~60 s on 12 failures each.
GateEvidence good_evidence() {
  GateEvidence e;
  e.target_month = "202602";
  e.replay = {{"report_orchestrator", 50, 800, 797}, {"report_scheduler", 20, 200, 198}};
  e.replay_source = "replay runs";
  e.checks = {{"tests", "pass", 0, "2026-03-01T00:00:00.000Z", "ctest 412/412"},
              {"security_audit", "pass", 0, "2026-03-01T00:00:00.000Z", "audit #7"}};
  for (int i = 0; i < 40; ++i) {
    const double v1 = 200 + 7 * (i % 13) + (i % 5);
    e.latency.push_back({v1, v1 * (0.88 + 0.01 * (i % 4)), "report_orchestrator"});
  }
  e.latency_source = "shadow runs where both succeeded";
  for (int i = 0; i < 12; ++i) {
    e.mttd_v1_s.push_back(280 + 5 * (i % 7));
    e.mttd_v2_s.push_back(55 + 3 * (i % 5));
  }
  e.mttd_source = "mttd.jsonl";
  return e;
}

const CriterionResult& criterion(const GateReport& r, const std::string& name) {
  for (const auto& c : r.criteria) {
    if (c.name == name) return c;
  }
  throw std::runtime_error("no criterion " + name);
}

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << text;
}

}  // namespace

TEST_CASE("gate: GO when every threshold passes, with measured value, n and CI for each") {
  GateReport r = evaluate(good_evidence());
  CHECK(r.go);
  CHECK(r.decision() == "GO");
  CHECK(r.summary() == "GO");
  REQUIRE(r.criteria.size() == 4);
  for (const auto& c : r.criteria) {
    INFO(c.name << ": " << c.why);
    CHECK(c.verdict == GateVerdict::pass);
    CHECK_FALSE(c.threshold_text.empty());
    CHECK_FALSE(c.rule.empty());
    CHECK_FALSE(c.evidence.empty());
    CHECK(c.n > 0);
  }
  const auto& replay = criterion(r, "replay_consistency");
  CHECK(*replay.measured == doctest::Approx(0.995));
  CHECK(replay.n == 1000);
  REQUIRE(replay.ci);
  CHECK(replay.ci->low < 0.995);
  CHECK(replay.ci->high > 0.995);
  const auto& latency = criterion(r, "latency_p95");
  CHECK(latency.n == 40);
  REQUIRE(latency.ci);
  CHECK(latency.ci->low <= *latency.measured);
  CHECK(latency.ci->high <= 1.05);
  const auto& mttd = criterion(r, "mttd");
  CHECK(mttd.n == 24);
  CHECK(*mttd.measured > 0.7);
  CHECK(mttd.ci->low >= 0.5);

  json j = to_json(r);
  CHECK(j["decision"] == "GO");
  CHECK(j["criteria"].size() == 4);
  CHECK(j["criteria"][2]["ci"]["confidence"] == 0.95);
  CHECK(j["thresholds"]["min_latency_pairs"] == 30);
}

TEST_CASE("gate: replay consistency below 99% is NO-GO") {
  GateEvidence e = good_evidence();
  e.replay = {{"report_orchestrator", 50, 1000, 985}};
  GateReport r = evaluate(e);
  CHECK_FALSE(r.go);
  const auto& c = criterion(r, "replay_consistency");
  CHECK(c.verdict == GateVerdict::fail);
  CHECK(*c.measured == doctest::Approx(0.985));
  CHECK(c.measured_text == "98.50%");
  CHECK(r.summary().find("replay_consistency failed (98.50% < 99.00%)") != std::string::npos);

  e.replay.clear();
  e.replay_source.clear();
  r = evaluate(e);
  CHECK(criterion(r, "replay_consistency").verdict == GateVerdict::insufficient_data);
  CHECK_FALSE(r.go);
}

TEST_CASE("gate: failing tests, an unresolved high finding or a missing record is NO-GO") {
  GateEvidence e = good_evidence();
  e.checks[0].status = "fail";
  CHECK(criterion(evaluate(e), "tests_and_security").verdict == GateVerdict::fail);

  e = good_evidence();
  e.checks[1].high_findings_unresolved = 2;
  GateReport r = evaluate(e);
  CHECK(criterion(r, "tests_and_security").verdict == GateVerdict::fail);
  CHECK(criterion(r, "tests_and_security").why.find("2 unresolved high") != std::string::npos);
  CHECK_FALSE(r.go);

  e = good_evidence();
  e.checks.erase(e.checks.begin() + 1);
  r = evaluate(e);
  const auto& c = criterion(r, "tests_and_security");
  CHECK(c.verdict == GateVerdict::fail);
  CHECK(c.why.find("no recorded result for security_audit: run `agentsys gate record") !=
        std::string::npos);
  CHECK(c.n == 1);
}

TEST_CASE("gate: V2 p95 more than 5% over V1 is NO-GO") {
  GateEvidence e = good_evidence();
  for (auto& p : e.latency) p.v2_ms = p.v1_ms * 1.15;
  GateReport r = evaluate(e);
  const auto& c = criterion(r, "latency_p95");
  CHECK(c.verdict == GateVerdict::fail);
  CHECK(*c.measured == doctest::Approx(1.15));
  CHECK(c.ci->high > 1.05);
  CHECK_FALSE(r.go);
}

TEST_CASE("gate: a ratio within 5% on a noisy sample is NO-GO when the CI reaches past it") {
  // Point estimate at or under 1.05, but the interval says a lucky sample could explain it.
  GateEvidence e = good_evidence();
  e.latency.clear();
  // Heavy-tailed latencies; V2's are V1's shuffled across the pairs: the same p95 (ratio 1.0),
  // but which runs are slow differs, so a resample can make either side's tail look worse.
  for (int i = 0; i < 30; ++i) {
    e.latency.push_back({100 * std::pow(1.08, i), 100 * std::pow(1.08, (i * 7) % 30), "m"});
  }
  GateReport r = evaluate(e);
  const auto& c = criterion(r, "latency_p95");
  INFO("measured " << *c.measured << " CI [" << c.ci->low << ", " << c.ci->high << "]");
  CHECK(*c.measured <= 1.05);
  CHECK(c.ci->high > 1.05);
  CHECK(c.verdict == GateVerdict::fail);
}

TEST_CASE("gate: 29 latency pairs is insufficient data, 30 is enough") {
  GateEvidence e = good_evidence();
  e.latency.resize(29);
  GateReport r = evaluate(e);
  const auto& c = criterion(r, "latency_p95");
  CHECK(c.verdict == GateVerdict::insufficient_data);
  CHECK_FALSE(c.measured.has_value());
  CHECK_FALSE(c.ci.has_value());
  CHECK(c.n == 29);
  CHECK_FALSE(r.go);
  CHECK(r.summary() == "NO-GO: latency_p95 insufficient data (29 pairs, at least 30 needed)");
  CHECK(to_json(r)["criteria"][2]["verdict"] == "insufficient_data");

  e = good_evidence();
  e.latency.resize(30);
  CHECK(criterion(evaluate(e), "latency_p95").verdict == GateVerdict::pass);
}

TEST_CASE("gate: MTTD reduced by less than 50% is NO-GO, too few failures is insufficient") {
  GateEvidence e = good_evidence();
  for (double& s : e.mttd_v2_s) s = 200;  // about 30% less than V1's ~295 s
  GateReport r = evaluate(e);
  const auto& c = criterion(r, "mttd");
  CHECK(c.verdict == GateVerdict::fail);
  CHECK(*c.measured < 0.5);
  CHECK(c.ci->low < 0.5);
  CHECK_FALSE(r.go);

  e = good_evidence();
  e.mttd_v2_s.resize(9);
  r = evaluate(e);
  CHECK(criterion(r, "mttd").verdict == GateVerdict::insufficient_data);
  CHECK(criterion(r, "mttd").why == "12 V1 and 9 V2 failures, at least 10 of each needed");

  // A point estimate above 50% whose interval's lower bound is not: NO-GO.
  e = good_evidence();
  e.mttd_v1_s = {30, 40, 35, 900, 45, 38, 33, 41, 36, 39};
  e.mttd_v2_s = {20, 22, 25, 21, 23, 24, 20, 22, 400, 21};
  GateThresholds t;
  r = evaluate(e, t);
  INFO("measured " << *criterion(r, "mttd").measured << " CI low " << criterion(r, "mttd").ci->low);
  CHECK(*criterion(r, "mttd").measured >= 0.5);
  CHECK(criterion(r, "mttd").verdict == GateVerdict::fail);
}

TEST_CASE("gate: thresholds are configurable") {
  GateEvidence e = good_evidence();
  e.latency.resize(20);
  GateThresholds t;
  t.min_latency_pairs = 20;
  CHECK(criterion(evaluate(e, t), "latency_p95").verdict == GateVerdict::pass);
  t.min_replay_consistency = 0.999;
  CHECK(criterion(evaluate(e, t), "replay_consistency").verdict == GateVerdict::fail);
}

TEST_CASE("gate: the bootstrap is reproducible") {
  GateEvidence e = good_evidence();
  GateReport a = evaluate(e);
  GateReport b = evaluate(e);
  for (size_t i = 0; i < a.criteria.size(); ++i) {
    REQUIRE(a.criteria[i].ci.has_value() == b.criteria[i].ci.has_value());
    if (a.criteria[i].ci) {
      CHECK(a.criteria[i].ci->low == b.criteria[i].ci->low);
      CHECK(a.criteria[i].ci->high == b.criteria[i].ci->high);
    }
  }
  CHECK(to_json(a).dump() == to_json(b).dump());

  // Pinned: mt19937_64 and the index draw are fully specified, so this is the same on every
  // machine and standard library.
  std::vector<double> xs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  BootstrapOptions options;
  auto mean_of = [&](std::span<const size_t> idx) {
    double s = 0;
    for (size_t i : idx) s += xs[i];
    return s / static_cast<double>(idx.size());
  };
  Interval one = bootstrap_ci(xs.size(), mean_of, options);
  Interval two = bootstrap_ci(xs.size(), mean_of, options);
  CHECK(one.low == two.low);
  CHECK(one.high == two.high);
  CHECK(one.low > 3.0);
  CHECK(one.high < 8.0);
  options.seed = 7;
  Interval other = bootstrap_ci(xs.size(), mean_of, options);
  CHECK((other.low != one.low || other.high != one.high));
}

TEST_CASE("gate statistics: percentile, Wilson interval, normal quantile") {
  std::vector<double> xs = {15, 20, 35, 40, 50};
  CHECK(percentile(xs, 0.0) == 15);
  CHECK(percentile(xs, 1.0) == 50);
  CHECK(percentile(xs, 0.5) == 35);
  CHECK(percentile(xs, 0.4) == doctest::Approx(29));  // type 7: 20 + 0.6 * 15
  CHECK(std::isnan(percentile(std::vector<double>{}, 0.5)));
  std::vector<double> hundred;
  for (int i = 1; i <= 100; ++i) hundred.push_back(i);
  CHECK(percentile(hundred, 0.95) == doctest::Approx(95.05));

  CHECK(normal_quantile(0.975) == doctest::Approx(1.959963984540054).epsilon(1e-12));
  CHECK(normal_quantile(0.5) == doctest::Approx(0.0));
  CHECK(normal_quantile(0.01) == doctest::Approx(-2.326347874040841).epsilon(1e-12));

  Interval w = wilson_interval(95, 100, 0.95);
  CHECK(w.low == doctest::Approx(0.8882).epsilon(1e-3));
  CHECK(w.high == doctest::Approx(0.9785).epsilon(1e-3));
  Interval all = wilson_interval(10, 10, 0.95);
  CHECK(all.high == doctest::Approx(1.0));
  CHECK(all.low < 1.0);
}

TEST_CASE("gate evidence: target months and timestamps") {
  CHECK(is_target_month("202602"));
  CHECK(is_target_month("197001"));
  CHECK_FALSE(is_target_month("202613"));
  CHECK_FALSE(is_target_month("202600"));
  CHECK_FALSE(is_target_month("2026-02"));
  CHECK_FALSE(is_target_month("20262"));
  CHECK_FALSE(is_target_month("196912"));

  CHECK(*parse_timestamp("1970-01-02T00:00:00Z") == 86400);
  CHECK(*parse_timestamp("2026-02-03T10:00:05.5Z") - *parse_timestamp("2026-02-03T10:00:00Z") ==
        doctest::Approx(5.5));
  CHECK(*parse_timestamp("2026-02-03T18:00:00+08:00") == *parse_timestamp("2026-02-03T10:00:00Z"));
  CHECK(*parse_timestamp("2026-02-03 10:00:00") == *parse_timestamp("2026-02-03T10:00:00Z"));
  CHECK_FALSE(parse_timestamp("2026-02-03").has_value());
  CHECK_FALSE(parse_timestamp("2026-13-03T10:00:00Z").has_value());
  CHECK_FALSE(parse_timestamp("2026-02-03T10:00:00Zjunk").has_value());
}

TEST_CASE("gate evidence: read from reconcile files and recorded checks, tolerantly") {
  test::TempDir dir;
  const fs::path month = reconcile_root(dir.path()) / "202602";
  std::string orchestrator;
  for (int i = 0; i < 35; ++i) {
    json line = {{"run_id", "run_" + std::to_string(i)},
                 {"module", "report_orchestrator"},
                 {"kind", i < 5 ? "replay" : "shadow"},
                 {"fields_compared", 10},
                 {"fields_matched", i == 0 ? 9 : 10},
                 {"v1", {{"status", "succeeded"}, {"latency_ms", 100 + i}}},
                 {"v2", {{"status", i == 34 ? "failed" : "succeeded"}, {"latency_ms", 90 + i}}},
                 {"ts", "2026-02-10T00:00:00Z"}};
    orchestrator += line.dump() + "\n";
  }
  orchestrator += "not json\n";
  orchestrator += R"({"run_id": "x", "kind": "bogus"})"
                  "\n";
  // The same run written twice: the later line wins.
  orchestrator += json{{"run_id", "run_1"},
                       {"module", "report_orchestrator"},
                       {"kind", "replay"},
                       {"fields_compared", 10},
                       {"fields_matched", 0},
                       {"v1", {{"status", "failed"}}},
                       {"v2", {{"status", "succeeded"}}}}
                      .dump() +
                  "\n";
  write(month / "report_orchestrator" / "runs.jsonl", orchestrator);
  write(
      month / "mttd.jsonl",
      R"({"impl": "v1", "onset_ts": "2026-02-10T00:00:00Z", "detected_ts": "2026-02-10T00:05:00Z", "module": "m", "step": "extract", "error_code": "sql_error"})"
      "\n"
      R"({"impl": "v2", "onset_ts": "2026-02-10T00:00:00Z", "detected_ts": "2026-02-10T00:00:30Z", "module": "m", "step": "extract", "error_code": "sql_error"})"
      "\n"
      R"({"impl": "v2", "onset_ts": 1000, "detected_ts": 1012.5, "module": "m", "step": "render", "error_code": "timeout"})"
      "\n"
      R"({"impl": "v1", "onset_ts": "2026-02-10T00:00:00Z", "detected_ts": null, "module": "m", "step": "s", "error_code": "e"})"
      "\n"
      R"({"impl": "v2", "onset_ts": "2026-02-10T00:00:00Z", "detected_ts": "2026-02-10T00:00:30Z"})"
      "\n"
      R"({"impl": "v3"})"
      "\n");
  GateCheckStore checks(dir.path());
  CheckResult first{"tests", "fail", 0, "", "red"};
  checks.record(first);
  CheckResult second{"tests", "pass", 0, "", "green"};
  checks.record(second);
  CHECK_THROWS_AS(checks.record(CheckResult{"lint", "pass", 0, "", ""}), std::invalid_argument);

  GateEvidence e = collect_gate_evidence(dir.path(), "202602");
  CHECK(e.replay_source == "replay runs");
  REQUIRE(e.replay.size() == 1);
  CHECK(e.replay[0].runs == 5);
  CHECK(e.replay[0].fields_compared == 50);
  CHECK(e.replay[0].fields_matched == 39);  // run_0 9, run_1 re-recorded as 0, three 10s
  CHECK(e.latency_source == "shadow runs where both succeeded");
  CHECK(e.latency.size() == 29);  // 30 shadow runs, one where V2 failed
  CHECK(e.mttd_v1_s == std::vector<double>{300});
  CHECK(e.mttd_v2_s == std::vector<double>{30, 12.5});
  REQUIRE(e.checks.size() == 1);
  CHECK(e.checks[0].status == "pass");
  CHECK(e.checks[0].detail == "green");
  std::string notes;
  for (const auto& n : e.notes) notes += n + "\n";
  CHECK(notes.find("runs.jsonl: 2 line(s) skipped (first at line 36: not a JSON object)") !=
        std::string::npos);
  CHECK(notes.find("mttd.jsonl: 2 line(s) skipped") != std::string::npos);
  CHECK(notes.find("1 V1 and 0 V2 failure(s) never detected") != std::string::npos);

  // No replay lines: consistency falls back to the shadow runs, and says so.
  write(month / "report_orchestrator" / "runs.jsonl",
        json{{"run_id", "s1"}, {"kind", "shadow"}, {"fields_compared", 4}, {"fields_matched", 4}}
                .dump() +
            "\n");
  e = collect_gate_evidence(dir.path(), "202602");
  CHECK(e.replay_source.find("shadow runs") == 0);
  CHECK(e.replay[0].module == "report_orchestrator");  // from the directory name
  CHECK(e.latency.empty());

  // Nothing recorded at all.
  e = collect_gate_evidence(dir.path(), "202601");
  CHECK(e.replay.empty());
  CHECK(e.latency.empty());
  GateReport r = evaluate(e);
  CHECK_FALSE(r.go);
  CHECK(criterion(r, "replay_consistency").verdict == GateVerdict::insufficient_data);
  CHECK(criterion(r, "latency_p95").verdict == GateVerdict::insufficient_data);
  CHECK(criterion(r, "mttd").verdict == GateVerdict::insufficient_data);
}
