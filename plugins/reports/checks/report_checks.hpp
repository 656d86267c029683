#pragma once
// Checks of the report definitions (config/reports/*.toml) beyond their schema: what only makes
// sense across fields or files, and the SQL the policy must allow.
#include <string>

#include <nlohmann/json.hpp>

#include "checks/findings.hpp"

namespace agentsys::reports::checks {

/// `reports` is the effective configuration's /reports ({FILE_STEM: definition}). Rules:
/// report.name (the name is the file stem), report.query_sql (non-blank SQL),
/// report.query_name (unique query names), report.params ($1..$N of the SQL are exactly the
/// params), report.metric (unique metric names, not group_by fields; `of` names earlier
/// metrics), report.fields (key_fields among group_by, value_fields among the metrics).
void check_reports(const nlohmann::json& reports, Findings& findings);

/// Rule report.sql_policy: asks that every query be allowed in the `read_only` SQL context
/// (the one report extraction runs in).
void ask_report_sql(const nlohmann::json& reports, Findings& findings);

/// The rule version of a definition (docs/reports.md): the first 16 hex characters of the
/// SHA-256 of its canonical JSON (sorted keys, no whitespace), as V1 and V2 compute it.
std::string report_rule_version(const nlohmann::json& definition);

/// {FILE_STEM: rule version} of every report.
nlohmann::json report_versions(const nlohmann::json& reports);

}  // namespace agentsys::reports::checks
