#pragma once
// Where reconciliation records live and how they are read back:
//
//   <state_dir>/reconcile/<target_month>/<module>/
//     pairs/<run_id>/v1.json    the V1 result compared (as the plugin returned it)
//     pairs/<run_id>/v2.json    the V2 result compared
//     pairs/<run_id>/diff.json  the comparison, every difference listed
//     v1.json, v2.json, diff.json   symbolic links to the latest pair's files
//     runs.jsonl   one line per reconciled shadow pair (with its files), appended
//     summary.md   the daily summary, regenerated from runs.jsonl after every pair
//
// <target_month> is YYYYMM, or "unscoped" for tasks without a (valid) target month.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace agentsys::migration {

inline constexpr std::string_view kUnscoped = "unscoped";
inline constexpr std::string_view kV1File = "v1.json";
inline constexpr std::string_view kV2File = "v2.json";
inline constexpr std::string_view kDiffFile = "diff.json";
inline constexpr std::string_view kRunsFile = "runs.jsonl";
inline constexpr std::string_view kSummaryFile = "summary.md";
inline constexpr std::string_view kPairsDir = "pairs";

/// "YYYYMM" with year 1970..9999 and month 01..12 ("202602" yes; "202613", "2026-02" no).
bool is_target_month(std::string_view text);

/// The folder name for a target month: the month itself, or "unscoped" when it is empty or
/// not a month.
std::string month_folder(std::string_view target_month);

/// A module id as configuration allows it: [a-z][a-z0-9_]*, at most 64 characters.
bool is_module_id(std::string_view text);

/// <state_dir>/reconcile
std::filesystem::path reconcile_root(const std::filesystem::path& state_dir);
/// <state_dir>/reconcile/<month_folder(target_month)>/<module>
std::filesystem::path reconcile_dir(const std::filesystem::path& state_dir,
                                    std::string_view target_month, std::string_view module);

/// Every line of a module's runs.jsonl that is a JSON object, oldest first (a torn last line
/// is skipped). Empty when the file does not exist.
std::vector<nlohmann::json> read_runs(const std::filesystem::path& module_dir);

/// The modules with records under <state_dir>/reconcile/<month>, sorted.
std::vector<std::string> modules_with_records(const std::filesystem::path& month_dir);

}  // namespace agentsys::migration
