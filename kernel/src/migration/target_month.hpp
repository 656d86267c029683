#pragma once
// The target month every migration command takes: YYYYMM.
#include <string>
#include <string_view>

namespace agentsys::migration {

/// "" when `text` is a month YYYYMM (year 1970..9999, month 01..12); else one line saying what
/// is wrong and what is expected. reconcile_files.hpp's is_target_month() is the same test.
std::string target_month_problem(std::string_view text);

}  // namespace agentsys::migration
