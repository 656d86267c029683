// The policy kind http, decided by the engine with the shipped layers and with small documents.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "engine.hpp"
#include "http_policy.hpp"

using namespace agentsys::policy;
using json = nlohmann::json;

namespace {

std::unique_ptr<Engine> engine_with(const std::vector<json>& documents) {
  json layers = json::array();
  for (size_t i = 0; i < documents.size(); ++i) {
    layers.push_back({{"name", "l" + std::to_string(i)},
                      {"source", "l" + std::to_string(i) + ".toml"},
                      {"document", documents[i]}});
  }
  Problems problems;
  auto e = Engine::build({{"env", "test"}, {"layers", layers}}, problems);
  REQUIRE_MESSAGE(e, problems.text());
  return e;
}

json ask(const Engine& e, const std::string& method, const std::string& host, uint32_t port,
         const std::string& path, const std::string& scheme = "http") {
  return e.decide_json({{"kind", "http"},
                        {"method", method},
                        {"scheme", scheme},
                        {"host", host},
                        {"port", port},
                        {"path", path}});
}

}  // namespace

TEST_CASE("http policy: host patterns") {
  CHECK(http_host_matches("127.0.0.0/8", "127.4.5.6"));
  CHECK_FALSE(http_host_matches("127.0.0.0/8", "128.0.0.1"));
  CHECK(http_host_matches("::1", "::1"));
  CHECK_FALSE(http_host_matches("::1", "127.0.0.1"));
  CHECK(http_host_matches("*.example.com", "api.example.com"));
  CHECK_FALSE(http_host_matches("*.example.com", "example.com"));
  CHECK_FALSE(http_host_matches("*.example.com", "evilexample.com"));
  CHECK(http_host_matches("localhost", "localhost"));
  CHECK_FALSE(http_host_matches("localhost", "localhost.evil.com"));
}

TEST_CASE("http policy: every field of a rule must match, deny wins, layers narrow") {
  json wide = {{"http",
                {{"allow",
                  {{{"id", "a.api"},
                    {"schemes", {"https"}},
                    {"hosts", {"*.example.com"}},
                    {"ports", {443}},
                    {"methods", {"GET", "POST"}},
                    {"path_prefixes", {"/v1/", "/health"}}}}},
                 {"deny", {{{"id", "d.admin"}, {"path_prefixes", {"/v1/admin/"}}}}},
                 {"max_response_bytes", 1000}}}};
  auto e = engine_with({wide});
  CHECK(ask(*e, "GET", "api.example.com", 443, "/v1/x", "https")["decision"] == "allow");
  CHECK(ask(*e, "GET", "api.example.com", 443, "/v1/x", "https")["limits"]["max_response_bytes"] ==
        1000);
  CHECK(ask(*e, "GET", "api.example.com", 443, "/health", "https")["decision"] == "allow");
  CHECK(ask(*e, "GET", "api.example.com", 443, "/healthz", "https")["decision"] == "deny");
  CHECK(ask(*e, "GET", "api.example.com", 80, "/v1/x", "http")["decision"] == "deny");
  CHECK(ask(*e, "DELETE", "api.example.com", 443, "/v1/x", "https")["decision"] == "deny");
  CHECK(ask(*e, "GET", "api.example.com", 443, "/v1/admin/x", "https")["rule"] == "d.admin");

  json narrow = {{"http", {{"allow", json::array()}}}};
  auto n = engine_with({wide, narrow});
  CHECK(ask(*n, "GET", "api.example.com", 443, "/v1/x", "https")["rule"] == "http.not_allowlisted");
  auto none = engine_with({json::object()});
  CHECK(ask(*none, "GET", "127.0.0.1", 80, "/")["rule"] == "default.deny");
}

TEST_CASE("http policy: malformed or ambiguous targets are denied with their own rule") {
  auto e = engine_with({{{"http", {{"allow", {{{"hosts", {"127.0.0.0/8", "localhost"}}}}}}}}});
  CHECK(ask(*e, "GET", "127.0.0.1", 80, "/x")["decision"] == "allow");
  CHECK(ask(*e, "GET", "127.1", 80, "/")["rule"] == "http.ambiguous_host");
  CHECK(ask(*e, "GET", "2130706433", 80, "/")["rule"] == "http.ambiguous_host");
  CHECK(ask(*e, "GET", "127.0.0.1", 80, "/a/%2e%2e/b")["rule"] == "http.encoded_traversal");
  CHECK(ask(*e, "GET", "127.0.0.1", 80, "/a/../b")["rule"] == "http.dot_segment");
  CHECK(ask(*e, "GET", "127.0.0.1", 80, "/a", "ftp")["rule"] == "http.bad_scheme");
  CHECK(ask(*e, "get", "127.0.0.1", 80, "/a")["rule"] == "http.bad_method");
  CHECK(ask(*e, "GET", "Local_Host", 80, "/a")["rule"] == "http.bad_host");
}

TEST_CASE("http policy: document problems are located") {
  Problems problems;
  json doc = {{"http", {{"allow", {{{"hosts", {"x"}}, {"ports", {70000}}, {"bogus", 1}}}}}}};
  auto e = Engine::build({{"layers", {{{"name", "l"}, {"source", "l.toml"}, {"document", doc}}}}},
                         problems);
  CHECK_FALSE(e);
  CHECK(problems.text().find("unknown field 'bogus'") != std::string::npos);
}
