#pragma once
// Preflight checks of the report definitions (config/reports/*.toml) beyond their schema:
// what only makes sense across fields or files, and the SQL against the policy.
#include <vector>

#include "config/config_loader.hpp"
#include "config/problem.hpp"

namespace agentsys {
class PolicyGate;
}

namespace agentsys::config {

/// Rules: report.name (the name is the file stem), report.query_sql (non-blank SQL),
/// report.query_name (unique query names), report.params ($1..$N of the SQL are exactly the
/// params), report.metric (unique metric names, not group_by fields; `of` names earlier
/// metrics), report.fields (key_fields among group_by, value_fields among the metrics).
void check_reports(const EffectiveConfig& config, std::vector<Problem>& problems);

/// Rule report.sql_policy: every query is allowed by the policy in the `read_only` SQL
/// context (the one report extraction runs in), parsed by the PostgreSQL parser.
void check_report_sql(const EffectiveConfig& config, PolicyGate& policy,
                      std::vector<Problem>& problems);

/// {NAME: rule version} of every report.
nlohmann::json report_versions(const EffectiveConfig& config);

}  // namespace agentsys::config
