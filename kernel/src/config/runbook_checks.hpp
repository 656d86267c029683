#pragma once
// Preflight checks of the runbooks (config/runbook/*.toml) beyond their schema: that each entry
// is an error code the kernel can end a run with, that the module exists, and that each step
// has the fields its action needs.
#include <set>
#include <string>
#include <vector>

#include "config/config_loader.hpp"
#include "config/problem.hpp"

namespace agentsys::config {

/// Rules: runbook.error_code (every entry is a kernel error code other than `none`),
/// runbook.module (the module is configured in modules/ or served by one of `served_modules`),
/// runbook.step (retry_with_backoff has backoff_s; no other action has it).
void check_runbooks(const EffectiveConfig& config, const std::set<std::string>& served_modules,
                    std::vector<Problem>& problems);

/// {NAME: {"module", "entries": [error codes]}} of every runbook.
nlohmann::json runbook_summary(const EffectiveConfig& config);

}  // namespace agentsys::config
