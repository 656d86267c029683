#pragma once
// The plugin's configuration (on_create and `validate` input):
//   {"env": "prod", "vars": {"state_dir": "/abs", "script_dirs": ["/a", "/b"], ...},
//    "layers": [{"name": "base", "source": "config/policy/base.toml", "document": {...}}, ...]}
// Layers are ordered from the broadest to the narrowest (base < env < module files).
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "placeholder.hpp"
#include "policy_document.hpp"
#include "problems.hpp"

namespace agentsys::policy {

struct PolicyConfig {
  std::string env;  ///< informational (shown by describe)
  Vars vars;        ///< fixed placeholder values
  std::vector<LayerDoc> layers;
};

/// Parses the configuration, adding every problem found (source "<config>" for the envelope,
/// the layer's source for its document).
[[nodiscard]] PolicyConfig parse_config(const nlohmann::json& config, Problems& problems);

/// Parses one placeholder value: a string or an array of strings.
[[nodiscard]] std::optional<VarValue> parse_var(const nlohmann::json& value);

}  // namespace agentsys::policy
