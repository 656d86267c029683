#pragma once
// `agentsys sample generate`: the reports domain's command (served by report_orchestrator_v2
// through the kernel's command seam, ABI 1.3) that writes the sample operations database.
#include <string>
#include <vector>

#include <agentsys/plugin.hpp>

namespace agentsys::sample {

/// The command as `agentsys --help` lists it.
agentsys::Command generate_command();

/// Runs it on the arguments after `generate`. Throws agentsys::Error(AS_ERR_INVALID_INPUT)
/// for a usage error (exit 2); a database that cannot be written is exit 1.
agentsys::CommandResult run_generate(const std::vector<std::string>& args);

}  // namespace agentsys::sample
