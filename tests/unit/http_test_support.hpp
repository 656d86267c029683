#pragma once
// Calls the kernel's http_request / http_stream through the host API table, as a plugin does,
// with the shipped policy (base + the named environment layers) deciding.
#include <doctest/doctest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "host/call_frame.hpp"
#include "host/host_api.hpp"
#include "host/string_writer.hpp"
#include "test_support.hpp"
#include "util/time.hpp"

namespace agentsys::test {

struct HttpAnswer {
  as_status status = AS_OK;
  nlohmann::json out;
  std::string err;
};

/// Options of one call: dry-run, shadow, a deadline from now.
struct HttpCallOptions {
  bool dry_run = false;
  bool shadow = false;
  int64_t deadline_in_ms = 0;
};

class HttpHost {
 public:
  using Options = HttpCallOptions;
  explicit HttpHost(const std::vector<std::string>& env_layers = {"dev"}) {
    sink.enable(registry, dir.path(), nullptr, {}, env_layers);
    ctx.plugin = "http_test";
    ctx.sink = &sink;
  }

  HttpAnswer request(const nlohmann::json& req, HttpCallOptions o = HttpCallOptions()) {
    CallFrame frame(spec(o));
    return finish(host_api()->http_request(&ctx, &frame.raw, text(req), out_.get(), err_.get()));
  }

  /// Streams; `on_chunk(frame, bytes)` returns false to stop.
  HttpAnswer stream(const nlohmann::json& req,
                    const std::function<bool(CallFrame&, std::string_view)>& on_chunk,
                    HttpCallOptions o = HttpCallOptions()) {
    CallFrame frame(spec(o));
    struct User {
      CallFrame* frame;
      const std::function<bool(CallFrame&, std::string_view)>* fn;
    } user{&frame, &on_chunk};
    as_http_sink s{sizeof(as_http_sink), &user, nullptr, [](void* u, as_str bytes) {
                     auto* x = static_cast<User*>(u);
                     return (*x->fn)(*x->frame, std::string_view(bytes.ptr, bytes.len)) ? 0 : 1;
                   }};
    return finish(host_api()->http_stream(&ctx, &frame.raw, text(req), &s, out_.get(), err_.get()));
  }

  TempDir dir;
  PolicedSink sink;
  ModuleRegistry registry{sink};
  as_host_ctx ctx;

 private:
  CallSpec spec(const Options& o) {
    CallSpec s;
    s.module = "http_test";
    s.run_id = "0123abcd";
    s.dry_run = o.dry_run;
    s.shadow = o.shadow;
    if (o.deadline_in_ms > 0) s.deadline_unix_ms = unix_ms_now() + o.deadline_in_ms;
    return s;
  }
  as_str text(const nlohmann::json& req) {
    request_text_ = req.dump();
    return as_str{request_text_.data(), request_text_.size()};
  }
  HttpAnswer finish(as_status status) {
    HttpAnswer a;
    a.status = status;
    a.err = err_.take();
    std::string out = out_.take();
    if (!out.empty()) a.out = nlohmann::json::parse(out);
    return a;
  }
  std::string request_text_;
  StringWriter out_;
  StringWriter err_;
};

}  // namespace agentsys::test
