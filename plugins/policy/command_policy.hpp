#pragma once
// Command decisions. argv[0] is resolved to an absolute canonical path with the POLICY's search
// path (never the caller's PATH), then, in this order:
//   1. malformed input (NUL, invalid UTF-8, too many/too long arguments), a dangerous
//      environment variable (LD_PRELOAD, BASH_ENV, ...) -> deny;
//   2. no layer declares command.allow -> "default.deny"; argv[0] not found -> "command.not_found";
//   3. the working directory must be readable under the path policy;
//   4. a deny rule of any layer matching the executable (and any_arg) -> deny with its id;
//   5. inline code (sh -c, python3 -c, env ... sh -c, ...) -> "command.inline_interpreter"
//      unless the allow rules that grant the command say inline_code = true;
//   6. every layer that declares command.allow must have a rule matching executable, script
//      and arguments -> otherwise "command.not_allowlisted" / "command.args_not_allowed".
// The environment is scrubbed to the names every declaring layer allows; PATH is always set to
// the policy's search path.
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "decision.hpp"
#include "pattern.hpp"
#include "policy_document.hpp"
#include "problems.hpp"
#include "root_list.hpp"

namespace agentsys::policy {

class PathPolicy;

class CommandPolicy {
 public:
  void build(const std::vector<LayerDoc>& layers, const Vars& fixed, Problems& problems);

  [[nodiscard]] Decision decide(const CommandRequest& request, const VarScope& scope,
                                const PathPolicy& paths, bool use_filesystem) const;
  [[nodiscard]] nlohmann::json describe() const;

 private:
  /// A rule's executable: resolved once when fixed, else per call.
  struct Executable {
    std::string spec;      // as written
    std::string resolved;  // canonical path; empty when not found (the rule then matches nothing)
    std::optional<Template> dynamic;
  };
  struct Allow {
    std::string id;
    std::string layer;
    Executable exe;
    RootList script_roots;
    bool has_script = false;
    std::vector<Pattern> args;
    std::optional<Pattern> more_args;
    bool inline_code = false;
  };
  struct Deny {
    std::string id;
    std::string layer;
    Executable exe;
    std::optional<Pattern> any_arg;
  };
  struct Layer {
    std::string name;
    std::vector<Allow> allow;
  };
  /// argv[1] as a script, canonicalised when a rule first needs it and then shared by every
  /// rule of the decision.
  struct Script {
    bool done = false;
    bool ok = false;   // located and canonicalised
    std::string path;  // canonical when ok
  };

  [[nodiscard]] std::string resolve(std::string_view program, const std::optional<std::string>& cwd,
                                    bool use_filesystem) const;
  [[nodiscard]] bool exe_matches(const Executable& exe, const std::string& resolved,
                                 const VarScope& scope, bool use_filesystem) const;
  [[nodiscard]] bool args_match(const Allow& rule, const CommandRequest& request,
                                const VarScope& scope, bool use_filesystem, Script& script) const;
  [[nodiscard]] static const std::string* script_path(const CommandRequest& request,
                                                      bool use_filesystem, Script& script);
  Executable make_executable(const TemplateField& field, const Vars& fixed);

  std::vector<std::string> search_path_;
  std::string search_path_text_;  // joined with ':' for the child's PATH
  std::set<std::string, std::less<>> env_allow_;
  std::vector<Layer> layers_;  // only the layers that declare command.allow
  std::vector<Deny> deny_;
  // Executables of the rules, resolved when the policy was built: name or path -> canonical.
  // Used instead of the filesystem when deciding without it.
  std::map<std::string, std::string, std::less<>> known_;
};

}  // namespace agentsys::policy
