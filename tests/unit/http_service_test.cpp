// http_request and http_stream against real servers on 127.0.0.1: what the server saw, what the
// plugin got back, and what was recorded.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "http_test_server.hpp"
#include "http_test_support.hpp"

using namespace agentsys;
using namespace agentsys::test;
using json = nlohmann::json;
using Server = HttpTestServer;

namespace {

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

/// A chunked response: each piece sent as one chunk, `gap_ms` apart.
void chunked(Server::Connection& c, const std::vector<std::string>& pieces, int gap_ms,
             const std::function<void(size_t)>& before = {}) {
  c.send(
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (before) before(i);
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", pieces[i].size());
    if (!c.send(std::string(size) + pieces[i] + "\r\n")) return;
    sleep_ms(gap_ms);
  }
  c.send("0\r\n\r\n");
}

bool any_contains(const std::vector<std::string>& list, std::string_view text) {
  for (const auto& s : list) {
    if (s.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("http: a 1 KB GET returns status, headers and body, and is a recorded side effect") {
  Server server([](const Server::Request&, Server::Connection& c) {
    c.respond(200, std::string(1024, 'a'), "Content-Type: text/plain\r\n");
  });
  HttpHost host;
  HttpAnswer a = host.request({{"url", server.url("/data?k=secretquery")}});
  REQUIRE_MESSAGE(a.status == AS_OK, a.err);
  CHECK(a.out["status"] == 200);
  CHECK(a.out["body"].get<std::string>() == std::string(1024, 'a'));
  CHECK(a.out["bytes"] == 1024);
  CHECK(a.out["headers"]["content-type"] == "text/plain");
  auto effects = host.sink.side_effects();
  REQUIRE(effects.size() == 1);
  json detail = json::parse(effects[0].substr(effects[0].find('{')));
  CHECK(effects[0].rfind("http performed", 0) == 0);
  CHECK(detail["method"] == "GET");
  CHECK(detail["host"] == "127.0.0.1");
  CHECK(detail["path"] == "/data");
  CHECK(detail["status"] == 200);
  CHECK(detail["bytes"] == 1024);
  CHECK(detail["latency_ms"].is_number());
  CHECK(detail["rule"] == "dev.http.loopback");
  CHECK_FALSE(any_contains(effects, "secretquery"));  // the query is never recorded
}

TEST_CASE("http: a POST sends its body, binary bodies travel as base64") {
  Server server([](const Server::Request& r, Server::Connection& c) {
    c.respond(201, r.method == "POST" ? r.body : "", "");
  });
  HttpHost host;
  HttpAnswer a = host.request({{"method", "POST"},
                               {"url", server.url("/items")},
                               {"headers", {{"Content-Type", "application/json"}}},
                               {"body", R"({"x":1})"}});
  REQUIRE_MESSAGE(a.status == AS_OK, a.err);
  CHECK(a.out["status"] == 201);
  CHECK(a.out["body"] == R"({"x":1})");
  REQUIRE(server.seen().size() == 1);
  CHECK(server.seen()[0].header("Content-Type") == "application/json");

  a = host.request({{"method", "POST"}, {"url", server.url("/bin")}, {"body_base64", "AP8A"}});
  REQUIRE_MESSAGE(a.status == AS_OK, a.err);
  CHECK(a.out["body_base64"] == "AP8A");
  CHECK(server.seen()[1].body == std::string("\0\xff\0", 3));
}

TEST_CASE("http: an allowed redirect is followed, 303 turns a POST into a GET") {
  Server server([](const Server::Request& r, Server::Connection& c) {
    if (r.target == "/old") {
      c.respond(303, "moved", "Location: /new\r\n");
    } else {
      c.respond(200, r.method + " " + r.target);
    }
  });
  HttpHost host;
  HttpAnswer a = host.request({{"method", "POST"}, {"url", server.url("/old")}, {"body", "x"}});
  REQUIRE_MESSAGE(a.status == AS_OK, a.err);
  CHECK(a.out["body"] == "GET /new");
  CHECK(a.out["redirects"].size() == 1);
  CHECK(host.sink.side_effects().size() == 2);  // every hop is a side effect
}

TEST_CASE("http: a redirect to a denied host is refused and never requested") {
  Server server([](const Server::Request&, Server::Connection& c) {
    c.respond(302, "", "Location: http://example.com/steal\r\n");
  });
  HttpHost host;
  HttpAnswer a = host.request({{"url", server.url("/start")}});
  CHECK(a.status == AS_ERR_POLICY_DENIED);
  CHECK(a.err.find("a redirect from http://127.0.0.1:") != std::string::npos);
  CHECK(a.err.find("http://example.com:80/steal") != std::string::npos);
  CHECK(a.err.find("http.not_allowlisted") != std::string::npos);
  CHECK(server.seen().size() == 1);
}

TEST_CASE("http: secret headers are sent, redacted in events, and dropped across origins") {
  Server server([](const Server::Request& r, Server::Connection& c) {
    if (r.target == "/a") {
      // localhost and 127.0.0.1 are different origins.
      c.respond(307, "", "Location: http://localhost:" + r.header("X-Port") + "/b\r\n");
    } else {
      c.respond(200, "ok");
    }
  });
  HttpHost host;
  HttpAnswer a = host.request({{"url", server.url("/a")},
                               {"headers",
                                {{"Authorization", "Bearer s3cr3t-token"},
                                 {"X-Api-Key", "s3cr3t-key"},
                                 {"X-Session-Token", "s3cr3t-session"},
                                 {"X-Port", std::to_string(server.port())}}}});
  REQUIRE_MESSAGE(a.status == AS_OK, a.err);
  auto seen = server.seen();
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].header("Authorization") == "Bearer s3cr3t-token");
  CHECK(seen[1].header("Authorization").empty());
  CHECK(seen[1].header("X-Api-Key").empty());
  auto effects = host.sink.side_effects();
  CHECK_FALSE(any_contains(effects, "s3cr3t"));
  CHECK(any_contains(effects, R"("Authorization":"[redacted]")"));
  CHECK(any_contains(effects, R"("X-Port")"));
}

TEST_CASE("http: a slow body is stopped at the call's deadline, or at timeout_ms") {
  Server server([](const Server::Request&, Server::Connection& c) {
    c.send("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
    for (int i = 0; i < 50 && c.send("0123456789"); ++i) sleep_ms(50);
    c.close_after();
  });
  HttpHost host;
  auto start = std::chrono::steady_clock::now();
  HttpAnswer a = host.request({{"url", server.url("/slow")}}, {.deadline_in_ms = 300});
  auto took = std::chrono::steady_clock::now() - start;
  CHECK(a.status == AS_ERR_TIMEOUT);
  CHECK(a.err.find("deadline") != std::string::npos);
  CHECK(took < std::chrono::milliseconds(1500));

  a = host.request({{"url", server.url("/slow")}, {"timeout_ms", 200}});
  CHECK(a.status == AS_ERR_TIMEOUT);
  CHECK(a.err.find("timeout_ms (200 ms)") != std::string::npos);
}

TEST_CASE("http: an oversized body fails with response_too_large, never a partial success") {
  Server server([](const Server::Request& r, Server::Connection& c) {
    if (r.target == "/chunked") {
      chunked(c, {std::string(600, 'x'), std::string(600, 'y')}, 0);
    } else {
      c.respond(200, std::string(5000, 'z'));
    }
  });
  HttpHost host;
  HttpAnswer a = host.request({{"url", server.url("/big")}, {"max_response_bytes", 1000}});
  CHECK(a.status == AS_ERR_INVALID_INPUT);
  CHECK(a.err.find("response_too_large") != std::string::npos);
  CHECK(a.out.is_null());
  a = host.request({{"url", server.url("/chunked")}, {"max_response_bytes", 1000}});
  CHECK(a.status == AS_ERR_INVALID_INPUT);
  CHECK(a.err.find("response_too_large") != std::string::npos);
}

TEST_CASE("http: a connection reset is unavailable (retryable)") {
  Server server([](const Server::Request&, Server::Connection& c) {
    c.send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
    sleep_ms(20);
    c.reset();
  });
  HttpHost host;
  HttpAnswer a = host.request({{"url", server.url("/reset")}});
  CHECK(a.status == AS_ERR_UNAVAILABLE);
  CHECK(a.err.find("http_request: GET http://127.0.0.1:") != std::string::npos);
}

TEST_CASE("http_stream: SSE chunks arrive before the body ends") {
  std::atomic<int> received{0};
  Server server([&](const Server::Request&, Server::Connection& c) {
    chunked(c, {"data: one\n\n", "data: two\n\n", "data: three\n\n"}, 0, [&](size_t i) {
      // Send event i only once the client has seen event i-1: delivery is incremental.
      for (int w = 0; w < 200 && received.load() < static_cast<int>(i); ++w) sleep_ms(10);
    });
  });
  HttpHost host;
  std::string body;
  HttpAnswer a = host.stream({{"url", server.url("/sse")}}, [&](CallFrame&, std::string_view b) {
    body.append(b);
    received = static_cast<int>(std::count(body.begin(), body.end(), '\n') / 2);
    return true;
  });
  REQUIRE_MESSAGE(a.status == AS_OK, a.err);
  CHECK(body == "data: one\n\ndata: two\n\ndata: three\n\n");
  CHECK(a.out["headers"]["content-type"] == "text/event-stream");
  CHECK(a.out["stopped"] == false);
  CHECK_FALSE(a.out.contains("body"));
}

TEST_CASE("http_stream: cancelling the call mid-stream aborts the transfer") {
  Server server([](const Server::Request&, Server::Connection& c) {
    chunked(c, std::vector<std::string>(100, "data: tick\n\n"), 30);
  });
  HttpHost host;
  int chunks = 0;
  auto start = std::chrono::steady_clock::now();
  HttpAnswer a = host.stream({{"url", server.url("/ticks")}}, [&](CallFrame& f, std::string_view) {
    if (++chunks == 2) f.cancelled = true;  // what the runner does on cancel or timeout
    return true;
  });
  CHECK(a.status == AS_ERR_CANCELLED);
  CHECK(a.err.find("cancelled") != std::string::npos);
  CHECK(chunks >= 2);
  CHECK(chunks < 10);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}

TEST_CASE("http_stream: a sink that stops ends the transfer with AS_OK and stopped") {
  Server server([](const Server::Request&, Server::Connection& c) {
    chunked(c, std::vector<std::string>(50, "data: x\n\n"), 20);
  });
  HttpHost host;
  HttpAnswer a =
      host.stream({{"url", server.url("/x")}}, [&](CallFrame&, std::string_view) { return false; });
  REQUIRE_MESSAGE(a.status == AS_OK, a.err);
  CHECK(a.out["stopped"] == true);
}

TEST_CASE("http: denied by default without an allowing layer, staging and prod allow nothing") {
  Server server([](const Server::Request&, Server::Connection& c) { c.respond(200, "no"); });
  for (const auto& layers : {std::vector<std::string>{}, std::vector<std::string>{"prod"},
                             std::vector<std::string>{"staging"}}) {
    HttpHost host(layers);
    HttpAnswer a = host.request({{"url", server.url("/x")}});
    CHECK(a.status == AS_ERR_POLICY_DENIED);
    CHECK(a.err.find(layers.empty() ? "default.deny" : "http.not_allowlisted") !=
          std::string::npos);
  }
  CHECK(server.seen().empty());
}

TEST_CASE("http: dry-run and shadow answer 'would do' for a POST and perform a GET") {
  Server server([](const Server::Request&, Server::Connection& c) { c.respond(200, "ok"); });
  HttpHost host;
  for (auto o : {HttpHost::Options{.dry_run = true}, HttpHost::Options{.shadow = true}}) {
    HttpAnswer a =
        host.request({{"method", "POST"}, {"url", server.url("/write")}, {"body", "x"}}, o);
    REQUIRE_MESSAGE(a.status == AS_OK, a.err);
    CHECK(a.out["dry_run"] == true);
    CHECK(a.out["would_request"]["method"] == "POST");
  }
  CHECK(server.seen().empty());  // nothing was sent
  auto effects = host.sink.side_effects();
  REQUIRE(effects.size() == 2);
  CHECK(effects[0].rfind("http would_do", 0) == 0);
  CHECK(effects[1].find(R"("sandbox":"shadow")") != std::string::npos);

  HttpAnswer a = host.request({{"url", server.url("/read")}}, {.dry_run = true});
  REQUIRE_MESSAGE(a.status == AS_OK, a.err);
  CHECK(a.out["body"] == "ok");
  CHECK(server.seen().size() == 1);
}

TEST_CASE("http: malformed requests are refused before anything is sent") {
  HttpHost host;
  for (const json& bad :
       {json{{"url", "ftp://127.0.0.1/x"}}, json{{"url", "http://user:pw@127.0.0.1/"}},
        json{{"url", "/relative"}}, json{{"method", "get"}, {"url", "http://127.0.0.1/"}},
        json{{"url", "http://127.0.0.1/"}, {"headers", {{"Host", "evil"}}}},
        json{{"url", "http://127.0.0.1/"}, {"headers", {{"X-A", "a\r\nX-B: b"}}}}}) {
    CAPTURE(bad.dump());
    CHECK(host.request(bad).status == AS_ERR_INVALID_INPUT);
  }
  CHECK(host.sink.side_effects().empty());
}
