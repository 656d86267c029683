#include "checks/findings.hpp"

namespace agentsys::reports::checks {

std::string pointer_append(std::string_view base, std::string_view token) {
  std::string out(base);
  out += '/';
  for (char c : token) {
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

void Findings::problem(std::string path, std::string rule, std::string message) {
  problems.push_back(
      {{"path", std::move(path)}, {"rule", std::move(rule)}, {"message", std::move(message)}});
}

void Findings::ask_policy(std::string path, std::string rule, std::string what,
                          nlohmann::json request) {
  policy_checks.push_back({{"path", std::move(path)},
                           {"rule", std::move(rule)},
                           {"what", std::move(what)},
                           {"request", std::move(request)}});
}

}  // namespace agentsys::reports::checks
