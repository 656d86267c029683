#include "policy_config.hpp"

#include <set>

namespace agentsys::policy {

namespace {
constexpr const char* kEnvelope = "<config>";
}  // namespace

std::optional<VarValue> parse_var(const nlohmann::json& value) {
  if (value.is_string()) return VarValue{value.get<std::string>()};
  if (!value.is_array()) return std::nullopt;
  std::vector<std::string> list;
  for (const auto& e : value) {
    if (!e.is_string()) return std::nullopt;
    list.push_back(e.get<std::string>());
  }
  return VarValue{std::move(list)};
}

PolicyConfig parse_config(const nlohmann::json& config, Problems& problems) {
  PolicyConfig out;
  if (!config.is_object()) {
    problems.add(kEnvelope, "", "type", "the policy configuration must be a JSON object");
    return out;
  }
  for (const auto& [key, value] : config.items()) {
    if (key != "env" && key != "vars" && key != "layers") {
      problems.add(kEnvelope, "/" + key, "unknown_field",
                   "unknown field '" + key + "' (allowed: env, vars, layers)");
    }
  }
  if (config.contains("env")) {
    if (config["env"].is_string()) {
      out.env = config["env"].get<std::string>();
    } else {
      problems.add(kEnvelope, "/env", "type", "must be a string");
    }
  }
  if (config.contains("vars")) {
    const auto& vars = config["vars"];
    if (!vars.is_object()) {
      problems.add(kEnvelope, "/vars", "type", "must be an object of strings");
    } else {
      for (const auto& [name, value] : vars.items()) {
        auto v = parse_var(value);
        if (!v) {
          problems.add(kEnvelope, "/vars/" + name, "type",
                       "must be a string or an array of strings");
          continue;
        }
        out.vars.emplace(name, std::move(*v));
      }
    }
  }
  if (!config.contains("layers")) return out;  // no layers: everything is denied by default
  const auto& layers = config["layers"];
  if (!layers.is_array()) {
    problems.add(kEnvelope, "/layers", "type", "must be an array of layers");
    return out;
  }
  std::set<std::string> names;
  for (size_t i = 0; i < layers.size(); ++i) {
    const std::string p = "/layers/" + std::to_string(i);
    const auto& layer = layers[i];
    if (!layer.is_object() || !layer.contains("name") || !layer["name"].is_string() ||
        layer["name"].get<std::string>().empty()) {
      problems.add(kEnvelope, p, "layer",
                   "a layer must be an object with a non-empty string 'name', a 'source' and a "
                   "'document'");
      continue;
    }
    const std::string name = layer["name"].get<std::string>();
    std::string source = name;
    if (layer.contains("source")) {
      if (layer["source"].is_string()) {
        source = layer["source"].get<std::string>();
      } else {
        problems.add(kEnvelope, p + "/source", "type", "must be a string");
      }
    }
    for (const auto& [key, value] : layer.items()) {
      if (key != "name" && key != "source" && key != "document") {
        problems.add(kEnvelope, p + "/" + key, "unknown_field",
                     "unknown layer field '" + key + "' (allowed: name, source, document)");
      }
    }
    if (!names.insert(name).second) {
      problems.add(kEnvelope, p + "/name", "duplicate_layer", "layer '" + name + "' appears twice");
    }
    if (!layer.contains("document") || layer["document"].is_null()) {
      out.layers.push_back(
          LayerDoc{name, source, {}, {}, {}, {}, {}});  // an empty layer says nothing
      continue;
    }
    out.layers.push_back(parse_layer(name, source, layer["document"], out.vars, problems));
  }
  return out;
}

}  // namespace agentsys::policy
