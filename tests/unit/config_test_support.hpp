#pragma once
// A scratch configuration directory for the config tests: files written on demand, the
// repository's schemas copied in.
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "checks/reports_config.hpp"
#include "config/config_loader.hpp"
#include "task/error_code.hpp"
#include "test_paths.h"
#include "test_support.hpp"

namespace agentsys::test {

inline const std::filesystem::path kRepoConfigDir =
    std::filesystem::path(AGENTSYS_TEST_SOURCE_DIR) / "config";

class ConfigDir {
 public:
  /// With the repository's schemas (schema/ and schema/meta/) unless `schemas` is false.
  explicit ConfigDir(bool schemas = true) {
    std::filesystem::create_directories(path() / "env");
    if (schemas) {
      std::filesystem::copy(kRepoConfigDir / "schema", path() / "schema",
                            std::filesystem::copy_options::recursive);
    }
  }
  /// Writes `text` to `relative` (creating folders) and returns the absolute path.
  std::filesystem::path write(const std::string& relative, const std::string& text) const {
    std::filesystem::path file = path() / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
    return file;
  }
  [[nodiscard]] const std::filesystem::path& path() const { return dir_.path(); }

 private:
  TempDir dir_;
};

/// The reports domain's folders (reports/, runbook/) as its plugins declare them (ABI 1.3).
inline std::vector<config::DomainFolder> reports_domain() {
  std::vector<config::DomainFolder> out;
  for (const agentsys::ConfigFolder& f :
       {reports::checks::reports_folder(), reports::checks::runbook_folder()}) {
    out.push_back({f.name, f.schema_json, {"report_orchestrator_v2"}});
  }
  return out;
}

/// A request for `env` of `dir` with the reports domain's folders.
inline config::ConfigRequest reports_request(const std::filesystem::path& dir,
                                             std::vector<std::string> overrides = {},
                                             std::string env = "dev") {
  config::ConfigRequest r;
  r.env = std::move(env);
  r.config_dir = dir;
  r.overrides = std::move(overrides);
  r.domain_folders = reports_domain();
  return r;
}

/// The report plugins' preflight checks (on_validate_config), located as preflight locates
/// them; the policy questions they ask are left out.
inline void check_reports_domain(const config::EffectiveConfig& c,
                                 std::vector<config::Problem>& problems,
                                 const std::set<std::string>& served = {}) {
  nlohmann::json codes = nlohmann::json::array();
  for (const ErrorCodeInfo& code : all_error_codes()) {
    if (code.code != ErrorCode::none) codes.push_back(code.name);
  }
  nlohmann::json request = {
      {"env", c.env()}, {"config", c.values()}, {"modules_served", served}, {"error_codes", codes}};
  nlohmann::json answer = nlohmann::json::parse(reports::checks::validate(request.dump()));
  for (const nlohmann::json& p : answer["problems"]) {
    problems.push_back(c.problem_at(p["path"].get<std::string>(), p["rule"].get<std::string>(),
                                    p["message"].get<std::string>()));
  }
}

}  // namespace agentsys::test
