#pragma once
// The sample operations database's tables (what the reports read): SQLite DDL.
#include <array>
#include <string_view>

namespace agentsys::sample {

/// CREATE TABLE statements, in creation order (tenants and task_runs before their details).
const std::array<std::string_view, 5>& table_ddl();

/// Indexes, created after the rows are in (faster than maintaining them row by row).
const std::array<std::string_view, 1>& index_ddl();

/// The tables, in creation order.
inline constexpr std::array<std::string_view, 5> kTables = {"tenants", "task_runs", "skill_runs",
                                                            "mcp_calls", "image_jobs"};

}  // namespace agentsys::sample
