#include "host/http_request_spec.hpp"

#include <openssl/evp.h>

#include <algorithm>

namespace agentsys {
using json = nlohmann::json;

namespace {

std::string read_limit(const json& request, const char* name, uint64_t& out) {
  if (!request.contains(name)) return {};
  if (!request[name].is_number_unsigned()) {
    return std::string("http_request: '") + name + "' must be a non-negative integer";
  }
  out = request[name].get<uint64_t>();
  return {};
}

std::string read_headers(const json& request, HttpHeaders& out) {
  if (!request.contains("headers")) return {};
  if (!request["headers"].is_object()) {
    return "http_request: 'headers' must be an object of strings";
  }
  for (const auto& [name, value] : request["headers"].items()) {
    // Never echo a value: it may be a secret.
    if (!value.is_string()) return "http_request: header '" + name + "' must be a string";
    if (std::string problem = check_request_header(name, value.get_ref<const std::string&>());
        !problem.empty()) {
      return "http_request: " + problem;
    }
    out.emplace_back(name, value.get<std::string>());
  }
  return {};
}

std::string read_body(const json& request, std::string& out) {
  if (request.contains("body") && request.contains("body_base64")) {
    return "http_request: give 'body' or 'body_base64', not both";
  }
  if (request.contains("body")) {
    if (!request["body"].is_string()) return "http_request: 'body' must be a string";
    out = request["body"].get<std::string>();
  } else if (request.contains("body_base64")) {
    if (!request["body_base64"].is_string() ||
        !base64_decode(request["body_base64"].get_ref<const std::string&>(), out)) {
      return "http_request: 'body_base64' must be a base64 string";
    }
  }
  return {};
}

}  // namespace

std::string parse_http_request(const json& request, HttpRequestSpec& out) {
  if (request.contains("method")) {
    if (!request["method"].is_string()) return "http_request: 'method' must be a string";
    out.method = request["method"].get<std::string>();
    const bool token = !out.method.empty() && out.method.size() <= 20 &&
                       std::all_of(out.method.begin(), out.method.end(),
                                   [](char c) { return c >= 'A' && c <= 'Z'; });
    if (!token) return "http_request: 'method' must be an upper-case method such as GET or POST";
  }
  if (!request.contains("url") || !request["url"].is_string()) {
    return "http_request: 'url' must be a string (an absolute http:// or https:// URL)";
  }
  out.url = request["url"].get<std::string>();
  if (std::string p = read_headers(request, out.headers); !p.empty()) return p;
  if (std::string p = read_body(request, out.body); !p.empty()) return p;
  if (out.method == "HEAD" && !out.body.empty()) return "http_request: a HEAD request has no body";
  if (request.contains("follow_redirects")) {
    if (!request["follow_redirects"].is_boolean()) {
      return "http_request: 'follow_redirects' must be a boolean";
    }
    out.follow_redirects = request["follow_redirects"].get<bool>();
  }
  for (auto [name, field] : {std::pair{"timeout_ms", &out.asked.timeout_ms},
                             std::pair{"max_response_bytes", &out.asked.max_response_bytes},
                             std::pair{"max_redirects", &out.asked.max_redirects}}) {
    if (std::string p = read_limit(request, name, *field); !p.empty()) return p;
  }
  if (out.asked.timeout_ms == 0) return "http_request: 'timeout_ms' must be at least 1";
  return {};
}

HttpLimits bounded_limits(const HttpLimits& asked, const json& policy_limits) {
  const HttpLimits defaults;
  // A policy ceiling replaces the default one; a request may ask for less, never for more.
  auto ceiling = [&](const char* name, uint64_t fallback) {
    return policy_limits.is_object() ? policy_limits.value(name, fallback) : fallback;
  };
  HttpLimits out;
  out.max_request_bytes = ceiling("max_request_bytes", defaults.max_request_bytes);
  out.max_response_bytes = std::min(asked.max_response_bytes,
                                    ceiling("max_response_bytes", defaults.max_response_bytes));
  out.max_redirects =
      std::min(asked.max_redirects, ceiling("max_redirects", defaults.max_redirects));
  out.timeout_ms = std::min(asked.timeout_ms, ceiling("timeout_ms", defaults.timeout_ms));
  return out;
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(std::max(n, 0)));
  return out;
}

bool base64_decode(std::string_view text, std::string& out) {
  if (text.size() % 4 != 0) return false;
  out.assign(3 * (text.size() / 4), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return false;
  // EVP_DecodeBlock counts the padding as zero bytes: take them back off.
  size_t pad = 0;
  while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return true;
}

bool is_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || (n == 2 && c < 0xc2) || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
    }
    i += n;
  }
  return true;
}

}  // namespace agentsys
