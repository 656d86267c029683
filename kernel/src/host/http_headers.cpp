#include "host/http_headers.hpp"

#include <algorithm>
#include <array>

namespace agentsys {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

}  // namespace

bool is_secret_header(std::string_view name) {
  const std::string n = lower(name);
  static constexpr std::array<std::string_view, 5> kExact = {"authorization", "proxy-authorization",
                                                             "cookie", "set-cookie", "x-api-key"};
  static constexpr std::array<std::string_view, 6> kParts = {"token",    "secret", "key",
                                                             "password", "auth",   "session"};
  if (std::find(kExact.begin(), kExact.end(), n) != kExact.end()) return true;
  return std::any_of(kParts.begin(), kParts.end(),
                     [&](std::string_view p) { return n.find(p) != std::string::npos; });
}

std::string check_request_header(std::string_view name, std::string_view value) {
  if (name.empty() || !std::all_of(name.begin(), name.end(), is_token_char)) {
    return "header name '" + std::string(name) + "' is not an HTTP token";
  }
  if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
    return "the value of header '" + std::string(name) + "' holds CR, LF or NUL";
  }
  const std::string n = lower(name);
  static constexpr std::array<std::string_view, 7> kClientOwned = {
      "host", "content-length", "transfer-encoding", "connection", "upgrade", "te", "expect"};
  if (std::find(kClientOwned.begin(), kClientOwned.end(), n) != kClientOwned.end() ||
      n.rfind("proxy-", 0) == 0) {
    return "header '" + std::string(name) +
           "' is set by the host's HTTP client (framing, connection, target) and cannot be "
           "given";
  }
  return {};
}

nlohmann::json redacted(const HttpHeaders& headers) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, value] : headers) {
    out[name] = is_secret_header(name) ? std::string("[redacted]") : value;
  }
  return out;
}

nlohmann::json headers_json(const HttpHeaders& headers) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, value] : headers) {
    const std::string n = lower(name);
    if (out.contains(n)) {
      out[n] = out[n].get<std::string>() + ", " + value;
    } else {
      out[n] = value;
    }
  }
  return out;
}

}  // namespace agentsys
