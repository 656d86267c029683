#include "config/report_version.hpp"

#include "util/sha256.hpp"

namespace agentsys::config {

std::string report_canonical_json(const nlohmann::json& definition) { return definition.dump(); }

std::string report_rule_version(const nlohmann::json& definition) {
  return sha256_hex(report_canonical_json(definition)).substr(0, 16);
}

}  // namespace agentsys::config
