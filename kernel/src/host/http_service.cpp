#include "host/http_service.hpp"

#include <fmt/format.h>

#include <strings.h>

#include <algorithm>

#include "host/http_client.hpp"
#include "host/http_request_spec.hpp"
#include "host/service_support.hpp"
#include "host/string_writer.hpp"
#include "util/time.hpp"

namespace agentsys {
using json = nlohmann::json;

namespace {

/// Where the body goes: into a string (http_request) or to the plugin's sink (http_stream).
struct BodyTarget {
  std::string* buffer = nullptr;
  const as_http_sink* sink = nullptr;
  bool stopped = false;  ///< the sink asked to stop
};

/// One service call in progress: the request, the hop being made, what happened so far.
struct HttpCall {
  std::string_view service;
  service::Request req;
  HttpRequestSpec spec;
  HttpTarget target;
  HttpLimits limits;
  std::string rule;
  json redirects = json::array();
  int64_t started_ms = unix_ms_now();
};

bool is_redirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::string location_of(const HttpExchange& x) {
  for (const auto& [name, value] : x.headers) {
    if (name.size() == 8 && strncasecmp(name.c_str(), "location", 8) == 0) return value;
  }
  return {};
}

/// Asks policy for the hop to `c.target`; fills `c.limits` and `c.rule` when allowed.
as_status authorise(HttpCall& c, const std::string& from, as_writer* err) {
  as_status status = AS_OK;
  auto decision =
      service::decide(c.service, c.req, http_policy_request(c.spec.method, c.target), err, status);
  if (!decision) return status;
  const std::string what = from.empty() ? fmt::format("{} {}", c.spec.method, c.target.display())
                                        : fmt::format("a redirect from {} to {} {}", from,
                                                      c.spec.method, c.target.display());
  if (as_status s = service::enforce(c.service, what, *decision, err); s != AS_OK) return s;
  c.limits = bounded_limits(c.spec.asked, decision->detail.value("limits", json::object()));
  c.rule = decision->rule;
  return AS_OK;
}

json side_effect(const HttpCall& c, size_t hop) {
  json d{{"method", c.spec.method},
         {"scheme", c.target.scheme},
         {"host", c.target.host},
         {"port", c.target.port},
         {"path", c.target.path},
         {"rule", c.rule},
         {"request_bytes", c.spec.body.size()},
         {"headers", redacted(c.spec.headers)},
         {"hop", hop}};
  if (c.req.shadow()) d["sandbox"] = "shadow";
  return d;
}

/// The dry-run / shadow answer for a method that changes something: nothing is sent.
as_status would_do(HttpCall& c, as_writer* out) {
  service::record(c.req, "http", side_effect(c, c.redirects.size()), false);
  service::reply(out, {{"dry_run", true},
                       {"would_request", {{"method", c.spec.method}, {"url", c.target.display()}}},
                       {"request_bytes", c.spec.body.size()}});
  return AS_OK;
}

/// The transfer's time budget: the request's timeout from its start, bounded by the call's
/// deadline. 0 when nothing is left.
uint64_t time_left(const HttpCall& c) {
  int64_t left = static_cast<int64_t>(c.limits.timeout_ms) - (unix_ms_now() - c.started_ms);
  if (c.req.frame->raw.deadline_unix_ms > 0) {
    left = std::min(left, c.req.frame->raw.deadline_unix_ms - unix_ms_now());
  }
  return left > 0 ? static_cast<uint64_t>(left) : 0;
}

HeadAction on_head(const HttpCall& c, BodyTarget& body, const HttpExchange& head) {
  if (c.spec.follow_redirects && is_redirect(head.status) && !location_of(head).empty()) {
    return HeadAction::discard;
  }
  if (body.sink == nullptr || body.sink->on_head == nullptr) return HeadAction::deliver;
  const std::string text = json{
      {"status", head.status},
      {"headers", headers_json(head.headers)},
      {"url", c.target.url}}.dump(-1, ' ', false, json::error_handler_t::replace);
  if (body.sink->on_head(body.sink->user, as_str{text.data(), text.size()}) != 0) {
    body.stopped = true;
    return HeadAction::stop;
  }
  return HeadAction::deliver;
}

bool on_body(BodyTarget& body, std::string_view bytes) {
  if (body.buffer != nullptr) {
    body.buffer->append(bytes);
    return true;
  }
  if (body.sink->on_chunk(body.sink->user, as_str{bytes.data(), bytes.size()}) != 0) {
    body.stopped = true;
    return false;
  }
  return true;
}

/// Turns an exchange that ended early into the call's status (or AS_OK when the sink stopped).
as_status failure(const HttpCall& c, const HttpExchange& x, as_writer* err) {
  const std::string what = fmt::format("{} {}", c.spec.method, c.target.display());
  const bool deadline =
      c.req.frame->raw.deadline_unix_ms > 0 && unix_ms_now() >= c.req.frame->raw.deadline_unix_ms;
  switch (x.failure) {
    case HttpExchange::Failure::none:
    case HttpExchange::Failure::stopped: return AS_OK;
    case HttpExchange::Failure::timeout:
      return service::fail(
          err, AS_ERR_TIMEOUT,
          deadline ? fmt::format("{}: {} was stopped at the call's deadline", c.service, what)
                   : fmt::format("{}: {} took longer than timeout_ms ({} ms)", c.service, what,
                                 c.limits.timeout_ms));
    case HttpExchange::Failure::cancelled:
      return service::fail(
          err, AS_ERR_CANCELLED,
          fmt::format("{}: {} was aborted: the call was cancelled", c.service, what));
    case HttpExchange::Failure::too_large:
      return service::fail(
          err, AS_ERR_INVALID_INPUT,
          fmt::format("{}: response_too_large: the body of {} exceeds max_response_bytes ({}); "
                      "ask for a larger max_response_bytes (policy [http] max_response_bytes is "
                      "the ceiling) or use http_stream",
                      c.service, what, c.limits.max_response_bytes));
    case HttpExchange::Failure::unavailable: break;
  }
  return service::fail(err, AS_ERR_UNAVAILABLE,
                       fmt::format("{}: {} failed: {} (connection refused, reset or closed "
                                   "early; retrying may succeed)",
                                   c.service, what, x.error));
}

/// Moves `c` to the redirect's target, changing the method as browsers and RFC 9110 do, and
/// dropping the secret headers when the origin changes. "" or why it cannot.
std::string follow(HttpCall& c, const HttpExchange& x) {
  if (c.redirects.size() >= c.limits.max_redirects) {
    return fmt::format("more than max_redirects ({}) redirects", c.limits.max_redirects);
  }
  HttpTarget next;
  if (std::string p = resolve_http_location(c.target, location_of(x), next); !p.empty()) return p;
  if (x.status == 303 || ((x.status == 301 || x.status == 302) && c.spec.method == "POST")) {
    if (c.spec.method != "HEAD") c.spec.method = "GET";
    c.spec.body.clear();
  }
  if (next.origin() != c.target.origin()) {
    std::erase_if(c.spec.headers, [](const auto& h) { return is_secret_header(h.first); });
  }
  c.redirects.push_back(next.display());
  c.target = std::move(next);
  return {};
}

json summary(const HttpCall& c, const HttpExchange& x) {
  return {{"status", x.status},  {"headers", headers_json(x.headers)},
          {"url", c.target.url}, {"redirects", c.redirects},
          {"bytes", x.bytes},    {"latency_ms", static_cast<double>(unix_ms_now() - c.started_ms)},
          {"dry_run", false}};
}

as_status exchange(HttpClient& client, HttpCall& c, BodyTarget& body, HttpExchange& x,
                   as_writer* err) {
  HttpTransfer t;
  t.target = &c.target;
  t.method = c.spec.method;
  t.headers = &c.spec.headers;
  t.body = c.spec.body;
  t.timeout_ms = time_left(c);
  if (t.timeout_ms == 0) {
    x.failure = HttpExchange::Failure::timeout;
    return failure(c, x, err);
  }
  t.max_response_bytes = c.limits.max_response_bytes;
  t.cancel = &c.req.frame->cancelled;
  t.deadline_unix_ms = c.req.frame->raw.deadline_unix_ms;
  t.on_head = [&](const HttpExchange& head) { return on_head(c, body, head); };
  t.on_body = [&](std::string_view bytes) { return on_body(body, bytes); };
  x = client.perform(t);
  json detail = side_effect(c, c.redirects.size());
  detail["status"] = x.status;
  detail["bytes"] = x.bytes;
  detail["latency_ms"] = x.latency_ms;
  if (x.failure != HttpExchange::Failure::none) detail["error"] = x.error;
  service::record(c.req, "http", detail, true);
  return failure(c, x, err);
}

/// Everything both services share: parse, then per hop decide, honour dry-run, exchange.
as_status run(std::string_view name, as_host_ctx* ctx, const as_call* call, as_str request,
              BodyTarget& body, HttpCall& c, HttpExchange& x, as_writer* out, as_writer* err) {
  c.service = name;
  if (auto refused = service::open(name, ctx, call, request, err, c.req)) return *refused;
  if (std::string p = parse_http_request(c.req.body, c.spec); !p.empty()) {
    return service::fail(err, AS_ERR_INVALID_INPUT, fmt::format("{}{}", name, p.substr(12)));
  }
  if (std::string p = parse_http_url(c.spec.url, c.target); !p.empty()) {
    return service::fail(err, AS_ERR_INVALID_INPUT, fmt::format("{}: 'url': {}", name, p));
  }
  for (std::string from;;) {
    if (as_status s = authorise(c, from, err); s != AS_OK) return s;
    if (c.spec.body.size() > c.limits.max_request_bytes) {
      return service::fail(err, AS_ERR_INVALID_INPUT,
                           fmt::format("{}: the request body ({} bytes) exceeds max_request_bytes "
                                       "({})",
                                       name, c.spec.body.size(), c.limits.max_request_bytes));
    }
    if ((c.req.dry_run() || c.req.shadow()) && !c.spec.safe()) return would_do(c, out);
    if (as_status s = exchange(c.req.services->http_client(), c, body, x, err); s != AS_OK) {
      return s;
    }
    if (body.stopped || !c.spec.follow_redirects || !is_redirect(x.status) ||
        location_of(x).empty()) {
      return AS_OK;
    }
    from = c.target.display();
    if (std::string p = follow(c, x); !p.empty()) {
      return service::fail(
          err, AS_ERR_UNAVAILABLE,
          fmt::format("{}: cannot follow the redirect from {}: {}", name, from, p));
    }
    if (body.buffer != nullptr) body.buffer->clear();
  }
}

}  // namespace

as_status http_request_service(as_host_ctx* ctx, const as_call* call, as_str request,
                               as_writer* out, as_writer* err) {
  std::string buffer;
  BodyTarget body{&buffer, nullptr};
  HttpCall c;
  HttpExchange x;
  StringWriter would;
  as_status s = run("http_request", ctx, call, request, body, c, x, would.get(), err);
  if (s != AS_OK) return s;
  if (!would.str().empty()) {
    as_write(out, would.str().data(), would.str().size());
    return AS_OK;
  }
  json response = summary(c, x);
  if (is_utf8(buffer)) {
    response["body"] = std::move(buffer);
  } else {
    response["body_base64"] = base64_encode(buffer);
  }
  service::reply(out, response);
  return AS_OK;
}

as_status http_stream_service(as_host_ctx* ctx, const as_call* call, as_str request,
                              const as_http_sink* sink, as_writer* out, as_writer* err) {
  if (sink == nullptr || !AS_HAS_FIELD(sink, as_http_sink, on_chunk) || sink->on_chunk == nullptr) {
    return service::fail(err, AS_ERR_INVALID_INPUT,
                         "http_stream: a sink with an on_chunk callback is required");
  }
  BodyTarget body{nullptr, sink};
  HttpCall c;
  HttpExchange x;
  StringWriter would;
  as_status s = run("http_stream", ctx, call, request, body, c, x, would.get(), err);
  if (s != AS_OK) return s;
  if (!would.str().empty()) {
    as_write(out, would.str().data(), would.str().size());
    return AS_OK;
  }
  json response = summary(c, x);
  response["stopped"] = body.stopped;
  service::reply(out, response);
  return AS_OK;
}

}  // namespace agentsys
