#pragma once
// What the report plugins add to the kernel's configuration through the seam (ABI 1.3): the
// folders reports/ and runbook/ with their schemas, and preflight's checks of both.
#include <string>
#include <string_view>

#include <agentsys/plugin.hpp>

namespace agentsys::reports::checks {

/// config/reports/*.toml: one report definition a file.
agentsys::ConfigFolder reports_folder();
/// config/runbook/*.toml: one runbook a file.
agentsys::ConfigFolder runbook_folder();

/// The on_validate_config answer for the reports domain (abi.h): the report and runbook
/// checks, the reports' SQL as policy questions, and a summary {"reports": {NAME: rule
/// version}, "runbooks": {NAME: {module, entries}}}. Throws agentsys::Error on a malformed
/// request.
std::string validate(std::string_view request);

}  // namespace agentsys::reports::checks
