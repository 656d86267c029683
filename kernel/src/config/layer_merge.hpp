#pragma once
// Merging one configuration layer into the tree below it, keeping each leaf's source.
#include <functional>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace agentsys::config {

/// The source text of the value at a JSON pointer of the layer being merged.
using SourceOf = std::function<std::string(const std::string& pointer)>;
using SourceTable = std::map<std::string, std::string, std::less<>>;

/// Merges `layer` into `base`: where both hold a table the tables merge key by key, anything
/// else (scalar, array, a table over a scalar) replaces what was there. Sources under a
/// replaced value are dropped and the new leaves recorded with `source_of`.
void merge_layer(nlohmann::json& base, const nlohmann::json& layer, const SourceOf& source_of,
                 SourceTable& sources, const std::string& pointer = "");

/// Records the source of every leaf of `value` (at `pointer`): scalars, arrays of scalars
/// and empty tables or arrays are leaves; arrays holding tables are entered element by element.
void record_leaves(const nlohmann::json& value, const std::string& pointer,
                   const SourceOf& source_of, SourceTable& sources);

}  // namespace agentsys::config
