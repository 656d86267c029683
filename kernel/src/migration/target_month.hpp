#pragma once
// The target month every migration command takes: YYYYMM.
#include <string>
#include <string_view>

namespace agentsys::migration {

/// "" when `text` is a month YYYYMM (2000..2999, 01..12); else one line saying what is wrong
/// and what is expected.
std::string target_month_problem(std::string_view text);

}  // namespace agentsys::migration
