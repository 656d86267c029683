#pragma once
// Checks of the runbooks (config/runbook/*.toml) beyond their schema: that each entry is an
// error code the kernel can end a run with, that the module exists, and that each step has the
// fields its action needs.
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "checks/findings.hpp"

namespace agentsys::reports::checks {

/// What the kernel tells a check (the on_validate_config request, abi.h).
struct KernelFacts {
  nlohmann::json modules;             ///< The configuration's /modules.
  std::set<std::string> served;       ///< Modules served by loaded plugins.
  std::set<std::string> error_codes;  ///< Codes a run can end with.
};

/// `runbooks` is the effective configuration's /runbook. Rules: runbook.error_code (every
/// entry is an error code a run can end with), runbook.module (configured in modules/ or
/// served by a loaded plugin), runbook.step (retry_with_backoff has backoff_s; no other action
/// has it).
void check_runbooks(const nlohmann::json& runbooks, const KernelFacts& facts, Findings& findings);

/// {NAME: {"module", "entries": [error codes]}} of every runbook.
nlohmann::json runbook_summary(const nlohmann::json& runbooks);

}  // namespace agentsys::reports::checks
