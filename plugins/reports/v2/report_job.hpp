#pragma once
// Report jobs as the kernel records them: the report_orchestrator runs of one report and month,
// found by their idempotency key — "report:NAME:YYYYMM" when report_scheduler submitted the job,
// "report:NAME:YYYYMM#rN" when report_remediation_runner submitted its Nth run again.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "report_month.hpp"

namespace agentsys::reports {

struct JobKey {
  std::string report;
  YearMonth month;
  /// "report:NAME:YYYYMM".
  [[nodiscard]] std::string text() const;
};

/// The job of an idempotency key ("report:NAME:YYYYMM" or "report:NAME:YYYYMM#rN", N >= 2);
/// nullopt for any other key.
std::optional<JobKey> parse_job_key(std::string_view key);

/// The key under which the remediation runner submits the job's `run`-th run (2, 3, ...):
/// "report:NAME:YYYYMM#rN". Two passes that decide the same retry submit it once.
std::string retry_key(const JobKey& job, size_t run);

struct Job {
  JobKey key;
  std::vector<nlohmann::json> runs;  ///< query_runs entries, newest first
};

/// Groups query_runs' "runs" (newest first) by job, ordered by month then report. Runs whose
/// key is not a job's are left out.
std::vector<Job> group_jobs(const nlohmann::json& runs);

/// Seconds since the epoch of an ISO-8601 UTC time "YYYY-MM-DDTHH:MM[:SS[.fff]]Z" (the kernel's
/// created_at/updated_at, or an input's "now"); nullopt when it is not one.
std::optional<int64_t> parse_utc_seconds(std::string_view text);
/// "YYYY-MM-DDTHH:MM:SSZ".
std::string format_utc_seconds(int64_t seconds);

}  // namespace agentsys::reports
