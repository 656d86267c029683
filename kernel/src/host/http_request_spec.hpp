#pragma once
// The http_request / http_stream request JSON, checked, and the caps that bound it. Defaults
// (documented in docs/sdk/http.md): request body 8 MiB, response body 16 MiB, 5 redirects,
// 30 s; policy layers can lower them ([http] max_* and timeout_ms), a request can ask for less.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "host/http_headers.hpp"

namespace agentsys {

struct HttpLimits {
  uint64_t max_request_bytes = uint64_t{8} << 20;
  uint64_t max_response_bytes = uint64_t{16} << 20;
  uint64_t max_redirects = 5;
  uint64_t timeout_ms = 30'000;
};

struct HttpRequestSpec {
  std::string method = "GET";
  std::string url;
  HttpHeaders headers;
  std::string body;
  bool follow_redirects = true;
  HttpLimits asked;  ///< what the request asked for (defaults where it said nothing)

  /// GET and HEAD change nothing: dry-run and shadow perform them.
  [[nodiscard]] bool safe() const { return method == "GET" || method == "HEAD"; }
};

/// Parses `request` into `out`; returns "" or what is wrong (field, expected type).
std::string parse_http_request(const nlohmann::json& request, HttpRequestSpec& out);

/// What is enforced: the request's asks, each bounded by the policy's ceiling (`limits` of
/// an allowed http decision) and by the defaults when policy says nothing.
HttpLimits bounded_limits(const HttpLimits& asked, const nlohmann::json& policy_limits);

/// Standard base64 (RFC 4648), for bodies that are not UTF-8 text.
std::string base64_encode(std::string_view bytes);
/// Decodes base64; false when `text` is not valid base64.
bool base64_decode(std::string_view text, std::string& out);
/// True when `bytes` is valid UTF-8 (a text body goes into JSON as it is).
bool is_utf8(std::string_view bytes);

}  // namespace agentsys
