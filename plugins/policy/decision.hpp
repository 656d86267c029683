#pragma once
// A policy decision and the typed requests the engine decides on. The JSON forms live in
// engine.cpp (request parsing) and decision_json (to_json below).
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "placeholder.hpp"

namespace agentsys::policy {

enum class Verdict { allow, deny, needs_approval };

[[nodiscard]] constexpr std::string_view verdict_name(Verdict v) noexcept {
  switch (v) {
    case Verdict::allow: return "allow";
    case Verdict::deny: return "deny";
    case Verdict::needs_approval: return "needs_approval";
  }
  return "deny";
}

/// `parts` joined with one allocation: for the reasons of decisions, built on every call.
[[nodiscard]] inline std::string concat(std::initializer_list<std::string_view> parts) {
  size_t size = 0;
  for (const auto part : parts) size += part.size();
  std::string out;
  out.reserve(size);
  for (const auto part : parts) out += part;
  return out;
}

enum class Access { read, write };

[[nodiscard]] constexpr std::string_view access_name(Access a) noexcept {
  return a == Access::read ? "read" : "write";
}

using EnvList = std::vector<std::pair<std::string, std::string>>;

struct Decision {
  Verdict verdict = Verdict::deny;
  std::string rule;    ///< the id of the rule that decided, e.g. "path.outside_roots"
  std::string reason;  ///< one sentence for a human
  // Kind-specific details (empty when not applicable):
  std::string resolved;                  ///< command: absolute canonical executable
  std::optional<EnvList> env;            ///< command: the scrubbed environment
  std::vector<std::string> env_dropped;  ///< command: names removed by the scrub
  std::string canonical;                 ///< path: the canonical path; command: the cwd
  std::vector<std::string> tables;       ///< sql: tables referenced (normalised)
  std::string statement;                 ///< sql: "SELECT", "DELETE", "COPY", ...
  /// http: the ceilings the host must enforce (max_response_bytes ...), narrowest layer wins.
  std::vector<std::pair<std::string, uint64_t>> limits;

  static Decision allow(std::string rule, std::string reason) {
    return {Verdict::allow, std::move(rule), std::move(reason), {}, {}, {}, {}, {}, {}, {}};
  }
  static Decision deny(std::string rule, std::string reason) {
    return {Verdict::deny, std::move(rule), std::move(reason), {}, {}, {}, {}, {}, {}, {}};
  }
  static Decision needs_approval(std::string rule, std::string reason) {
    return {
        Verdict::needs_approval, std::move(rule), std::move(reason), {}, {}, {}, {}, {}, {}, {}};
  }
};

struct CommandRequest {
  std::vector<std::string> argv;
  EnvList env;
  std::optional<std::string> cwd;
};

struct PathRequest {
  std::string path;
  Access access = Access::read;
  std::optional<std::string> cwd;  ///< base for a relative path
};

struct SqlRequest {
  std::string sql;
  std::string context = "read_only";
};

/// An HTTP request as the kernel split it (one URL parser: the HTTP client's own).
struct HttpRequest {
  std::string method;  ///< upper case, e.g. "GET"
  std::string scheme;  ///< "http" or "https"
  std::string host;    ///< lower case; an IPv6 literal without brackets
  uint32_t port = 0;
  std::string path;  ///< starts with '/', without the query
};

struct ActionRequest {
  std::string action;
  std::string module;
};

}  // namespace agentsys::policy
