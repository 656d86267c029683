#pragma once
// An HTTP request's target, split by the HTTP client's own URL parser (libcurl's CURLU) so
// that policy decides on exactly what the client will connect to: no second parser to disagree
// with (the classic SSRF parser differential).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace agentsys {

struct HttpTarget {
  std::string scheme;  ///< "http" or "https"
  std::string host;    ///< lower case; an IPv6 literal without brackets
  uint32_t port = 0;   ///< explicit, or the scheme's default
  std::string path;    ///< starts with '/', dot segments removed
  std::string query;   ///< without '?'; never logged or recorded (it may carry keys)
  std::string url;     ///< what the client requests: rebuilt from the parts above

  /// scheme://host:port, for same-origin checks on redirects.
  [[nodiscard]] std::string origin() const;
  /// scheme://host:port/path: the target without its query, safe to log and record.
  [[nodiscard]] std::string display() const;
};

/// Parses an absolute http(s) URL into `out`; returns "" or what is wrong with it (user
/// credentials in the URL, another scheme, a fragment-only or relative URL ...).
std::string parse_http_url(std::string_view url, HttpTarget& out);

/// Resolves a redirect's Location (absolute or relative) against `base`.
std::string resolve_http_location(const HttpTarget& base, std::string_view location,
                                  HttpTarget& out);

/// The policy request for `method` on `target` (kind http: method, scheme, host, port, path).
nlohmann::json http_policy_request(std::string_view method, const HttpTarget& target);

}  // namespace agentsys
