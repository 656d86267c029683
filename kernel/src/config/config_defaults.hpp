#pragma once
// The built-in defaults: the lowest configuration layer, what holds when no file says otherwise.
#include <nlohmann/json_fwd.hpp>

namespace agentsys::config {

/// The default values of every env-file key (docs/configuration.md lists them), plus empty
/// `modules` and `routes`. They hold the env schema.
const nlohmann::json& default_config();

}  // namespace agentsys::config
