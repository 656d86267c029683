#pragma once
// The skills domain's configuration through the kernel's seam: the folder config/skills/ with
// its JSON Schema (schema/skills.schema.json, compiled in), and the preflight check both skill
// plugins answer on_validate_config with (what the schema cannot say: a rule's regular
// expression, a rule naming both force and forbid).
#include <agentsys/plugin.hpp>

#include <string>
#include <string_view>

namespace agentsys::skills {

agentsys::ConfigFolder skills_folder();

/// on_validate_config: {"config": {...}} -> {"problems": [{"path", "rule", "message"}]}.
std::string validate_skills_config(std::string_view request);

}  // namespace agentsys::skills
