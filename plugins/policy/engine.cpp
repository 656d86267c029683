#include "engine.hpp"

#include <map>

namespace agentsys::policy {

namespace {

using json = nlohmann::json;

/// Rule ids name the rule in decisions and logs; two rules with one id would be ambiguous.
void check_duplicate_ids(const std::vector<LayerDoc>& layers, Problems& problems) {
  std::map<std::string, std::string> seen;  // id -> "source pointer"
  auto note = [&](const LayerDoc& layer, const std::string& id, const std::string& pointer) {
    auto [it, inserted] = seen.emplace(id, layer.source + " " + dotted_path(pointer));
    if (!inserted) {
      problems.add(layer.source, pointer + "/id", "duplicate_id",
                   "rule id '" + id + "' is already used at " + it->second);
    }
  };
  for (const auto& l : layers) {
    if (l.command) {
      if (l.command->allow) {
        for (const auto& r : *l.command->allow) note(l, r.id, r.pointer);
      }
      for (const auto& r : l.command->deny) note(l, r.id, r.pointer);
    }
    if (l.path) {
      if (l.path->allow) {
        for (const auto& r : *l.path->allow) note(l, r.id, r.pointer);
      }
      for (const auto& r : l.path->deny) note(l, r.id, r.pointer);
    }
    if (l.http) {
      if (l.http->allow) {
        for (const auto& r : *l.http->allow) note(l, r.id, r.pointer);
      }
      for (const auto& r : l.http->deny) note(l, r.id, r.pointer);
    }
    if (l.action) {
      for (const auto& r : l.action->deny) note(l, r.id, r.pointer);
      for (const auto& r : l.action->approve) note(l, r.id, r.pointer);
    }
  }
}

const json& field(const json& request, const char* name, const char* what) {
  auto it = request.find(name);
  if (it == request.end()) {
    throw RequestError(std::string("missing field '") + name + "' (" + what + ")");
  }
  return *it;
}

std::string string_field(const json& request, const char* name, const char* what) {
  const json& v = field(request, name, what);
  if (!v.is_string()) throw RequestError(std::string("field '") + name + "' must be a string");
  return v.get<std::string>();
}

std::optional<std::string> optional_string(const json& request, const char* name) {
  auto it = request.find(name);
  if (it == request.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) throw RequestError(std::string("field '") + name + "' must be a string");
  return it->get<std::string>();
}

/// {"method", "scheme", "host", "port", "path"}: the kernel splits the URL (agentsys's HTTP
/// client's own parser), so that policy decides on exactly what will be requested.
HttpRequest http_request(const json& request) {
  HttpRequest r;
  r.method = string_field(request, "method", "GET, POST, ...");
  r.scheme = string_field(request, "scheme", "http or https");
  r.host = string_field(request, "host", "the host, lower case");
  const json& port = field(request, "port", "the port number");
  if (!port.is_number_unsigned() || port.get<uint64_t>() > 65535) {
    throw RequestError("field 'port' must be an integer from 1 to 65535");
  }
  r.port = port.get<uint32_t>();
  r.path = string_field(request, "path", "the path, without the query");
  return r;
}

}  // namespace

std::unique_ptr<Engine> Engine::build(const json& config, Problems& problems,
                                      EngineOptions options) {
  PolicyConfig parsed = parse_config(config, problems);
  check_duplicate_ids(parsed.layers, problems);
  std::unique_ptr<Engine> engine(new Engine());
  engine->options_ = options;
  engine->env_ = parsed.env;
  engine->vars_ = parsed.vars;
  for (const auto& l : parsed.layers) {
    engine->layer_names_.push_back(l.name);
    engine->layer_sources_.push_back(l.source);
  }
  engine->path_.build(parsed.layers, parsed.vars, problems);
  engine->command_.build(parsed.layers, parsed.vars, problems);
  engine->sql_.build(parsed.layers, problems);
  engine->action_.build(parsed.layers);
  engine->http_.build(parsed.layers);
  if (!problems.empty()) return nullptr;
  return engine;
}

VarScope Engine::scope(const Vars& call_vars) const { return VarScope{&vars_, &call_vars}; }

Decision Engine::decide(const CommandRequest& r, const Vars& call_vars) const {
  return command_.decide(r, scope(call_vars), path_, options_.use_filesystem);
}

Decision Engine::decide(const PathRequest& r, const Vars& call_vars) const {
  return path_.decide(r, scope(call_vars), options_.use_filesystem);
}

Decision Engine::decide(const SqlRequest& r) const { return sql_.decide(r); }

Decision Engine::decide(const ActionRequest& r) const { return action_.decide(r); }

Decision Engine::decide(const HttpRequest& r) const { return http_.decide(r); }

json Engine::to_json(const Decision& d, std::string_view kind) {
  json out{{"decision", verdict_name(d.verdict)}, {"rule", d.rule}, {"reason", d.reason}};
  if (kind == "command") {
    if (!d.resolved.empty()) out["resolved"] = d.resolved;
    if (d.env) {
      json env = json::object();
      for (const auto& [k, v] : *d.env) env[k] = v;
      out["env"] = env;
      out["env_dropped"] = d.env_dropped;
    }
    if (!d.canonical.empty()) out["cwd"] = d.canonical;
  } else if (kind == "path") {
    if (!d.canonical.empty()) out["canonical"] = d.canonical;
  } else if (kind == "sql") {
    out["tables"] = d.tables;
    if (!d.statement.empty()) out["statement"] = d.statement;
  } else if (kind == "http" && d.verdict == Verdict::allow) {
    json limits = json::object();
    for (const auto& [name, value] : d.limits) limits[name] = value;
    out["limits"] = limits;
  }
  return out;
}

json Engine::decide_json(const json& request) const {
  if (!request.is_object()) throw RequestError("the request must be a JSON object");
  const std::string kind = string_field(request, "kind", "command, path, sql, action or http");
  Vars call_vars;
  if (auto it = request.find("vars"); it != request.end() && !it->is_null()) {
    if (!it->is_object()) throw RequestError("field 'vars' must be an object");
    for (const auto& [name, value] : it->items()) {
      auto v = parse_var(value);
      if (!v) throw RequestError("vars." + name + " must be a string or an array of strings");
      // The configured values are fixed: a call may not move the state directory elsewhere.
      if (auto fixed = vars_.find(name); fixed != vars_.end() && fixed->second != *v) {
        throw RequestError("vars." + name +
                           " is fixed by the policy configuration and cannot be changed per call");
      }
      call_vars.emplace(name, std::move(*v));
    }
  }
  if (kind == "command") {
    CommandRequest r;
    const json& argv = field(request, "argv", "an array of strings");
    if (!argv.is_array() || argv.empty()) {
      throw RequestError("field 'argv' must be a non-empty array of strings");
    }
    for (const auto& a : argv) {
      if (!a.is_string()) throw RequestError("field 'argv' must be a non-empty array of strings");
      r.argv.push_back(a.get<std::string>());
    }
    if (auto it = request.find("env"); it != request.end() && !it->is_null()) {
      if (!it->is_object()) throw RequestError("field 'env' must be an object of strings");
      for (const auto& [k, v] : it->items()) {
        if (!v.is_string()) throw RequestError("env." + k + " must be a string");
        r.env.emplace_back(k, v.get<std::string>());
      }
    }
    r.cwd = optional_string(request, "cwd");
    return to_json(decide(r, call_vars), kind);
  }
  if (kind == "path") {
    PathRequest r;
    r.path = string_field(request, "path", "the path to check");
    const std::string access = string_field(request, "access", "read or write");
    if (access == "read") {
      r.access = Access::read;
    } else if (access == "write") {
      r.access = Access::write;
    } else {
      throw RequestError("field 'access' must be \"read\" or \"write\", got \"" + access + "\"");
    }
    r.cwd = optional_string(request, "cwd");
    return to_json(decide(r, call_vars), kind);
  }
  if (kind == "sql") {
    SqlRequest r;
    r.sql = string_field(request, "sql", "the SQL text");
    if (auto c = optional_string(request, "context")) r.context = *c;
    return to_json(decide(r), kind);
  }
  if (kind == "action") {
    ActionRequest r;
    r.action = string_field(request, "action", "the action name, e.g. publish");
    if (auto m = optional_string(request, "module")) r.module = *m;
    return to_json(decide(r), kind);
  }
  if (kind == "http") return to_json(decide(http_request(request)), kind);
  throw RequestError("unknown kind '" + kind + "' (expected command, path, sql, action or http)");
}

json Engine::describe() const {
  json layers = json::array();
  for (size_t i = 0; i < layer_names_.size(); ++i) {
    layers.push_back({{"name", layer_names_[i]}, {"source", layer_sources_[i]}});
  }
  json vars = json::object();
  for (const auto& [k, v] : vars_) {
    if (const auto* s = std::get_if<std::string>(&v)) {
      vars[k] = *s;
    } else {
      vars[k] = std::get<std::vector<std::string>>(v);
    }
  }
  return {{"env", env_},
          {"layers", layers},
          {"vars", vars},
          {"combining",
           "deny-overrides: any layer's deny wins; every layer that declares "
           "allows for a kind must allow; undeclared kinds are denied"},
          {"command", command_.describe()},
          {"path", path_.describe()},
          {"sql", sql_.describe()},
          {"action", action_.describe()},
          {"http", http_.describe()}};
}

json validate_config(const json& config) {
  Problems problems;
  (void)Engine::build(config, problems);
  if (problems.empty()) return {{"ok", true}};
  return {{"ok", false}, {"problems", problems.to_json()}};
}

}  // namespace agentsys::policy
