#pragma once
// The command-line layer: `--set KEY=VALUE`, KEY a dotted path (runner.max_concurrency), VALUE
// read as a TOML value when it is one (4, true, [1, 2], "x") and as a plain string otherwise.
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace agentsys::config {

struct Override {
  std::string key;      ///< As written: "runner.max_concurrency".
  std::string pointer;  ///< "/runner/max_concurrency".
  nlohmann::json value;
};

/// Parses one `--set` argument. Throws std::invalid_argument saying what is wrong and what a
/// valid one looks like.
Override parse_override(std::string_view text);

/// The layer the overrides form, later ones winning: {"runner": {"max_concurrency": 4}}.
nlohmann::json overrides_document(const std::vector<Override>& overrides);

}  // namespace agentsys::config
