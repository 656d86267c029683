#pragma once
// One policy layer (a policy document, e.g. config/policy/prod.toml converted to JSON), parsed
// and checked field by field. Every problem is collected with the layer's source and the field's
// JSON pointer; nothing is compiled here (regexes and paths are compiled by the *_policy files).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "placeholder.hpp"
#include "problems.hpp"

namespace agentsys::policy {

/// A template value and where it sits in its document.
struct TemplateField {
  Template value;
  std::string pointer;
};

struct CommandAllowDoc {
  std::string id;
  std::string pointer;
  TemplateField executable;
  std::vector<TemplateField> script_roots;  ///< when set, argv[1] must be a script under one
  std::vector<TemplateField> args;          ///< positional regexes (full match)
  std::optional<TemplateField> more_args;   ///< regex for every further argument
  bool inline_code = false;                 ///< this rule may run inline code (e.g. sh -c)
};

struct CommandDenyDoc {
  std::string id;
  std::string pointer;
  TemplateField executable;
  std::optional<TemplateField> any_arg;  ///< deny only when some argument matches
};

struct CommandDoc {
  std::optional<std::vector<std::string>> search_path;  ///< "path": where names are looked up
  std::optional<std::vector<std::string>> env_allow;
  std::optional<std::vector<CommandAllowDoc>> allow;  ///< present (even empty) = constrains
  std::vector<CommandDenyDoc> deny;
};

struct PathRuleDoc {
  std::string id;
  std::string pointer;
  bool read = false;
  bool write = false;
  std::vector<TemplateField> roots;
  std::vector<std::string> names;  ///< deny only: glob patterns matched against each component
};

struct PathDoc {
  std::optional<std::vector<PathRuleDoc>> allow;
  std::vector<PathRuleDoc> deny;
};

struct SqlContextDoc {
  std::string pointer;
  std::optional<bool> read_write;  ///< "mode": "read_write" (true) or "read_only" (false)
  std::optional<std::vector<std::string>> tables;
  std::optional<std::vector<std::string>> write_tables;
  std::vector<std::string> deny_functions;
  std::optional<std::string> default_schema;
};

struct SqlDoc {
  std::vector<std::string> deny_functions;
  std::map<std::string, SqlContextDoc> contexts;
};

struct ActionRuleDoc {
  std::string id;
  std::string pointer;
  std::vector<std::string> actions;  ///< "*" matches every action
  std::optional<std::vector<std::string>> modules;
};

struct ActionDoc {
  std::vector<std::string> high_risk;
  std::optional<bool> require_approval;
  std::vector<ActionRuleDoc> deny;
  std::vector<ActionRuleDoc> approve;
};

/// An http rule: every field given must match; an omitted field matches anything.
struct HttpRuleDoc {
  std::string id;
  std::string pointer;
  std::optional<std::vector<std::string>> schemes;
  std::optional<std::vector<std::string>> hosts;  ///< "name", "*.suffix", "10.0.0.0/8", "::1"
  std::optional<std::vector<uint32_t>> ports;
  std::optional<std::vector<std::string>> methods;  ///< upper case, or "*"
  std::optional<std::vector<std::string>> path_prefixes;
};

struct HttpDoc {
  std::optional<std::vector<HttpRuleDoc>> allow;  ///< present (even empty) = constrains
  std::vector<HttpRuleDoc> deny;
  std::vector<std::pair<std::string, uint64_t>> limits;  ///< max_response_bytes ...
};

struct LayerDoc {
  std::string name;    ///< e.g. "base", "prod", "module:report_orchestrator"
  std::string source;  ///< e.g. "config/policy/prod.toml"
  std::optional<CommandDoc> command;
  std::optional<PathDoc> path;
  std::optional<SqlDoc> sql;
  std::optional<ActionDoc> action;
  std::optional<HttpDoc> http;
};

/// Parses one layer. Problems are added to `problems`; the returned document holds whatever was
/// readable. `fixed_vars` lists the placeholder names known besides the well-known ones.
[[nodiscard]] LayerDoc parse_layer(const std::string& name, const std::string& source,
                                   const nlohmann::json& document, const Vars& fixed_vars,
                                   Problems& problems);

}  // namespace agentsys::policy
