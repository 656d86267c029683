#pragma once
// Request and response headers of the HTTP service: which are refused (the client owns framing
// and the connection), which are secrets (never in a log, an event or an error message).
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace agentsys {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

/// Authorization, Proxy-Authorization, Cookie, Set-Cookie, X-Api-Key, and any name containing
/// token, secret, key, password, auth or session (case-insensitive).
bool is_secret_header(std::string_view name);

/// "" or why a plugin may not send this header: a name that is not an HTTP token, a value
/// with CR, LF or NUL (header injection), or a header the client sets itself (Host,
/// Content-Length, Transfer-Encoding, Connection, Upgrade, TE, Expect, Proxy-*).
std::string check_request_header(std::string_view name, std::string_view value);

/// {"Name": "value"} with every secret's value replaced by "[redacted]".
nlohmann::json redacted(const HttpHeaders& headers);

/// {"name": "value"}: lower-case names, repeated headers joined with ", ".
nlohmann::json headers_json(const HttpHeaders& headers);

}  // namespace agentsys
