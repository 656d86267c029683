#pragma once
// `agentsys skills list|show|lint` (served by skill_parser_v2) and `agentsys skills route|eval`
// (served by skill_router_v2), through the kernel's command seam. docs/skills.md and
// docs/cli.md describe them; each prints its own --help.
#include <agentsys/plugin.hpp>

#include <vector>

#include "skills_folders.hpp"

namespace agentsys::skills {

std::vector<Command> catalog_commands();
std::vector<Command> routing_commands();

/// Serves a call whose action is "skills list", "skills show" or "skills lint".
CommandResult run_catalog_command(SkillsFolders& folders, const Call& call);
/// Serves "skills route" and "skills eval".
CommandResult run_routing_command(SkillsFolders& folders, const Call& call);

}  // namespace agentsys::skills
