#pragma once
// The policy engine: the merged layers of one configuration, deciding command, path, SQL and
// action requests, and HTTP requests. Immutable once built, so decisions may run concurrently.
//
// Layering (deny-overrides; see docs/policy.md): a deny rule of ANY layer wins; a request is
// allowed only if EVERY layer that declares allow rules for its kind (for paths: its access;
// for SQL: its context) allows it; a kind that no layer declares is denied ("default.deny").
// A later, narrower layer can therefore add denies and narrow allows, but never widen.
#include <memory>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "action_policy.hpp"
#include "command_policy.hpp"
#include "decision.hpp"
#include "http_policy.hpp"
#include "path_policy.hpp"
#include "policy_config.hpp"
#include "problems.hpp"
#include "sql_policy.hpp"

namespace agentsys::policy {

struct EngineOptions {
  /// false: decide without any system call. Paths are canonicalised lexically (symlinks are
  /// not followed) and executables are found only among those the policy resolved when it was
  /// built. For callers that hand over already-canonical paths, and for benchmarks.
  bool use_filesystem = true;
};

/// A request that is malformed (unknown kind, missing or mistyped field): not a deny.
class RequestError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Engine {
 public:
  /// Builds the engine, or returns nullptr with every problem in `problems`.
  static std::unique_ptr<Engine> build(const nlohmann::json& config, Problems& problems,
                                       EngineOptions options = {});

  [[nodiscard]] Decision decide(const CommandRequest& r, const Vars& call_vars = {}) const;
  [[nodiscard]] Decision decide(const PathRequest& r, const Vars& call_vars = {}) const;
  [[nodiscard]] Decision decide(const SqlRequest& r) const;
  [[nodiscard]] Decision decide(const ActionRequest& r) const;
  [[nodiscard]] Decision decide(const HttpRequest& r) const;

  /// The plugin's `decide` action: request JSON in, decision JSON out. Throws RequestError.
  [[nodiscard]] nlohmann::json decide_json(const nlohmann::json& request) const;
  /// The merged effective policy.
  [[nodiscard]] nlohmann::json describe() const;

  /// {"decision", "rule", "reason", ...kind-specific fields}.
  [[nodiscard]] static nlohmann::json to_json(const Decision& d, std::string_view kind);

 private:
  Engine() = default;
  [[nodiscard]] VarScope scope(const Vars& call_vars) const;

  EngineOptions options_;
  std::string env_;
  Vars vars_;
  std::vector<std::string> layer_names_;
  std::vector<std::string> layer_sources_;
  CommandPolicy command_;
  PathPolicy path_;
  SqlPolicy sql_;
  ActionPolicy action_;
  HttpPolicy http_;
};

/// The plugin's `validate` action: {"ok": true} or {"ok": false, "problems": [...]}.
[[nodiscard]] nlohmann::json validate_config(const nlohmann::json& config);

}  // namespace agentsys::policy
