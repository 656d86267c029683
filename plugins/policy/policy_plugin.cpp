// policy: the cross-cutting policy plugin (kind policy, impl none, no modules, thread-safe).
// It decides whether a side effect may happen: allow, deny or needs_approval, with the id of
// the rule that decided and a reason. The engine is in agentsys_policy_engine (engine.hpp);
// docs/policy.md explains the model and the document format.
//
// CONTRACT (the kernel is written against exactly this)
//
// on_create config (a JSON object; unknown fields are refused):
//   {"env": "prod",                                    informational, shown by describe
//    "vars": {"state_dir": "/abs", "config_dir": "/abs", "repo_root": "/abs", "home": "/abs",
//             "script_dirs": ["/abs", ...], ...},      fixed placeholder values (string or
//                                                      array of strings)
//    "layers": [{"name": "base", "source": "config/policy/base.toml",
//                "document": {...the policy document as JSON...}}, ...]}
//   Layers run from the broadest to the narrowest (base < env < module files) and merge with
//   deny-overrides: any layer's deny wins; a request is allowed only when EVERY layer that
//   declares allows for its kind (path: its access; sql: its context) allows it; a later layer
//   can add denies and narrow allows but never widen. No layers, or a kind no layer declares
//   -> deny with rule "default.deny". A bad configuration fails with AS_ERR_INVALID_INPUT and
//   one line per problem: "<source>: <field path>: <message>", e.g.
//   "config/policy/prod.toml: command.allow[2].args[0]: invalid regex '(': missing )".
//
// Actions (call.action; call.module is ignored). Unknown action -> AS_ERR_UNSUPPORTED. Input
// that is not JSON, an unknown kind, or a missing/mistyped field -> AS_ERR_INVALID_INPUT (a
// malformed request is not a deny).
//
//   decide    input: {"kind": "command"|"path"|"sql"|"action",
//                     "vars": {"run_dir": "/abs", ...},  optional per-call placeholder values;
//                                                        a value fixed in the config cannot be
//                                                        changed (AS_ERR_INVALID_INPUT)
//                     ...kind fields}
//              command: "argv": ["python3", "x.py"] (non-empty), "env": {"K": "V"} (optional),
//                       "cwd": "/abs" (optional; checked as a path read)
//              path:    "path": "...", "access": "read"|"write", "cwd": "/abs" (optional: base
//                       of a relative path)
//              sql:     "sql": "...", "context": "read_only" (default) or another context the
//                       policy defines (e.g. "read_write")
//              action:  "action": "publish", "module": "report_orchestrator" (optional)
//            output: {"decision": "allow"|"deny"|"needs_approval", "rule": "<rule id>",
//                     "reason": "<one sentence>", ...}
//              command adds "resolved": "/usr/bin/python3.11" (the canonical executable the
//                host must run; resolved with the POLICY's search path, never the caller's
//                PATH) and, when allowed, "env": {...scrubbed, PATH = the policy's search
//                path}, "env_dropped": ["NAME", ...], "cwd": "/canonical" (when given)
//              path adds "canonical": "/canonical/path" (the host must use this path)
//              sql adds "tables": ["main.task_runs", ...] and "statement": "SELECT"
//            Built-in rule ids: default.deny; command.{empty_argv, too_many_args, nul_byte,
//            invalid_utf8, arg_too_long, bad_env, dangerous_env, not_found,
//            inline_interpreter, not_allowlisted, args_not_allowed}; path.{nul_byte,
//            invalid_utf8, control_character, encoded_traversal, not_absolute, too_long,
//            symlink_loop, unresolvable, unresolved_placeholder, outside_roots};
//            sql.{nul_byte, invalid_utf8, too_long, unknown_context, parse_error, empty,
//            multiple_statements, not_select, missing_where, data_modifying_cte, select_into,
//            locking_clause, denied_function, table_not_allowed, write_not_allowed} and
//            "sql.<context>" for an allowed statement; action.{high_risk, allow}. Rules from
//            documents carry their own "id" or a generated "<layer>:<section>[<index>]".
//
//   validate  input: a config object of the same shape as on_create's.
//            output: {"ok": true} or {"ok": false, "problems": [{"source":
//              "config/policy/prod.toml", "path": "/command/allow/2/args/0", "rule": "regex",
//              "message": "invalid regex '(': missing )"}, ...]} -- every problem, not the first.
//
//   describe  input ignored. output: the merged effective policy (layers, vars, and per kind
//            the deny rules, the allow rules of each declaring layer, the effective search
//            path, env allowlist, SQL contexts with their effective tables and functions, the
//            high-risk actions and whether they need approval).
#include <agentsys/plugin.hpp>

#include <memory>
#include <nlohmann/json.hpp>

#include "engine.hpp"

namespace {

using agentsys::Error;
using json = nlohmann::json;

json parse_input(std::string_view text, const char* what) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    throw Error(AS_ERR_INVALID_INPUT, std::string(what) + " is not valid JSON (UTF-8)");
  }
  return j;
}

class PolicyPlugin {
 public:
  PolicyPlugin(agentsys::Host host, std::string_view config_json) : host_(host) {
    const json config =
        config_json.empty() ? json::object() : parse_input(config_json, "the policy config");
    agentsys::policy::Problems problems;
    engine_ = agentsys::policy::Engine::build(config, problems);
    if (!engine_) throw Error(AS_ERR_INVALID_INPUT, problems.text());
  }

  // Thread-safe: the engine is immutable after construction.
  std::string invoke(const agentsys::Call& call) {
    const std::string_view action = call.action();
    if (action == "decide") {
      try {
        return engine_->decide_json(parse_input(call.input(), "the decide request")).dump();
      } catch (const agentsys::policy::RequestError& e) {
        throw Error(AS_ERR_INVALID_INPUT, std::string("decide: ") + e.what());
      }
    }
    if (action == "validate") {
      return agentsys::policy::validate_config(parse_input(call.input(), "the config")).dump();
    }
    if (action == "describe") return engine_->describe().dump();
    throw Error(AS_ERR_UNSUPPORTED, "policy: unknown action '" + std::string(action) +
                                        "' (supported: decide, validate, describe)");
  }

 private:
  agentsys::Host host_;
  std::unique_ptr<const agentsys::policy::Engine> engine_;
};

}  // namespace

AS_PLUGIN_ENTRY(PolicyPlugin, .name = "policy", .version = "1.0.0",
                .description = "Policy decisions for commands, paths, SQL and high-risk actions",
                .kind = AS_PLUGIN_KIND_POLICY, .impl = AS_IMPL_NONE, .modules = {},
                .thread_safe = true)
