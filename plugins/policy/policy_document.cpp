#include "policy_document.hpp"

#include <algorithm>
#include <initializer_list>
#include <set>

namespace agentsys::policy {

namespace {

using json = nlohmann::json;

std::string type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::object: return "a table";
    case json::value_t::array: return "an array";
    case json::value_t::string: return "a string";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "an integer";
    case json::value_t::number_float: return "a number";
    default: return "null";
  }
}

std::string escape_token(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

/// Reads one layer document, recording every problem with its JSON pointer.
class Reader {
 public:
  Reader(std::string layer, std::string source, const Vars& fixed, Problems& problems)
      : layer_(std::move(layer)), source_(std::move(source)), fixed_(fixed), problems_(problems) {}

  void problem(const std::string& pointer, const std::string& rule, const std::string& message) {
    problems_.add(source_, pointer, rule, message);
  }

  static std::string at(const std::string& pointer, const std::string& key) {
    return pointer + "/" + escape_token(key);
  }
  static std::string at(const std::string& pointer, size_t index) {
    return pointer + "/" + std::to_string(index);
  }

  /// Checks that `v` is a table with only `allowed` keys (typos are errors, not ignored).
  bool table(const json& v, const std::string& pointer,
             std::initializer_list<const char*> allowed) {
    if (!v.is_object()) {
      problem(pointer, "type", "must be a table, got " + type_name(v));
      return false;
    }
    for (const auto& [key, value] : v.items()) {
      if (std::none_of(allowed.begin(), allowed.end(), [&](const char* k) { return key == k; })) {
        std::string list;
        for (const char* k : allowed) list += (list.empty() ? "" : ", ") + std::string(k);
        problem(at(pointer, key), "unknown_field",
                "unknown field '" + key + "' (allowed: " + list + ")");
      }
    }
    return true;
  }

  std::optional<std::string> string(const json& v, const std::string& pointer) {
    if (!v.is_string()) {
      problem(pointer, "type", "must be a string, got " + type_name(v));
      return std::nullopt;
    }
    return v.get<std::string>();
  }

  std::optional<bool> boolean(const json& v, const std::string& pointer) {
    if (!v.is_boolean()) {
      problem(pointer, "type", "must be a boolean, got " + type_name(v));
      return std::nullopt;
    }
    return v.get<bool>();
  }

  std::optional<std::vector<std::string>> strings(const json& v, const std::string& pointer) {
    if (!v.is_array()) {
      problem(pointer, "type", "must be an array of strings, got " + type_name(v));
      return std::nullopt;
    }
    std::vector<std::string> out;
    for (size_t i = 0; i < v.size(); ++i) {
      if (auto s = string(v[i], at(pointer, i))) out.push_back(std::move(*s));
    }
    return out;
  }

  /// A string with placeholders; unknown placeholder names are problems.
  std::optional<TemplateField> templ(const json& v, const std::string& pointer) {
    auto text = string(v, pointer);
    if (!text) return std::nullopt;
    std::string error;
    auto t = Template::parse(*text, error);
    if (!t) {
      problem(pointer, "placeholder", error);
      return std::nullopt;
    }
    for (const auto& name : t->names()) {
      const bool known = fixed_.find(name) != fixed_.end() ||
                         std::find(std::begin(kWellKnownVars), std::end(kWellKnownVars), name) !=
                             std::end(kWellKnownVars);
      if (!known) {
        problem(pointer, "placeholder",
                "unknown placeholder '${" + name +
                    "}' (set it in the plugin config's vars, or use one of state_dir, run_dir, "
                    "config_dir, repo_root, home, output_dir, script_dirs)");
        return std::nullopt;
      }
    }
    return TemplateField{std::move(*t), pointer};
  }

  /// A path template: after its leading placeholder (if any) it must be absolute.
  std::optional<TemplateField> path_templ(const json& v, const std::string& pointer) {
    auto t = templ(v, pointer);
    if (!t) return std::nullopt;
    const std::string& s = t->value.source();
    if (s.empty() || (s[0] != '/' && s.rfind("${", 0) != 0)) {
      problem(
          pointer, "absolute_path",
          "'" + s + "' must be an absolute path or start with a placeholder such as ${state_dir}");
      return std::nullopt;
    }
    return t;
  }

  std::vector<TemplateField> path_list(const json& v, const std::string& pointer) {
    std::vector<TemplateField> out;
    if (!v.is_array()) {
      problem(pointer, "type", "must be an array of paths, got " + type_name(v));
      return out;
    }
    for (size_t i = 0; i < v.size(); ++i) {
      if (auto t = path_templ(v[i], at(pointer, i))) out.push_back(std::move(*t));
    }
    return out;
  }

  std::vector<TemplateField> template_list(const json& v, const std::string& pointer) {
    std::vector<TemplateField> out;
    if (!v.is_array()) {
      problem(pointer, "type", "must be an array of strings, got " + type_name(v));
      return out;
    }
    for (size_t i = 0; i < v.size(); ++i) {
      if (auto t = templ(v[i], at(pointer, i))) out.push_back(std::move(*t));
    }
    return out;
  }

  /// The rule's id from the document, or "<layer>:<section>[<i>]".
  std::string rule_id(const json& rule, const std::string& pointer, const std::string& generated) {
    if (!rule.contains("id")) return layer_ + ":" + generated;
    auto id = string(rule["id"], at(pointer, "id"));
    if (!id) return layer_ + ":" + generated;
    const bool ok =
        !id->empty() && id->size() <= 128 && std::all_of(id->begin(), id->end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == '-' || c == ':';
        });
    if (!ok) {
      problem(at(pointer, "id"), "rule_id",
              "rule id '" + *id + "' must be 1-128 characters of [A-Za-z0-9._:-]");
    }
    return *id;
  }

  template <typename F>
  void each_rule(const json& v, const std::string& pointer, F&& f) {
    if (!v.is_array()) {
      problem(pointer, "type", "must be an array of tables, got " + type_name(v));
      return;
    }
    for (size_t i = 0; i < v.size(); ++i) f(v[i], at(pointer, i), i);
  }

  CommandDoc command(const json& v, const std::string& p) {
    CommandDoc doc;
    if (!table(v, p, {"path", "env_allow", "allow", "deny"})) return doc;
    if (v.contains("path")) {
      doc.search_path = strings(v["path"], at(p, "path"));
      if (doc.search_path) {
        for (size_t i = 0; i < doc.search_path->size(); ++i) {
          if ((*doc.search_path)[i].empty() || (*doc.search_path)[i][0] != '/') {
            problem(at(at(p, "path"), i), "absolute_path",
                    "search path entry '" + (*doc.search_path)[i] + "' must be absolute");
          }
        }
      }
    }
    if (v.contains("env_allow")) doc.env_allow = strings(v["env_allow"], at(p, "env_allow"));
    if (v.contains("allow")) {
      doc.allow.emplace();
      each_rule(v["allow"], at(p, "allow"), [&](const json& r, const std::string& rp, size_t i) {
        if (!table(r, rp,
                   {"id", "description", "executable", "script_roots", "args", "more_args",
                    "inline_code"})) {
          return;
        }
        CommandAllowDoc rule;
        rule.pointer = rp;
        rule.id = rule_id(r, rp, "command.allow[" + std::to_string(i) + "]");
        if (r.contains("description")) (void)string(r["description"], at(rp, "description"));
        if (!r.contains("executable")) {
          problem(at(rp, "executable"), "required", "missing required field 'executable'");
          return;
        }
        auto exe = templ(r["executable"], at(rp, "executable"));
        if (!exe) return;
        rule.executable = std::move(*exe);
        if (r.contains("script_roots")) {
          rule.script_roots = path_list(r["script_roots"], at(rp, "script_roots"));
        }
        if (r.contains("args")) rule.args = template_list(r["args"], at(rp, "args"));
        if (r.contains("more_args")) rule.more_args = templ(r["more_args"], at(rp, "more_args"));
        if (r.contains("inline_code")) {
          rule.inline_code = boolean(r["inline_code"], at(rp, "inline_code")).value_or(false);
        }
        doc.allow->push_back(std::move(rule));
      });
    }
    if (v.contains("deny")) {
      each_rule(v["deny"], at(p, "deny"), [&](const json& r, const std::string& rp, size_t i) {
        if (!table(r, rp, {"id", "description", "executable", "any_arg"})) return;
        CommandDenyDoc rule;
        rule.pointer = rp;
        rule.id = rule_id(r, rp, "command.deny[" + std::to_string(i) + "]");
        if (r.contains("description")) (void)string(r["description"], at(rp, "description"));
        if (!r.contains("executable")) {
          problem(at(rp, "executable"), "required", "missing required field 'executable'");
          return;
        }
        auto exe = templ(r["executable"], at(rp, "executable"));
        if (!exe) return;
        rule.executable = std::move(*exe);
        if (r.contains("any_arg")) rule.any_arg = templ(r["any_arg"], at(rp, "any_arg"));
        doc.deny.push_back(std::move(rule));
      });
    }
    return doc;
  }

  bool access(const json& v, const std::string& pointer, PathRuleDoc& rule) {
    auto list = strings(v, pointer);
    if (!list) return false;
    if (list->empty()) {
      problem(pointer, "enum", "must name at least one of \"read\", \"write\"");
      return false;
    }
    for (size_t i = 0; i < list->size(); ++i) {
      if ((*list)[i] == "read") {
        rule.read = true;
      } else if ((*list)[i] == "write") {
        rule.write = true;
      } else {
        problem(at(pointer, i), "enum",
                "unknown access '" + (*list)[i] + "' (allowed: read, write)");
      }
    }
    return true;
  }

  PathDoc path(const json& v, const std::string& p) {
    PathDoc doc;
    if (!table(v, p, {"allow", "deny"})) return doc;
    if (v.contains("allow")) {
      doc.allow.emplace();
      each_rule(v["allow"], at(p, "allow"), [&](const json& r, const std::string& rp, size_t i) {
        if (!table(r, rp, {"id", "description", "access", "roots"})) return;
        PathRuleDoc rule;
        rule.pointer = rp;
        rule.id = rule_id(r, rp, "path.allow[" + std::to_string(i) + "]");
        if (r.contains("description")) (void)string(r["description"], at(rp, "description"));
        if (!r.contains("access")) {
          problem(at(rp, "access"), "required", "missing required field 'access'");
        } else {
          access(r["access"], at(rp, "access"), rule);
        }
        if (!r.contains("roots")) {
          problem(at(rp, "roots"), "required", "missing required field 'roots'");
        } else {
          rule.roots = path_list(r["roots"], at(rp, "roots"));
        }
        doc.allow->push_back(std::move(rule));
      });
    }
    if (v.contains("deny")) {
      each_rule(v["deny"], at(p, "deny"), [&](const json& r, const std::string& rp, size_t i) {
        if (!table(r, rp, {"id", "description", "access", "roots", "names"})) return;
        PathRuleDoc rule;
        rule.pointer = rp;
        rule.id = rule_id(r, rp, "path.deny[" + std::to_string(i) + "]");
        if (r.contains("description")) (void)string(r["description"], at(rp, "description"));
        if (r.contains("access")) {
          access(r["access"], at(rp, "access"), rule);
        } else {
          rule.read = rule.write = true;  // a deny covers both unless narrowed
        }
        if (r.contains("roots")) rule.roots = path_list(r["roots"], at(rp, "roots"));
        if (r.contains("names")) {
          rule.names = strings(r["names"], at(rp, "names")).value_or(std::vector<std::string>{});
          for (size_t k = 0; k < rule.names.size(); ++k) {
            if (rule.names[k].empty() || rule.names[k].find('/') != std::string::npos) {
              problem(at(at(rp, "names"), k), "glob",
                      "name pattern '" + rule.names[k] +
                          "' must be a non-empty glob without '/' (it is matched against each "
                          "path component)");
            }
          }
        }
        if (!r.contains("roots") && !r.contains("names")) {
          problem(rp, "required", "a path deny rule needs 'roots', 'names' or both");
        }
        doc.deny.push_back(std::move(rule));
      });
    }
    return doc;
  }

  void function_names(const json& v, const std::string& pointer, std::vector<std::string>& out) {
    auto list = strings(v, pointer);
    if (!list) return;
    for (size_t i = 0; i < list->size(); ++i) {
      std::string name = (*list)[i];
      const bool prefix = !name.empty() && name.back() == '*';
      if (prefix) name.pop_back();
      const bool ok = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
      });
      if (!ok) {
        problem(at(pointer, i), "function_name",
                "function name '" + (*list)[i] +
                    "' must be lower-case [a-z0-9_]+, optionally ending in '*' for a prefix");
        continue;
      }
      out.push_back((*list)[i]);
    }
  }

  std::optional<std::vector<std::string>> table_names(const json& v, const std::string& pointer) {
    auto list = strings(v, pointer);
    if (!list) return std::nullopt;
    for (size_t i = 0; i < list->size(); ++i) {
      const std::string& t = (*list)[i];
      const auto dots = std::count(t.begin(), t.end(), '.');
      const bool ok = !t.empty() && dots <= 1 && t.front() != '.' && t.back() != '.' &&
                      t.find_first_of(" \t\"'`;") == std::string::npos;
      if (!ok) {
        problem(at(pointer, i), "table_name",
                "table '" + t + "' must be 'table' or 'schema.table' (no quotes or spaces)");
      }
    }
    return list;
  }

  SqlDoc sql(const json& v, const std::string& p) {
    SqlDoc doc;
    if (!table(v, p, {"deny_functions", "contexts"})) return doc;
    if (v.contains("deny_functions")) {
      function_names(v["deny_functions"], at(p, "deny_functions"), doc.deny_functions);
    }
    if (v.contains("contexts")) {
      const std::string cp = at(p, "contexts");
      if (!v["contexts"].is_object()) {
        problem(cp, "type", "must be a table of contexts, got " + type_name(v["contexts"]));
        return doc;
      }
      for (const auto& [name, c] : v["contexts"].items()) {
        const std::string rp = at(cp, name);
        if (!table(c, rp,
                   {"mode", "tables", "write_tables", "deny_functions", "default_schema",
                    "description"})) {
          continue;
        }
        SqlContextDoc ctx;
        ctx.pointer = rp;
        if (c.contains("description")) (void)string(c["description"], at(rp, "description"));
        if (c.contains("mode")) {
          if (auto mode = string(c["mode"], at(rp, "mode"))) {
            if (*mode == "read_only" || *mode == "read_write") {
              ctx.read_write = *mode == "read_write";
            } else {
              problem(at(rp, "mode"), "enum",
                      "unknown mode '" + *mode + "' (allowed: read_only, read_write)");
            }
          }
        }
        if (c.contains("tables")) ctx.tables = table_names(c["tables"], at(rp, "tables"));
        if (c.contains("write_tables")) {
          ctx.write_tables = table_names(c["write_tables"], at(rp, "write_tables"));
        }
        if (c.contains("deny_functions")) {
          function_names(c["deny_functions"], at(rp, "deny_functions"), ctx.deny_functions);
        }
        if (c.contains("default_schema")) {
          ctx.default_schema = string(c["default_schema"], at(rp, "default_schema"));
        }
        doc.contexts.emplace(name, std::move(ctx));
      }
    }
    return doc;
  }

  ActionDoc action(const json& v, const std::string& p) {
    ActionDoc doc;
    if (!table(v, p, {"high_risk", "require_approval", "deny", "approve"})) return doc;
    if (v.contains("high_risk")) {
      doc.high_risk = strings(v["high_risk"], at(p, "high_risk")).value_or(doc.high_risk);
    }
    if (v.contains("require_approval")) {
      doc.require_approval = boolean(v["require_approval"], at(p, "require_approval"));
    }
    for (const char* section : {"deny", "approve"}) {
      if (!v.contains(section)) continue;
      auto& out = std::string_view(section) == "deny" ? doc.deny : doc.approve;
      each_rule(v[section], at(p, section), [&](const json& r, const std::string& rp, size_t i) {
        if (!table(r, rp, {"id", "description", "actions", "modules"})) return;
        ActionRuleDoc rule;
        rule.pointer = rp;
        rule.id = rule_id(r, rp, "action." + std::string(section) + "[" + std::to_string(i) + "]");
        if (r.contains("description")) (void)string(r["description"], at(rp, "description"));
        if (!r.contains("actions")) {
          problem(at(rp, "actions"), "required", "missing required field 'actions'");
          return;
        }
        rule.actions = strings(r["actions"], at(rp, "actions")).value_or(rule.actions);
        if (r.contains("modules")) rule.modules = strings(r["modules"], at(rp, "modules"));
        out.push_back(std::move(rule));
      });
    }
    return doc;
  }

  std::optional<std::vector<uint32_t>> ports(const json& v, const std::string& pointer) {
    if (!v.is_array()) {
      problem(pointer, "type", "must be an array of port numbers, got " + type_name(v));
      return std::nullopt;
    }
    std::vector<uint32_t> out;
    for (size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_number_integer() || v[i].get<int64_t>() < 1 || v[i].get<int64_t>() > 65535) {
        problem(at(pointer, i), "port", "a port must be an integer from 1 to 65535");
        continue;
      }
      out.push_back(v[i].get<uint32_t>());
    }
    return out;
  }

  HttpRuleDoc http_rule(const json& r, const std::string& rp, const std::string& generated) {
    HttpRuleDoc rule;
    rule.pointer = rp;
    rule.id = rule_id(r, rp, generated);
    if (r.contains("description")) (void)string(r["description"], at(rp, "description"));
    if (r.contains("schemes")) rule.schemes = strings(r["schemes"], at(rp, "schemes"));
    if (r.contains("hosts")) rule.hosts = strings(r["hosts"], at(rp, "hosts"));
    if (r.contains("ports")) rule.ports = ports(r["ports"], at(rp, "ports"));
    if (r.contains("methods")) rule.methods = strings(r["methods"], at(rp, "methods"));
    if (r.contains("path_prefixes")) {
      rule.path_prefixes = strings(r["path_prefixes"], at(rp, "path_prefixes"));
      for (const auto& prefix : rule.path_prefixes.value_or(std::vector<std::string>{})) {
        if (prefix.empty() || prefix[0] != '/') {
          problem(at(rp, "path_prefixes"), "path_prefix",
                  "path prefix '" + prefix + "' must start with '/'");
        }
      }
    }
    return rule;
  }

  HttpDoc http(const json& v, const std::string& p) {
    HttpDoc doc;
    static constexpr const char* kLimits[] = {"max_request_bytes", "max_response_bytes",
                                              "max_redirects", "timeout_ms"};
    if (!table(v, p,
               {"allow", "deny", "max_request_bytes", "max_response_bytes", "max_redirects",
                "timeout_ms"})) {
      return doc;
    }
    for (const char* limit : kLimits) {
      if (!v.contains(limit)) continue;
      // TOML integers arrive signed: accept any integer that is not negative.
      if (!v[limit].is_number_integer() || v[limit].get<int64_t>() < 0) {
        problem(at(p, limit), "type", "must be a non-negative integer, got " + type_name(v[limit]));
        continue;
      }
      doc.limits.emplace_back(limit, v[limit].get<uint64_t>());
    }
    static constexpr std::initializer_list<const char*> kFields = {
        "id", "description", "schemes", "hosts", "ports", "methods", "path_prefixes"};
    if (v.contains("allow")) {
      doc.allow.emplace();
      each_rule(v["allow"], at(p, "allow"), [&](const json& r, const std::string& rp, size_t i) {
        if (!table(r, rp, kFields)) return;
        if (!r.contains("hosts")) {
          problem(at(rp, "hosts"), "required", "missing required field 'hosts'");
          return;
        }
        doc.allow->push_back(http_rule(r, rp, "http.allow[" + std::to_string(i) + "]"));
      });
    }
    if (v.contains("deny")) {
      each_rule(v["deny"], at(p, "deny"), [&](const json& r, const std::string& rp, size_t i) {
        if (!table(r, rp, kFields)) return;
        doc.deny.push_back(http_rule(r, rp, "http.deny[" + std::to_string(i) + "]"));
      });
    }
    return doc;
  }

 private:
  std::string layer_;
  std::string source_;
  const Vars& fixed_;
  Problems& problems_;
};

}  // namespace

LayerDoc parse_layer(const std::string& name, const std::string& source,
                     const nlohmann::json& document, const Vars& fixed_vars, Problems& problems) {
  LayerDoc layer;
  layer.name = name;
  layer.source = source;
  Reader r(name, source, fixed_vars, problems);
  if (!r.table(document, "",
               {"version", "description", "command", "path", "sql", "action", "http"})) {
    return layer;
  }
  if (document.contains("version")) {
    const json& v = document["version"];
    if (!v.is_number_integer() || v.get<int64_t>() != 1) {
      r.problem(
          "/version", "version",
          "unsupported policy document version " + v.dump() + " (this plugin reads version 1)");
    }
  }
  if (document.contains("description")) (void)r.string(document["description"], "/description");
  if (document.contains("command")) layer.command = r.command(document["command"], "/command");
  if (document.contains("path")) layer.path = r.path(document["path"], "/path");
  if (document.contains("sql")) layer.sql = r.sql(document["sql"], "/sql");
  if (document.contains("action")) layer.action = r.action(document["action"], "/action");
  if (document.contains("http")) layer.http = r.http(document["http"], "/http");
  return layer;
}

}  // namespace agentsys::policy
