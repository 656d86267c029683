#include "host/http_url.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <memory>

namespace agentsys {
namespace {

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
using Url = std::unique_ptr<CURLU, UrlDeleter>;

/// One part of a parsed URL, or nothing when it is absent.
std::optional<std::string> part(CURLU* u, CURLUPart which, unsigned flags = 0) {
  char* text = nullptr;
  if (curl_url_get(u, which, &text, flags) != CURLUE_OK || text == nullptr) return std::nullopt;
  std::string out(text);
  curl_free(text);
  return out;
}

std::string split(CURLU* u, HttpTarget& out) {
  if (part(u, CURLUPART_USER) || part(u, CURLUPART_PASSWORD)) {
    return "credentials in the URL are refused: send them in an Authorization header, which "
           "is redacted from logs and events";
  }
  out.scheme = part(u, CURLUPART_SCHEME).value_or("");
  std::transform(out.scheme.begin(), out.scheme.end(), out.scheme.begin(), ::tolower);
  if (out.scheme != "http" && out.scheme != "https") {
    return "the scheme must be http or https, got '" + out.scheme + "'";
  }
  out.host = part(u, CURLUPART_HOST).value_or("");
  std::transform(out.host.begin(), out.host.end(), out.host.begin(), ::tolower);
  if (out.host.size() > 2 && out.host.front() == '[')
    out.host = out.host.substr(1, out.host.size() - 2);
  if (out.host.empty()) return "the URL has no host";
  if (part(u, CURLUPART_ZONEID)) return "IPv6 zone ids are refused";
  const std::string port = part(u, CURLUPART_PORT, CURLU_DEFAULT_PORT).value_or("0");
  out.port = static_cast<uint32_t>(std::strtoul(port.c_str(), nullptr, 10));
  out.path = part(u, CURLUPART_PATH).value_or("/");
  if (out.path.empty()) out.path = "/";
  out.query = part(u, CURLUPART_QUERY).value_or("");
  const bool v6 = out.host.find(':') != std::string::npos;
  out.url = out.scheme + "://" + (v6 ? "[" + out.host + "]" : out.host) + ":" +
            std::to_string(out.port) + out.path + (out.query.empty() ? "" : "?" + out.query);
  return {};
}

std::string set_url(CURLU* u, std::string_view url) {
  if (url.find_first_of(std::string_view("\0\r\n \t", 5)) != std::string_view::npos) {
    return "the URL holds whitespace or a control character";
  }
  CURLUcode rc = curl_url_set(u, CURLUPART_URL, std::string(url).c_str(), 0);
  if (rc != CURLUE_OK) return std::string("not a valid URL: ") + curl_url_strerror(rc);
  return {};
}

}  // namespace

std::string HttpTarget::origin() const {
  const bool v6 = host.find(':') != std::string::npos;
  return scheme + "://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string HttpTarget::display() const { return origin() + path; }

std::string parse_http_url(std::string_view url, HttpTarget& out) {
  Url u(curl_url());
  if (!u) return "out of memory";
  if (std::string problem = set_url(u.get(), url); !problem.empty()) return problem;
  return split(u.get(), out);
}

std::string resolve_http_location(const HttpTarget& base, std::string_view location,
                                  HttpTarget& out) {
  Url u(curl_url());
  if (!u) return "out of memory";
  if (std::string problem = set_url(u.get(), base.url); !problem.empty()) return problem;
  // Setting a URL on a handle that holds one resolves it relative to that one (RFC 3986).
  if (std::string problem = set_url(u.get(), location); !problem.empty()) {
    return "redirect Location: " + problem;
  }
  return split(u.get(), out);
}

nlohmann::json http_policy_request(std::string_view method, const HttpTarget& target) {
  return {{"kind", "http"},          {"method", method},    {"url", target.display()},
          {"scheme", target.scheme}, {"host", target.host}, {"port", target.port},
          {"path", target.path}};
}

}  // namespace agentsys
