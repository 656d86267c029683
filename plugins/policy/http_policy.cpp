#include "http_policy.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace agentsys::policy {

namespace {

/// An IPv4 or IPv6 literal as 16 bytes (IPv4 in the first 4), or nothing.
struct Address {
  int family = 0;
  std::array<unsigned char, 16> bytes{};
};

Address parse_address(const std::string& text) {
  Address a;
  if (inet_pton(AF_INET, text.c_str(), a.bytes.data()) == 1) {
    a.family = AF_INET;
  } else if (inet_pton(AF_INET6, text.c_str(), a.bytes.data()) == 1) {
    a.family = AF_INET6;
  }
  return a;
}

/// "10.0.0.0/8", "::1", "127.0.0.1": does `host` (an IP literal) fall in it?
bool cidr_matches(const std::string& pattern, const Address& host) {
  const size_t slash = pattern.find('/');
  const Address net = parse_address(pattern.substr(0, slash));
  if (net.family == 0 || net.family != host.family) return false;
  const int width = net.family == AF_INET ? 32 : 128;
  int bits = width;
  if (slash != std::string::npos) {
    bits = std::atoi(pattern.c_str() + slash + 1);
    if (bits < 0 || bits > width) return false;
  }
  for (int i = 0; i < bits; ++i) {
    const int mask = 0x80 >> (i % 8);
    if ((net.bytes[i / 8] & mask) != (host.bytes[i / 8] & mask)) return false;
  }
  return true;
}

bool any_of(const std::optional<std::vector<std::string>>& list, const auto& pred) {
  return !list || std::any_of(list->begin(), list->end(), pred);
}

bool prefix_matches(const std::string& prefix, const std::string& path) {
  if (path.compare(0, prefix.size(), prefix) != 0) return false;
  return prefix.back() == '/' || path.size() == prefix.size() || path[prefix.size()] == '/';
}

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

/// What is wrong with the request as a request ("" when nothing), and the rule id for it.
std::pair<std::string, std::string> malformed(const HttpRequest& r) {
  if (r.method.empty() || r.method.size() > 20 ||
      !std::all_of(r.method.begin(), r.method.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
    return {"http.bad_method", "method '" + r.method + "' is not an upper-case HTTP method"};
  if (r.scheme != "http" && r.scheme != "https")
    return {"http.bad_scheme", "scheme '" + r.scheme + "' is not http or https"};
  if (r.port < 1 || r.port > 65535) return {"http.bad_port", "port out of range"};
  const Address a = parse_address(r.host);
  if (a.family == 0) {
    const bool name = !r.host.empty() && std::all_of(r.host.begin(), r.host.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
    });
    if (!name) return {"http.bad_host", "host '" + r.host + "' is not a lower-case host name"};
    // Numeric forms inet_pton refuses ("127.1", "2130706433") still reach an address.
    const bool numeric = std::all_of(r.host.begin(), r.host.end(),
                                     [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
    if (numeric || r.host.rfind("0x", 0) == 0)
      return {"http.ambiguous_host", "host '" + r.host + "' is a non-canonical IP address"};
  }
  if (r.path.empty() || r.path[0] != '/')
    return {"http.bad_path", "path '" + r.path + "' must start with '/'"};
  for (size_t i = 0; i < r.path.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(r.path[i]);
    if (c < 0x20 || c == 0x7f) return {"http.bad_path", "the path holds a control character"};
    if (c == '%' && i + 2 < r.path.size() + 0 && is_hex(r.path[i + 1]) && is_hex(r.path[i + 2])) {
      const std::string hex = r.path.substr(i + 1, 2);
      const long v = std::strtol(hex.c_str(), nullptr, 16);
      if (v == '.' || v == '/' || v == '\\')
        return {"http.encoded_traversal", "the path percent-encodes '.', '/' or '\\'"};
    }
  }
  const std::string p = r.path + "/";
  if (p.find("/./") != std::string::npos || p.find("/../") != std::string::npos)
    return {"http.dot_segment", "the path holds a '.' or '..' segment"};
  return {};
}

}  // namespace

bool http_host_matches(const std::string& pattern, const std::string& host) {
  if (pattern.empty()) return false;
  if (pattern.rfind("*.", 0) == 0) {
    const std::string suffix = pattern.substr(1);  // ".example.com"
    return host.size() > suffix.size() &&
           host.compare(host.size() - suffix.size(), suffix.size(), suffix) == 0;
  }
  const Address a = parse_address(host);
  if (a.family != 0) return cidr_matches(pattern, a);
  return pattern == host;
}

bool HttpPolicy::Rule::matches(const HttpRequest& r) const {
  if (!any_of(doc.schemes, [&](const std::string& s) { return s == r.scheme; })) return false;
  if (!any_of(doc.hosts, [&](const std::string& h) { return http_host_matches(h, r.host); }))
    return false;
  if (doc.ports && std::find(doc.ports->begin(), doc.ports->end(), r.port) == doc.ports->end())
    return false;
  if (!any_of(doc.methods, [&](const std::string& m) { return m == "*" || m == r.method; }))
    return false;
  return any_of(doc.path_prefixes, [&](const std::string& p) { return prefix_matches(p, r.path); });
}

void HttpPolicy::build(const std::vector<LayerDoc>& layers) {
  for (const auto& doc : layers) {
    if (!doc.http) continue;
    for (const auto& r : doc.http->deny) deny_.push_back({r.id, doc.name, r});
    if (doc.http->allow) {
      Layer layer{doc.name, {}};
      for (const auto& r : *doc.http->allow) layer.allow.push_back({r.id, doc.name, r});
      layers_.push_back(std::move(layer));
    }
    for (const auto& [name, value] : doc.http->limits) {
      auto it = std::find_if(limits_.begin(), limits_.end(),
                             [&](const auto& l) { return l.first == name; });
      if (it == limits_.end()) {
        limits_.emplace_back(name, value);
      } else {
        it->second = std::min(it->second, value);  // a narrower layer can only lower a cap
      }
    }
  }
}

Decision HttpPolicy::decide(const HttpRequest& r) const {
  const bool v6 = r.host.find(':') != std::string::npos;
  const std::string what = concat({r.method, " ", r.scheme, "://", v6 ? "[" : "", r.host,
                                   v6 ? "]:" : ":", std::to_string(r.port), r.path});
  if (auto [rule, reason] = malformed(r); !rule.empty()) {
    return Decision::deny(rule, what + ": " + reason);
  }
  for (const auto& rule : deny_) {
    if (rule.matches(r)) {
      return Decision::deny(rule.id, what + " is denied by " + rule.id + " (" + rule.layer + ")");
    }
  }
  if (layers_.empty()) {
    return Decision::deny("default.deny",
                          "no policy layer allows HTTP; " + what + " is denied by default");
  }
  const Rule* last = nullptr;
  for (const auto& layer : layers_) {
    auto it = std::find_if(layer.allow.begin(), layer.allow.end(),
                           [&](const Rule& rule) { return rule.matches(r); });
    if (it == layer.allow.end()) {
      return Decision::deny("http.not_allowlisted",
                            what + " matches no http.allow rule of layer '" + layer.name + "'");
    }
    last = &*it;
  }
  Decision d =
      Decision::allow(last->id, what + " is allowed by " + last->id + " (" + last->layer + ")");
  d.limits = limits_;
  return d;
}

nlohmann::json HttpPolicy::describe() const {
  auto rule = [](const Rule& r) {
    nlohmann::json j{{"id", r.id}, {"layer", r.layer}};
    if (r.doc.schemes) j["schemes"] = *r.doc.schemes;
    if (r.doc.hosts) j["hosts"] = *r.doc.hosts;
    if (r.doc.ports) j["ports"] = *r.doc.ports;
    if (r.doc.methods) j["methods"] = *r.doc.methods;
    if (r.doc.path_prefixes) j["path_prefixes"] = *r.doc.path_prefixes;
    return j;
  };
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& l : layers_) {
    nlohmann::json allow = nlohmann::json::array();
    for (const auto& r : l.allow) allow.push_back(rule(r));
    layers.push_back({{"layer", l.name}, {"allow", allow}});
  }
  nlohmann::json deny = nlohmann::json::array();
  for (const auto& r : deny_) deny.push_back(rule(r));
  nlohmann::json limits = nlohmann::json::object();
  for (const auto& [k, v] : limits_) limits[k] = v;
  return {{"allow_layers", layers}, {"deny", deny}, {"limits", limits}};
}

}  // namespace agentsys::policy
