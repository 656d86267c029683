#pragma once
// The lineage of a V1 output names the code that made it: the legacy script's SHA-256 (read
// through the host) and, when the scripts are in a git repository, its commit.
#include <agentsys/plugin.hpp>

#include <nlohmann/json.hpp>
#include <string>

namespace agentsys::reports::v1 {

/// {"path", "sha256", "git_commit" (null when unknown)}. Never throws for a missing commit.
nlohmann::json code_version(const Host& host, const Call& call, const std::string& script_path,
                            const std::string& scripts_dir);

}  // namespace agentsys::reports::v1
