#pragma once
// HTTP decisions (the host's http_request / http_stream, each redirect hop too), in this order:
//   1. the request itself: a method of [A-Z] letters, scheme http or https, a host of
//      [a-z0-9.-] or an IP literal (a numeric-looking host that is not a valid dotted quad is
//      refused: "127.1" and "0x7f.1" reach the loopback), a port 1-65535, a path that starts
//      with '/' and holds no control character, dot segment or percent-encoded '.', '/' or '\'
//      -> deny http.<what> otherwise;
//   2. a deny rule of any layer matching -> deny with its id;
//   3. no layer declares http.allow -> "default.deny" (HTTP is denied by default);
//   4. every layer that declares http.allow must have a matching rule -> else
//      "http.not_allowlisted"; allowed with the narrowest layer's rule id.
// A rule matches when each field it gives matches: schemes, hosts ("name", "*.suffix" for
// subdomains, "10.0.0.0/8" or "::1" for IP literals), ports, methods ("*" for any), and
// path_prefixes (a prefix ending in '/' is a directory; otherwise the path equals it or goes on
// with '/'). Limits (max_request_bytes, max_response_bytes, max_redirects, timeout_ms) are the
// minimum over the layers that set them, returned with an allowed decision.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "decision.hpp"
#include "policy_document.hpp"

namespace agentsys::policy {

class HttpPolicy {
 public:
  void build(const std::vector<LayerDoc>& layers);

  [[nodiscard]] Decision decide(const HttpRequest& request) const;
  [[nodiscard]] nlohmann::json describe() const;

 private:
  struct Rule {
    std::string id;
    std::string layer;
    HttpRuleDoc doc;
    [[nodiscard]] bool matches(const HttpRequest& r) const;
  };
  struct Layer {
    std::string name;
    std::vector<Rule> allow;
  };
  std::vector<Layer> layers_;  // only the layers that declare http.allow
  std::vector<Rule> deny_;
  std::vector<std::pair<std::string, uint64_t>> limits_;
};

/// True when `host` matches the host pattern (see the file comment). Exposed for tests.
[[nodiscard]] bool http_host_matches(const std::string& pattern, const std::string& host);

}  // namespace agentsys::policy
