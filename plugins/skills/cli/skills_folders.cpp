#include "skills_folders.hpp"

#include <filesystem>
#include <nlohmann/json.hpp>

namespace agentsys::skills {
namespace fs = std::filesystem;
using json = nlohmann::json;

SkillsFolders::SkillsFolders(Host host, std::string_view config_json) : host_(host) {
  const json c =
      json::parse(config_json.empty() ? std::string_view("{}") : config_json, nullptr, false);
  try {
    settings_ = parse_router_settings(c.is_object() ? c : json::object());
  } catch (const std::invalid_argument& e) {
    throw Error(AS_ERR_INVALID_INPUT, e.what());
  }
}

std::string SkillsFolders::folder(const Call& call, const std::string& dir) const {
  const std::string chosen = dir.empty() ? settings_.skills_dir : dir;
  if (chosen.empty()) {
    throw Error(AS_ERR_INVALID_INPUT,
                "no skills folder: pass --skills-dir DIR, or set skills_dir in the module's "
                "config table (config/modules/skills.toml) and run with that configuration");
  }
  const std::string path = fs::absolute(chosen).lexically_normal().string();
  if (!dir.empty()) return path;
  {
    std::lock_guard lock(allowed_mutex_);
    if (allowed_ == path) return path;
  }
  if (host_.offers(Service::policy_check)) {
    const json decision = json::parse(
        host_.request(Service::policy_check, call,
                      json{{"kind", "path"}, {"path", path}, {"access", "read"}}.dump()));
    if (decision.value("decision", "deny") != "allow") {
      throw Error(AS_ERR_POLICY_DENIED, "policy does not allow reading the skills folder " + path +
                                            " (rule " + decision.value("rule", std::string("?")) +
                                            ": " + decision.value("reason", std::string()) +
                                            "); allow it under [path] in config/policy/");
    }
  }
  std::lock_guard lock(allowed_mutex_);
  allowed_ = path;
  return path;
}

std::shared_ptr<const CatalogState> SkillsFolders::catalog(const Call& call,
                                                           const std::string& dir) {
  const std::string path = folder(call, dir);
  LiveCatalog* live = nullptr;
  {
    std::lock_guard lock(mutex_);
    auto& slot = catalogs_[path];
    if (!slot) slot = std::make_unique<LiveCatalog>(path, settings_);
    live = slot.get();
  }
  try {
    return live->current();
  } catch (const std::runtime_error& e) {
    throw Error(AS_ERR_INVALID_INPUT, e.what());
  }
}

}  // namespace agentsys::skills
