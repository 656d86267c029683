#pragma once
// A skill as the index holds it (progressive disclosure): its front matter and where it lives.
// The Markdown body stays on disk until the skill is selected or shown (read_body).
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace agentsys::skills {

struct Skill {
  std::string name;
  std::string description;
  std::string license;        ///< "" when absent
  std::string compatibility;  ///< "" when absent
  std::map<std::string, std::string> metadata;
  std::vector<std::string> allowed_tools;
  std::filesystem::path dir;   ///< the skill's folder (absolute)
  std::filesystem::path file;  ///< its SKILL.md
  int body_line = 0;           ///< the body's first line in SKILL.md (1-based)
};

/// The Markdown body of the skill's SKILL.md (after the front matter), read now. Throws
/// std::runtime_error naming the file when it cannot be read or lost its front matter.
std::string read_body(const Skill& skill);

/// The files of the optional `scripts/`, `references/` and `assets/` folders, relative to the
/// skill's folder, sorted.
std::vector<std::string> resource_files(const Skill& skill);

}  // namespace agentsys::skills
