#include "command_policy.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <array>

#include "inline_interpreter.hpp"
#include "path_canon.hpp"
#include "path_policy.hpp"
#include "utf8.hpp"

namespace agentsys::policy {

namespace {

constexpr size_t kMaxArgs = 1024;
// Bounded so a pattern match stays cheap (and libstdc++'s recursive matcher stays shallow).
constexpr size_t kMaxArgBytes = 4096;
constexpr std::array<std::string_view, 3> kDefaultSearchPath = {"/usr/local/bin", "/usr/bin",
                                                                "/bin"};

/// Variables that change what a program loads or executes before it reads its own arguments.
bool dangerous_env(std::string_view name) {
  static constexpr std::array<std::string_view, 24> kNames = {
      "BASH_ENV",         "ENV",          "SHELLOPTS",     "BASHOPTS",      "PS4",
      "PROMPT_COMMAND",   "IFS",          "GLOBIGNORE",    "PERL5OPT",      "PERL5LIB",
      "PERLLIB",          "PERL5DB",      "PYTHONSTARTUP", "PYTHONINSPECT", "PYTHONHOME",
      "PYTHONBREAKPOINT", "NODE_OPTIONS", "NODE_PATH",     "RUBYOPT",       "RUBYLIB",
      "GCONV_PATH",       "LOCPATH",      "HOSTALIASES",   "NLSPATH"};
  if (name.rfind("LD_", 0) == 0 || name.rfind("BASH_FUNC_", 0) == 0) return true;
  return std::find(kNames.begin(), kNames.end(), name) != kNames.end();
}

bool executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) != 0;
}

std::string in_quotes(std::string_view s) { return "'" + std::string(s) + "'"; }

}  // namespace

CommandPolicy::Executable CommandPolicy::make_executable(const TemplateField& field,
                                                         const Vars& fixed) {
  Executable exe;
  exe.spec = field.value.source();
  if (!field.value.resolvable_with(fixed)) {
    exe.dynamic = field.value;
    return exe;
  }
  std::string missing;
  auto spec = field.value.expand(VarScope{&fixed, nullptr}, Escape::none, missing);
  if (!spec) return exe;
  exe.resolved = resolve(*spec, std::nullopt, true);
  if (exe.resolved.empty()) return exe;  // not installed here: the rule matches nothing
  known_[exe.resolved] = exe.resolved;
  if (spec->find('/') != std::string::npos) {
    known_[canonicalize(*spec, false).path] = exe.resolved;
  } else {
    known_[*spec] = exe.resolved;
    for (const auto& dir : search_path_) {
      const std::string candidate = dir + "/" + *spec;
      if (executable_file(candidate)) known_[candidate] = canonicalize(candidate, true).path;
    }
  }
  return exe;
}

void CommandPolicy::build(const std::vector<LayerDoc>& layers, const Vars& fixed,
                          Problems& problems) {
  // Search path and env allowlist: the first layer that sets them, narrowed by each later one.
  bool path_set = false;
  bool env_set = false;
  for (const auto& doc : layers) {
    if (!doc.command) continue;
    if (doc.command->search_path) {
      if (!path_set) {
        search_path_ = *doc.command->search_path;
        path_set = true;
      } else {
        const auto& later = *doc.command->search_path;
        std::erase_if(search_path_, [&](const std::string& d) {
          return std::find(later.begin(), later.end(), d) == later.end();
        });
      }
    }
    if (doc.command->env_allow) {
      std::set<std::string, std::less<>> names(doc.command->env_allow->begin(),
                                               doc.command->env_allow->end());
      if (!env_set) {
        env_allow_ = std::move(names);
        env_set = true;
      } else {
        std::erase_if(env_allow_, [&](const std::string& n) { return !names.contains(n); });
      }
    }
  }
  if (!path_set) search_path_.assign(kDefaultSearchPath.begin(), kDefaultSearchPath.end());
  for (const auto& d : search_path_) {
    search_path_text_ += (search_path_text_.empty() ? "" : ":") + d;
  }
  env_allow_.erase("PATH");  // always the policy's own

  auto pattern = [&](const LayerDoc& doc, const TemplateField& f) -> std::optional<Pattern> {
    std::string error;
    auto p = Pattern::compile(f, fixed, error);
    if (!p) problems.add(doc.source, f.pointer, "regex", error);
    return p;
  };
  for (const auto& doc : layers) {
    if (!doc.command) continue;
    for (const auto& d : doc.command->deny) {
      Deny rule{d.id, doc.name, make_executable(d.executable, fixed), {}};
      if (d.any_arg) rule.any_arg = pattern(doc, *d.any_arg);
      deny_.push_back(std::move(rule));
    }
    if (!doc.command->allow) continue;
    Layer layer{doc.name, {}};
    for (const auto& a : *doc.command->allow) {
      Allow rule;
      rule.id = a.id;
      rule.layer = doc.name;
      rule.exe = make_executable(a.executable, fixed);
      rule.has_script = !a.script_roots.empty();
      rule.script_roots.add(a.script_roots, fixed);
      for (const auto& f : a.args) {
        if (auto p = pattern(doc, f)) rule.args.push_back(std::move(*p));
      }
      if (a.more_args) rule.more_args = pattern(doc, *a.more_args);
      rule.inline_code = a.inline_code;
      layer.allow.push_back(std::move(rule));
    }
    layers_.push_back(std::move(layer));
  }
}

std::string CommandPolicy::resolve(std::string_view program, const std::optional<std::string>& cwd,
                                   bool use_filesystem) const {
  if (program.find('/') != std::string_view::npos) {
    std::string path;
    if (program[0] == '/') {
      path.assign(program);
    } else if (cwd && !cwd->empty() && (*cwd)[0] == '/') {
      path = join_path(*cwd, program);
    } else {
      return {};  // "./tool" without a working directory: nothing to resolve against
    }
    if (!use_filesystem) {
      std::string lexical = canonicalize(path, false).path;
      auto it = known_.find(lexical);
      return it != known_.end() ? it->second : lexical;
    }
    CanonResult c = canonicalize(path, true);
    return c.status == CanonStatus::ok && executable_file(c.path) ? c.path : std::string();
  }
  if (!use_filesystem) {
    auto it = known_.find(program);
    return it != known_.end() ? it->second : std::string();
  }
  for (const auto& dir : search_path_) {
    std::string candidate = dir + "/" + std::string(program);
    if (!executable_file(candidate)) continue;
    CanonResult c = canonicalize(candidate, true);
    if (c.status == CanonStatus::ok) return c.path;
  }
  return {};
}

bool CommandPolicy::exe_matches(const Executable& exe, const std::string& resolved,
                                const VarScope& scope, bool use_filesystem) const {
  if (!exe.dynamic) return !exe.resolved.empty() && exe.resolved == resolved;
  std::string missing;
  auto spec = exe.dynamic->expand(scope, Escape::none, missing);
  if (!spec) return false;
  const std::string r = resolve(*spec, std::nullopt, use_filesystem);
  return !r.empty() && r == resolved;
}

const std::string* CommandPolicy::script_path(const CommandRequest& request, bool use_filesystem,
                                              Script& script) {
  if (!script.done) {
    script.done = true;
    const std::string& arg = request.argv[1];
    std::string joined;
    std::string_view path = arg;
    if (arg[0] != '/') {
      if (!request.cwd || request.cwd->empty() || (*request.cwd)[0] != '/') {
        return nullptr;  // a relative script needs a working directory to be located
      }
      joined = join_path(*request.cwd, arg);
      path = joined;
    }
    CanonResult c = canonicalize(path, use_filesystem);
    script.ok = c.status == CanonStatus::ok;
    script.path = std::move(c.path);
  }
  return script.ok ? &script.path : nullptr;
}

bool CommandPolicy::args_match(const Allow& rule, const CommandRequest& request,
                               const VarScope& scope, bool use_filesystem, Script& script) const {
  const auto& argv = request.argv;
  size_t next = 1;
  if (rule.has_script) {
    if (argv.size() < 2 || argv[1].empty() || argv[1][0] == '-') return false;
    const std::string* path = script_path(request, use_filesystem, script);
    std::string missing;
    if (path == nullptr || rule.script_roots.contains(*path, scope, use_filesystem, missing) !=
                               RootList::Match::inside) {
      return false;
    }
    next = 2;
  }
  if (argv.size() < next + rule.args.size()) return false;
  for (size_t i = 0; i < rule.args.size(); ++i) {
    if (!rule.args[i].matches(argv[next + i], scope)) return false;
  }
  for (size_t i = next + rule.args.size(); i < argv.size(); ++i) {
    if (!rule.more_args || !rule.more_args->matches(argv[i], scope)) return false;
  }
  return true;
}

Decision CommandPolicy::decide(const CommandRequest& request, const VarScope& scope,
                               const PathPolicy& paths, bool use_filesystem) const {
  const auto& argv = request.argv;
  if (argv.empty() || argv[0].empty()) {
    return Decision::deny("command.empty_argv", "the command has no program (argv[0] is empty)");
  }
  if (argv.size() > kMaxArgs) {
    return Decision::deny("command.too_many_args",
                          "the command has " + std::to_string(argv.size()) +
                              " arguments (at most " + std::to_string(kMaxArgs) + ")");
  }
  for (size_t i = 0; i < argv.size(); ++i) {
    auto where = [i] { return "argv[" + std::to_string(i) + "]"; };
    if (has_nul(argv[i])) {
      return Decision::deny("command.nul_byte", where() + " contains a NUL byte");
    }
    if (!is_valid_utf8(argv[i])) {
      return Decision::deny("command.invalid_utf8", where() + " is not valid UTF-8");
    }
    if (argv[i].size() > kMaxArgBytes) {
      return Decision::deny("command.arg_too_long", where() + " is longer than 4096 bytes");
    }
  }
  for (const auto& [name, value] : request.env) {
    if (has_nul(name) || has_nul(value) || name.find('=') != std::string::npos || name.empty()) {
      return Decision::deny("command.bad_env",
                            "environment variable " + in_quotes(name) +
                                " has an empty name, a '=' in its name or a NUL byte");
    }
    if (!is_valid_utf8(name) || !is_valid_utf8(value)) {
      return Decision::deny("command.invalid_utf8",
                            "environment variable " + in_quotes(name) + " is not valid UTF-8");
    }
    if (dangerous_env(name)) {
      return Decision::deny("command.dangerous_env",
                            "environment variable " + name +
                                " changes what the program loads or runs and is never passed");
    }
  }
  if (layers_.empty()) {
    return Decision::deny("default.deny", "no policy layer allows any command; denied by default");
  }
  std::string resolved = resolve(argv[0], request.cwd, use_filesystem);
  if (resolved.empty()) {
    // An inline interpreter that is not even installed is still reported as what it is.
    if (auto why = inline_code_reason(argv, {})) {
      return Decision::deny("command.inline_interpreter",
                            *why +
                                "; inline code is denied unless a rule allows it "
                                "(inline_code = true)");
    }
    return Decision::deny("command.not_found",
                          in_quotes(argv[0]) +
                              " is not an executable on the policy's search path (" +
                              search_path_text_ + ")");
  }
  std::string cwd;
  if (request.cwd) {
    Decision d =
        paths.decide(PathRequest{*request.cwd, Access::read, std::nullopt}, scope, use_filesystem);
    if (d.verdict != Verdict::allow) {
      d.reason = "working directory: " + d.reason;
      d.resolved = resolved;
      return d;
    }
    cwd = std::move(d.canonical);
  }
  for (const auto& rule : deny_) {
    if (!exe_matches(rule.exe, resolved, scope, use_filesystem)) continue;
    bool hit = !rule.any_arg;
    for (size_t i = 1; !hit && i < argv.size(); ++i) hit = rule.any_arg->matches(argv[i], scope);
    if (hit) {
      Decision d =
          Decision::deny(rule.id, resolved + " is denied by " + rule.id + " (" + rule.layer + ")");
      d.resolved = resolved;
      return d;
    }
  }

  // Every declaring layer must grant the command; remember why a layer did not.
  Script script;
  const Allow* granted = nullptr;
  const Layer* refused = nullptr;
  bool refused_knows_exe = false;
  bool all_inline = true;
  for (const auto& layer : layers_) {
    const Allow* match = nullptr;
    bool knows_exe = false;
    for (const auto& rule : layer.allow) {
      if (!exe_matches(rule.exe, resolved, scope, use_filesystem)) continue;
      knows_exe = true;
      if (args_match(rule, request, scope, use_filesystem, script)) {
        match = &rule;
        break;
      }
    }
    if (match == nullptr) {
      if (refused == nullptr) {
        refused = &layer;
        refused_knows_exe = knows_exe;
      }
      continue;
    }
    all_inline = all_inline && match->inline_code;
    granted = match;
  }
  if (auto why = inline_code_reason(argv, resolved); why && (refused != nullptr || !all_inline)) {
    Decision d = Decision::deny("command.inline_interpreter",
                                *why +
                                    "; inline code is denied unless a rule allows it "
                                    "(inline_code = true)");
    d.resolved = resolved;
    return d;
  }
  if (refused != nullptr) {
    Decision d = refused_knows_exe
                     ? Decision::deny("command.args_not_allowed",
                                      "the arguments of " + resolved +
                                          " match no allow rule of layer '" + refused->name + "'")
                     : Decision::deny(
                           "command.not_allowlisted",
                           resolved + " is not on the allowlist of layer '" + refused->name + "'");
    d.resolved = resolved;
    return d;
  }

  Decision d = Decision::allow(
      granted->id, concat({resolved, " with these arguments is allowed by ", granted->id}));
  d.resolved = std::move(resolved);
  d.canonical = std::move(cwd);
  EnvList env;
  env.reserve(request.env.size() + 1);
  for (const auto& [name, value] : request.env) {
    if (env_allow_.contains(name)) {
      env.emplace_back(name, value);
    } else if (name != "PATH" || value != search_path_text_) {
      d.env_dropped.push_back(name);
    }
  }
  env.emplace_back("PATH", search_path_text_);
  d.env = std::move(env);
  return d;
}

nlohmann::json CommandPolicy::describe() const {
  auto exe_json = [](const Executable& e) {
    nlohmann::json j{{"executable", e.spec}};
    j["resolved"] =
        e.dynamic ? nlohmann::json("(per call)")
                  : (e.resolved.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.resolved));
    return j;
  };
  nlohmann::json out{{"path", search_path_},
                     {"env_allow", std::vector<std::string>(env_allow_.begin(), env_allow_.end())},
                     {"deny", nlohmann::json::array()},
                     {"allow_layers", nlohmann::json::array()}};
  for (const auto& r : deny_) {
    nlohmann::json j = exe_json(r.exe);
    j["id"] = r.id;
    j["layer"] = r.layer;
    if (r.any_arg) j["any_arg"] = r.any_arg->source();
    out["deny"].push_back(j);
  }
  for (const auto& l : layers_) {
    nlohmann::json rules = nlohmann::json::array();
    for (const auto& r : l.allow) {
      nlohmann::json j = exe_json(r.exe);
      j["id"] = r.id;
      if (r.has_script) j["script_roots"] = r.script_roots.to_json();
      nlohmann::json args = nlohmann::json::array();
      for (const auto& a : r.args) args.push_back(a.source());
      j["args"] = args;
      j["more_args"] =
          r.more_args ? nlohmann::json(r.more_args->source()) : nlohmann::json(nullptr);
      j["inline_code"] = r.inline_code;
      rules.push_back(j);
    }
    out["allow_layers"].push_back({{"layer", l.name}, {"allow", rules}});
  }
  return out;
}

}  // namespace agentsys::policy
