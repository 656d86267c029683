// skill_router_v2: the native (V2) side of the skill_router module. It ranks the skills of the
// configured folder for a request (BM25F with CJK bigrams, stemming, typo and glossary reading,
// rules, tenants, a calibrated no-skill threshold: plugins/skills/engine/router.hpp) and serves
// `agentsys skills route` and `agentsys skills eval`. The folder is rescanned on the first
// request after it changes.
//
// Action "run", input {"request": TEXT, "tenant": T (optional), "top": K (optional)}
//   -> {"skill": NAME|null, "confidence", "candidates": [{"skill", "score", "why"}],
//       "impl": "v2", "key_fields": {"key": ["request"], "fields": ["skill"], "rows": [...]}}
// Config (module skill_router): skills_dir, config_sections = ["skills"]. docs/skills.md.
#include <agentsys/plugin.hpp>

#include <nlohmann/json.hpp>

#include "skills_commands.hpp"
#include "skills_config.hpp"
#include "skills_folders.hpp"
#include "skills_json.hpp"

namespace agentsys::skills {
namespace {

using json = nlohmann::json;

struct RouteInput {
  std::string request;
  std::string tenant;
  size_t top = 0;
};

RouteInput read_input(std::string_view text) {
  const json in = json::parse(text, nullptr, false);
  if (!in.is_object()) throw Error(AS_ERR_INVALID_INPUT, "input: not a JSON object");
  const json request = in.value("request", json());
  if (!request.is_string() || request.get<std::string>().empty()) {
    throw Error(AS_ERR_INVALID_INPUT,
                "input: 'request' is required: the user's request text, e.g. "
                "{\"request\": \"why did tenant 42's cost jump\"}");
  }
  RouteInput out{request.get<std::string>(), "", 0};
  if (in.contains("tenant")) {
    if (!in["tenant"].is_string())
      throw Error(AS_ERR_INVALID_INPUT, "input: 'tenant' must be a string");
    out.tenant = in["tenant"].get<std::string>();
  }
  if (in.contains("top")) {
    if (!in["top"].is_number_unsigned() || in["top"].get<size_t>() < 1 ||
        in["top"].get<size_t>() > 100) {
      throw Error(AS_ERR_INVALID_INPUT, "input: 'top' must be a whole number in 1..100");
    }
    out.top = in["top"].get<size_t>();
  }
  return out;
}

class SkillRouterV2 {
 public:
  static std::string validate_config(Host /*host*/, std::string_view request) {
    return validate_skills_config(request);
  }

  SkillRouterV2(Host host, std::string_view config) : folders_(host, config) {}

  CommandResult command(const Call& call) { return run_routing_command(folders_, call); }

  std::string invoke(const Call& call) {
    if (call.action() != "run") {
      throw Error(AS_ERR_UNSUPPORTED, "skill_router_v2: unknown action '" +
                                          std::string(call.action()) + "' (supported: run)");
    }
    const RouteInput in = read_input(call.input());
    const auto state = folders_.catalog(call, "");
    const RouteAnswer answer = state->router->route({in.request, in.tenant, in.top});
    json out = answer_json(answer);
    out["impl"] = "v2";
    out["key_fields"] = {{"key", {"request"}},
                         {"fields", {"skill"}},
                         {"rows", {{{"request", in.request}, {"skill", out["skill"]}}}}};
    return out.dump();
  }

 private:
  SkillsFolders folders_;
};

}  // namespace
}  // namespace agentsys::skills

AS_PLUGIN_ENTRY(agentsys::skills::SkillRouterV2, .name = "skill_router_v2", .version = "2.0.0",
                .description = "Skills, native side: ranks skills for a request (EN/ZH), or none",
                .kind = AS_PLUGIN_KIND_DOMAIN, .impl = AS_IMPL_V2, .modules = {"skill_router"},
                .thread_safe = true, .config_folders = {agentsys::skills::skills_folder()},
                .commands = agentsys::skills::routing_commands())
