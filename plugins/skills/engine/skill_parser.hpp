#pragma once
// skill_parser: reads skills in the Agent Skills format (agentskills.io/specification). A skill
// is a folder holding SKILL.md: YAML front matter (name, description, and optionally license,
// compatibility, metadata, allowed-tools), then a Markdown body; scripts/, references/ and
// assets/ are optional. Every violation is a Finding with file, line and field. What the
// spec's client guide loads leniently loads here with a warning (a name that differs from its
// folder or is too long, an unquoted ": " in a value); anything else makes the skill invalid,
// and an invalid skill is skipped without stopping the rest of the catalogue.
#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "finding.hpp"
#include "skill.hpp"

namespace agentsys::skills {

struct ParsedSkill {
  std::optional<Skill> skill;  ///< nullopt when the skill is invalid
  std::vector<Finding> findings;
  std::string body;   ///< the Markdown body, read with the front matter (for indexing)
  int name_line = 0;  ///< the file line of the `name` field (0: none), for later findings
};

/// Parses the text of `skill_md` (the folder name is the path's parent's name).
ParsedSkill parse_skill(const std::filesystem::path& skill_md, std::string_view text);

/// Reads and parses `<dir>/SKILL.md`.
ParsedSkill read_skill(const std::filesystem::path& dir);

/// Every skill under a skills folder, in name order, with every finding.
struct Catalog {
  std::vector<Skill> skills;
  /// Each skill's body, same order, read in the same pass: the index takes its terms, then
  /// the text is dropped (progressive disclosure keeps names and descriptions only).
  std::vector<std::string> bodies;
  std::vector<Finding> findings;
  size_t invalid = 0;  ///< skill folders skipped for an error
};

/// Scans the folders directly under `root` (hidden ones aside). A folder without SKILL.md is a
/// warning, two skills with one name keep the first in folder order (a warning). Throws
/// std::runtime_error when `root` is not a readable folder.
Catalog scan_skills(const std::filesystem::path& root);

}  // namespace agentsys::skills
