// skill_parser_v2: the skills domain's parser module. It reads a skills folder in the Agent
// Skills format (plugins/skills/engine/skill_parser.hpp) and serves `agentsys skills list`,
// `show` and `lint`.
//
// Action "run", input {} (the configured folder) -> {"skills_dir", "skills": [{"name",
//   "description", ...}], "invalid", "findings": [...]}: the index, as progressive disclosure
//   holds it (no bodies).
// Action "show", input {"name": NAME} -> the skill with its "body" and "files".
// Config (module skill_parser): skills_dir, config_sections = ["skills"]. docs/skills.md.
#include <agentsys/plugin.hpp>

#include <nlohmann/json.hpp>

#include "skills_commands.hpp"
#include "skills_config.hpp"
#include "skills_folders.hpp"
#include "skills_json.hpp"

namespace agentsys::skills {
namespace {

using json = nlohmann::json;

class SkillParserV2 {
 public:
  static std::string validate_config(Host /*host*/, std::string_view request) {
    return validate_skills_config(request);
  }

  SkillParserV2(Host host, std::string_view config) : folders_(host, config) {}

  CommandResult command(const Call& call) { return run_catalog_command(folders_, call); }

  std::string invoke(const Call& call) {
    const json in = json::parse(call.input(), nullptr, false);
    if (!in.is_object()) throw Error(AS_ERR_INVALID_INPUT, "input: not a JSON object");
    const auto state = folders_.catalog(call, "");
    const auto& skills = state->router->index().skills();
    if (call.action() == "run") {
      json out{{"skills_dir", folders_.folder(call, "")},
               {"skills", json::array()},
               {"invalid", state->invalid},
               {"findings", json::array()}};
      for (const Skill& s : skills) out["skills"].push_back(skill_json(s));
      for (const Finding& f : state->findings) out["findings"].push_back(finding_json(f));
      return out.dump();
    }
    if (call.action() == "show") {
      const std::string name = in.value("name", "");
      for (const Skill& s : skills) {
        if (s.name != name) continue;
        json out = skill_json(s);
        out["files"] = resource_files(s);
        out["body"] = read_body(s);
        return out.dump();
      }
      throw Error(AS_ERR_NOT_FOUND, "skill_parser: no skill '" + name + "' in the folder");
    }
    throw Error(AS_ERR_UNSUPPORTED, "skill_parser_v2: unknown action '" +
                                        std::string(call.action()) + "' (supported: run, show)");
  }

 private:
  SkillsFolders folders_;
};

}  // namespace
}  // namespace agentsys::skills

AS_PLUGIN_ENTRY(agentsys::skills::SkillParserV2, .name = "skill_parser_v2", .version = "2.0.0",
                .description = "Skills, native side: reads Agent Skills folders (SKILL.md)",
                .kind = AS_PLUGIN_KIND_DOMAIN, .impl = AS_IMPL_V2, .modules = {"skill_parser"},
                .thread_safe = true, .config_folders = {agentsys::skills::skills_folder()},
                .commands = agentsys::skills::catalog_commands())
