#include "config/layer_merge.hpp"

#include <algorithm>

#include "config/source_map.hpp"

namespace agentsys::config {

void record_leaves(const nlohmann::json& value, const std::string& pointer,
                   const SourceOf& source_of, SourceTable& sources) {
  bool enter = (value.is_object() && !value.empty()) ||
               (value.is_array() && std::any_of(value.begin(), value.end(),
                                                [](const auto& v) { return v.is_structured(); }));
  if (!enter) {
    sources[pointer] = source_of(pointer);
    return;
  }
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) {
      record_leaves(child, pointer_append(pointer, key), source_of, sources);
    }
  } else {
    for (size_t i = 0; i < value.size(); ++i) {
      record_leaves(value[i], pointer_append(pointer, std::to_string(i)), source_of, sources);
    }
  }
}

void merge_layer(nlohmann::json& base, const nlohmann::json& layer, const SourceOf& source_of,
                 SourceTable& sources, const std::string& pointer) {
  if (base.is_object() && layer.is_object()) {
    // An empty table was a leaf; once it has keys, they are.
    if (base.empty() && !layer.empty()) sources.erase(pointer);
    for (const auto& [key, child] : layer.items()) {
      std::string child_pointer = pointer_append(pointer, key);
      if (!base.contains(key)) {
        base[key] = child;
        record_leaves(child, child_pointer, source_of, sources);
      } else {
        merge_layer(base[key], child, source_of, sources, child_pointer);
      }
    }
    return;
  }
  for (auto it = sources.lower_bound(pointer); it != sources.end();) {
    if (!pointer_under(it->first, pointer)) {
      if (it->first.compare(0, pointer.size(), pointer) != 0) break;
      ++it;  // a sibling such as "/ab" after "/a": keep going
      continue;
    }
    it = sources.erase(it);
  }
  base = layer;
  record_leaves(layer, pointer, source_of, sources);
}

}  // namespace agentsys::config
