#pragma once
// V2 renderings of a report: CSV, Markdown and JSON (docs/reports.md, "V2 plugins").
// Floats are rounded to 4 decimals ("0.9524"), integers stay integers, null is an empty cell.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "report_definition.hpp"
#include "report_month.hpp"
#include "report_transform.hpp"

namespace agentsys::reports {

/// The rendered columns: the group_by fields, then the value fields.
std::vector<std::string> columns(const Definition& definition);

/// One cell: "" for null, integers as integers, floats with 4 decimals, strings as they are.
std::string cell_text(const nlohmann::json& value);

/// A float rounded to 4 decimals (integers and everything else unchanged).
nlohmann::json rounded(const nlohmann::json& value);

/// CSV (RFC 4180 quoting, "\n" line ends): a header row, then one line per row.
std::string render_csv(const Definition& definition, const std::vector<ResultRow>& rows);

/// Markdown: title, description, target month, rule version, and a table.
std::string render_markdown(const Definition& definition, const YearMonth& month,
                            const std::vector<ResultRow>& rows);

/// {"report","target_month","rule_version","columns","rows": [[...], ...]} (floats rounded).
std::string render_json(const Definition& definition, const YearMonth& month,
                        const std::vector<ResultRow>& rows);

}  // namespace agentsys::reports
