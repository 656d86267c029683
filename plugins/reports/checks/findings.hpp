#pragma once
// What a configuration check answers the kernel (ABI 1.3 on_validate_config): problems at JSON
// pointers into the effective configuration, which the kernel locates at their file and line,
// and questions for the policy about what the configuration names.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace agentsys::reports::checks {

/// `base` + "/" + `token`, the token escaped as RFC 6901 says ("~" -> "~0", "/" -> "~1").
std::string pointer_append(std::string_view base, std::string_view token);

struct Findings {
  nlohmann::json problems = nlohmann::json::array();
  nlohmann::json policy_checks = nlohmann::json::array();

  void problem(std::string path, std::string rule, std::string message);
  /// Asks the kernel to decide `request` (a policy_check request) for the value at `path`;
  /// `what` completes "the policy answers deny ..." in the problem when it is not allowed.
  void ask_policy(std::string path, std::string rule, std::string what, nlohmann::json request);
};

}  // namespace agentsys::reports::checks
