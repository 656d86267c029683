#pragma once
// The skills folders a skill plugin serves from, each kept current by a LiveCatalog: the
// configured one (the module's config.skills_dir), read only where path policy allows it (host
// policy_check, access read), or one the operator names on the command line (--skills-dir,
// `skills lint DIR`), which is the operator's own read, like any file named to a command.
#include <agentsys/plugin.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "live_catalog.hpp"
#include "router_settings.hpp"

namespace agentsys::skills {

class SkillsFolders {
 public:
  /// `config_json` is the plugin's configuration (parse_router_settings); a bad one throws
  /// agentsys::Error AS_ERR_INVALID_INPUT naming the key.
  SkillsFolders(Host host, std::string_view config_json);

  /// The catalogue of `dir` (absolute or relative to the working directory), or of the
  /// configured folder when `dir` is empty. Throws agentsys::Error: AS_ERR_INVALID_INPUT when
  /// no folder is configured or it cannot be read, AS_ERR_POLICY_DENIED when policy refuses it.
  std::shared_ptr<const CatalogState> catalog(const Call& call, const std::string& dir);
  /// The folder `dir` names, absolute; when `dir` is empty, the configured one after the policy
  /// check.
  std::string folder(const Call& call, const std::string& dir) const;
  [[nodiscard]] const RouterSettings& settings() const { return settings_; }
  [[nodiscard]] const Host& host() const { return host_; }

 private:
  Host host_;
  RouterSettings settings_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<LiveCatalog>> catalogs_;
  /// The configured folder once policy allowed it ("" until then): a route is not a new read
  /// decision per request (the instance lives as long as its configuration and policy).
  mutable std::mutex allowed_mutex_;
  mutable std::string allowed_;
};

}  // namespace agentsys::skills
