// skill_router_v1: the V1 wrapper of module skill_router. It runs the legacy keyword router
// (examples/legacy/scripts/skill_router.py: first keyword substring wins) through the host's
// run_command, policy-checked and bounded by the call's deadline, and answers in the module's
// shape so that a shadow run compares it with skill_router_v2 on the chosen skill.
//
// Config (module skill_router): python, scripts_dir, keywords_file. docs/skills.md.
// Action "run", input {"request": TEXT} -> {"skill": NAME|null, "keyword", "impl": "v1",
//   "key_fields": {"key": ["request"], "fields": ["skill"], "rows": [{"request", "skill"}]}}
#include <agentsys/plugin.hpp>

#include <nlohmann/json.hpp>

namespace agentsys::skills::v1 {
namespace {

using json = nlohmann::json;

struct Config {
  std::string python = "python3";
  std::string scripts_dir;
  std::string keywords_file;
};

Config read_config(std::string_view text) {
  const json c = json::parse(text.empty() ? std::string_view("{}") : text, nullptr, false);
  if (!c.is_object()) throw Error(AS_ERR_INVALID_INPUT, "configuration: not a JSON object");
  Config out;
  out.python = c.value("python", out.python);
  out.scripts_dir = c.value("scripts_dir", "");
  out.keywords_file = c.value("keywords_file", "");
  return out;
}

std::string last_line(const std::string& text) {
  const size_t end = text.find_last_not_of("\r\n");
  if (end == std::string::npos) return {};
  const size_t start = text.rfind('\n', end);
  return text.substr(start == std::string::npos ? 0 : start + 1,
                     end + 1 - (start == std::string::npos ? 0 : start + 1));
}

class SkillRouterV1 {
 public:
  SkillRouterV1(Host host, std::string_view config) : host_(host), config_(read_config(config)) {}

  std::string invoke(const Call& call) {
    if (call.action() != "run") {
      throw Error(AS_ERR_UNSUPPORTED, "skill_router_v1: unknown action '" +
                                          std::string(call.action()) + "' (supported: run)");
    }
    if (config_.scripts_dir.empty() || config_.keywords_file.empty()) {
      throw Error(AS_ERR_INVALID_INPUT,
                  "not configured: the module's config table (config/modules/skills.toml) names "
                  "scripts_dir and keywords_file; run with a configuration");
    }
    const json in = json::parse(call.input(), nullptr, false);
    if (!in.is_object() || !in.value("request", json()).is_string() ||
        in["request"].get<std::string>().empty()) {
      throw Error(AS_ERR_INVALID_INPUT, "input: 'request' is required (the user's request text)");
    }
    const std::string request = in["request"].get<std::string>();
    // The request goes on stdin: free text on a command line would need a looser command policy.
    const json argv = {config_.python, config_.scripts_dir + "/skill_router.py", "--request-stdin",
                       "--keywords", config_.keywords_file};
    const json response = json::parse(host_.request(
        Service::run_command, call,
        json{{"argv", argv}, {"stdin", request}, {"env", {{"PYTHONDONTWRITEBYTECODE", "1"}}}}
            .dump()));
    if (response.value("dry_run", false))
      return json{{"dry_run", true}, {"would_run", argv}}.dump();
    const int exit_code = response.value("exit_code", -1);
    if (exit_code != 0) {
      throw Error(exit_code == 2 ? AS_ERR_INVALID_INPUT : AS_ERR_INTERNAL,
                  "skill_router.py exited " + std::to_string(exit_code) + ": " +
                      last_line(response.value("stderr", "")));
    }
    const json summary = json::parse(last_line(response.value("stdout", "")), nullptr, false);
    if (!summary.is_object() || !summary.contains("skill")) {
      throw Error(AS_ERR_INTERNAL, "skill_router.py printed no JSON summary line");
    }
    const json skill = summary["skill"].is_string() ? summary["skill"] : json();
    return json{{"skill", skill},
                {"keyword", summary.value("keyword", json())},
                {"impl", "v1"},
                {"key_fields",
                 {{"key", {"request"}},
                  {"fields", {"skill"}},
                  {"rows", {{{"request", request}, {"skill", skill}}}}}}}
        .dump();
  }

 private:
  Host host_;
  Config config_;
};

}  // namespace
}  // namespace agentsys::skills::v1

AS_PLUGIN_ENTRY(agentsys::skills::v1::SkillRouterV1, .name = "skill_router_v1", .version = "1.0.0",
                .description = "Skills, V1 wrapper: the legacy keyword router (skill_router.py)",
                .kind = AS_PLUGIN_KIND_DOMAIN, .impl = AS_IMPL_V1, .modules = {"skill_router"},
                .thread_safe = true)
