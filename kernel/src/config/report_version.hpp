#pragma once
// The rule version of a report definition (docs/reports.md): the first 16 hex characters of
// the SHA-256 of its canonical JSON, the definition with sorted keys and no whitespace. The
// V1 scripts compute the same bytes with json.dumps(d, sort_keys=True, separators=(",", ":"),
// ensure_ascii=False); definitions hold no floats, which the two would spell differently.
#include <string>

#include <nlohmann/json.hpp>

namespace agentsys::config {

/// nlohmann::json::dump() of the definition (objects are sorted maps, UTF-8 kept as is).
std::string report_canonical_json(const nlohmann::json& definition);

/// sha256(report_canonical_json(definition)) in hex, first 16 characters.
std::string report_rule_version(const nlohmann::json& definition);

}  // namespace agentsys::config
