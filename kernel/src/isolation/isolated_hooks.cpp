#include "isolation/isolated_hooks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "host/abi_str.hpp"
#include "host/string_writer.hpp"
#include "isolation/plugin_process.hpp"
#include "plugin/plugin_library.hpp"
#include "task/error_code.hpp"

namespace agentsys {
namespace {

using Clock = std::chrono::steady_clock;
using wire::FrameType;

constexpr std::chrono::milliseconds kPoll{10};  // how often a waiting call looks for cancellation
constexpr std::chrono::seconds kControlTimeout{10};  // create, quiesce, state, destroy

void write_to(as_writer* w, std::string_view text) { as_write(w, text.data(), text.size()); }

as_host_service_fn service_fn(const as_host_api& host, wire::Service s) {
  switch (s) {
    case wire::Service::run_command: return host.run_command;
    case wire::Service::run_sql: return host.run_sql;
    case wire::Service::read_file: return host.read_file;
    case wire::Service::write_file: return host.write_file;
    case wire::Service::http_request: return host.http_request;
    case wire::Service::policy_check: return host.policy_check;
    case wire::Service::submit_task: return host.submit_task;
    case wire::Service::query_runs: return host.query_runs;
    case wire::Service::http_stream: return nullptr;
  }
  return nullptr;
}

/// What a request got back: the result frame's fields, or the host's death.
struct Reply {
  as_status status = AS_OK;
  std::string out, err;
  int64_t exit_code = 0;
};

Reply decode_result(const wire::Frame& f) {
  wire::Decoder d(f.payload);
  Reply r;
  r.status = static_cast<as_status>(d.i64());
  r.out = d.str();
  r.err = d.str();
  r.exit_code = d.i64();
  return r;
}

class IsolatedHooks final : public InstanceHooks {
 public:
  IsolatedHooks(const PluginLibrary& library, IsolationSpec spec)
      : vt_(library.descriptor().vtable), name_(library.descriptor().name) {
    process_spec_.program = spec.host_program.empty() ? default_host_program() : spec.host_program;
    process_spec_.plugin_file = library.path();
    process_spec_.limits = spec.limits;
    spec_ = std::move(spec);
  }

  [[nodiscard]] bool isolated() const override { return true; }

  as_status create(const as_host_api* host, as_host_ctx* ctx, std::string_view config,
                   std::string& error) override {
    host_ = host;
    ctx_ = ctx;
    config_ = config;
    std::lock_guard lock(mutex_);
    return start(error);
  }

  as_status invoke(const as_call& call, as_writer* out, as_writer* err) override {
    int64_t exit_code = 0;
    return call_hook(FrameType::invoke, call, out, err, exit_code);
  }

  as_status command(const as_call& call, as_writer* out, as_writer* err,
                    int32_t* exit_code) override {
    int64_t code = 0;
    as_status status = call_hook(FrameType::command, call, out, err, code);
    *exit_code = static_cast<int32_t>(code);
    return status;
  }

  void quiesce() override { control(FrameType::quiesce, {}); }

  [[nodiscard]] bool has_state_transfer() const override {
    return vt_.on_export_state != nullptr && vt_.on_import_state != nullptr;
  }

  as_status export_state(as_writer* out, as_writer* err) override {
    Reply r = control(FrameType::export_state, {});
    write_to(out, r.out);
    write_to(err, r.err);
    return r.status;
  }

  as_status import_state(std::string_view state_json, as_writer* err) override {
    Reply r = control(FrameType::import_state, state_json);
    write_to(err, r.err);
    return r.status;
  }

  void destroy() override {
    std::shared_ptr<PluginProcess> p;
    {
      std::lock_guard lock(mutex_);
      p = std::move(process_);
    }
    if (p && p->alive()) request(*p, FrameType::destroy, {});
  }

 private:
  /// Starts a host and creates the instance in it. Caller holds mutex_.
  as_status start(std::string& error) {
    try {
      process_ = std::make_shared<PluginProcess>(process_spec_,
                                                 [this](const wire::Frame& f) { outside_call(f); });
    } catch (const std::exception& e) {
      error = e.what();
      return AS_ERR_UNAVAILABLE;
    }
    Reply r = request(*process_, FrameType::create, config_);
    if (r.status != AS_OK) {
      error = r.err;
      process_.reset();  // a host without an instance must not get calls
    }
    return r.status;
  }

  /// The host to send a call to: the running one, or a new one after the restart backoff.
  /// Null (with `why`) when none can be had before the call's deadline.
  std::shared_ptr<PluginProcess> running(const as_call& call, std::string& why) {
    std::lock_guard lock(mutex_);
    if (process_ && process_->alive()) return process_;
    if (deaths_ > 0) {
      const std::chrono::milliseconds delay = std::min(
          spec_.max_restart_backoff,
          std::chrono::milliseconds(spec_.restart_backoff.count() << std::min(deaths_ - 1, 16U)));
      Clock::time_point at = last_death_ + delay;
      if (call.deadline_unix_ms > 0) {
        auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
        auto left = std::chrono::milliseconds(call.deadline_unix_ms - now_ms);
        if (Clock::now() + left < at) {
          why = fmt::format(
              "the plugin host of {} died ({}) and is restarted in {} ms, after "
              "the call's deadline",
              name_, last_death_reason_, delay.count());
          return nullptr;
        }
      }
      std::this_thread::sleep_until(at);
    }
    std::string error;
    if (start(error) != AS_OK) {
      note_death_locked(error);
      why = fmt::format("the plugin host of {} could not be restarted: {}", name_, error);
      return nullptr;
    }
    return process_;
  }

  /// Counts `p`'s death once, however many of its calls saw it.
  void note_death(const PluginProcess& p) {
    std::lock_guard lock(mutex_);
    if (process_.get() != &p) return;
    process_.reset();
    note_death_locked(p.death());
  }
  void note_death_locked(const std::string& reason) {
    ++deaths_;
    last_death_ = Clock::now();
    last_death_reason_ = reason;
  }

  as_status call_hook(FrameType type, const as_call& call, as_writer* out, as_writer* err,
                      int64_t& exit_code) {
    std::string why;
    std::shared_ptr<PluginProcess> p = running(call, why);
    if (!p) {
      write_to(err, why);
      return kStatusPluginCrashed;
    }
    const uint64_t id = next_id_.fetch_add(1) + 1;
    p->begin_request(id);
    p->send(type, id,
            wire::encode_call(view(call.module), view(call.action), view(call.input_json),
                              view(call.trace_id), view(call.run_id), view(call.task_id),
                              call.attempt, call.flags, call.deadline_unix_ms));
    std::optional<Reply> reply = serve_call(*p, call, id);
    p->end_request(id);
    if (!reply) {
      std::string death = p->death();
      note_death(*p);
      write_to(err, fmt::format("the plugin host of {} died during the call: {}; it is started "
                                "again for the next call",
                                name_, death));
      return kStatusPluginCrashed;
    }
    {
      std::lock_guard lock(mutex_);
      deaths_ = 0;  // a call that returns resets the restart backoff
    }
    write_to(out, reply->out);
    write_to(err, reply->err);
    exit_code = reply->exit_code;
    return reply->status;
  }

  /// Serves what the host sends for the call until its result; nullopt when the host died.
  std::optional<Reply> serve_call(PluginProcess& p, const as_call& call, uint64_t id) {
    bool cancel_sent = false;
    Clock::time_point kill_at = Clock::time_point::max();
    for (;;) {
      std::optional<wire::Frame> f = p.next(id, Clock::now() + kPoll);
      if (f) {
        if (f->type == FrameType::result) return decode_result(*f);
        handle(p, call, id, *f);
        continue;
      }
      if (!p.alive()) return std::nullopt;
      if (!cancel_sent && host_->is_cancelled(ctx_, &call) != 0) {
        p.send(FrameType::cancel, id);
        cancel_sent = true;
        kill_at = Clock::now() + spec_.cancel_grace;
      }
      if (Clock::now() >= kill_at) {
        p.kill(fmt::format("the call did not return within {} ms of being cancelled",
                           spec_.cancel_grace.count()));
        kill_at = Clock::time_point::max();
      }
    }
  }

  /// A frame of the call other than its result: a log line, a metric or a service request.
  void handle(PluginProcess& p, const as_call& call, uint64_t id, const wire::Frame& f) {
    wire::Decoder d(f.payload);
    switch (f.type) {
      case FrameType::log: {
        auto level = static_cast<int32_t>(d.i64());
        std::string_view message = d.str();
        host_->log(ctx_, &call, level, as_str{message.data(), message.size()});
        return;
      }
      case FrameType::metric: {
        std::string_view name = d.str();
        double value = d.f64();
        std::string_view labels = d.str();
        host_->emit_metric(ctx_, &call, as_str{name.data(), name.size()}, value,
                           as_str{labels.data(), labels.size()});
        return;
      }
      case FrameType::service: return serve_service(p, call, id, d);
      default: return;  // a stale stream_ack: its request already ended
    }
  }

  void serve_service(PluginProcess& p, const as_call& call, uint64_t id, wire::Decoder& d) {
    const uint64_t request_id = d.u64();
    const auto service = static_cast<wire::Service>(d.u64());
    std::string_view request = d.str();
    StringWriter out;
    StringWriter err;
    as_status status = AS_ERR_UNSUPPORTED;
    as_str req{request.data(), request.size()};
    if (service == wire::Service::http_stream) {
      status = stream(p, call, id, request_id, req, out.get(), err.get());
    } else if (as_host_service_fn fn = service_fn(*host_, service)) {
      status = fn(ctx_, &call, req, out.get(), err.get());
    } else {
      write_to(err.get(), "unknown host service");
    }
    p.send(FrameType::service_reply, request_id,
           wire::Encoder().i64(status).str(out.str()).str(err.str()).take());
  }

  /// http_stream across the boundary: each piece goes to the host, whose answer (continue or
  /// stop) is the sink's.
  struct StreamRelay {
    IsolatedHooks* self;
    PluginProcess* process;
    const as_call* call;
    uint64_t call_id;
    uint64_t request_id;

    int relay(FrameType type, as_str bytes) {
      process->send(type, request_id, wire::Encoder().str(view(bytes)).take());
      for (;;) {
        std::optional<wire::Frame> f = process->next(call_id, Clock::now() + kPoll);
        if (!f) {
          if (!process->alive()) return 1;
          continue;
        }
        if (f->type == FrameType::stream_ack) {
          wire::Decoder d(f->payload);
          if (d.u64() == request_id) return d.i64() != 0 ? 1 : 0;
          continue;
        }
        self->handle(*process, *call, call_id, *f);
      }
    }
  };

  as_status stream(PluginProcess& p, const as_call& call, uint64_t call_id, uint64_t request_id,
                   as_str request, as_writer* out, as_writer* err) {
    if (!AS_HAS_FIELD(host_, as_host_api, http_stream) || host_->http_stream == nullptr) {
      return AS_ERR_UNSUPPORTED;
    }
    StreamRelay relay{this, &p, &call, call_id, request_id};
    as_http_sink sink{sizeof(as_http_sink), &relay,
                      [](void* user, as_str head) {
                        return static_cast<StreamRelay*>(user)->relay(FrameType::stream_head, head);
                      },
                      [](void* user, as_str bytes) {
                        return static_cast<StreamRelay*>(user)->relay(FrameType::stream_chunk,
                                                                      bytes);
                      }};
    return host_->http_stream(ctx_, &call, request, &sink, out, err);
  }

  /// A log line or metric from outside any call (a plugin's own thread).
  void outside_call(const wire::Frame& f) {
    wire::Decoder d(f.payload);
    if (f.type == FrameType::log) {
      auto level = static_cast<int32_t>(d.i64());
      std::string_view message = d.str();
      host_->log(ctx_, nullptr, level, as_str{message.data(), message.size()});
    } else if (f.type == FrameType::metric) {
      std::string_view name = d.str();
      double value = d.f64();
      std::string_view labels = d.str();
      host_->emit_metric(ctx_, nullptr, as_str{name.data(), name.size()}, value,
                         as_str{labels.data(), labels.size()});
    }
  }

  /// A request outside a call (create, quiesce, state transfer, destroy), bounded in time.
  Reply request(PluginProcess& p, FrameType type, std::string_view payload) {
    const uint64_t id = next_id_.fetch_add(1) + 1;
    p.begin_request(id);
    p.send(type, id, payload);
    Clock::time_point until = Clock::now() + kControlTimeout;
    Reply r;
    r.status = kStatusPluginCrashed;
    for (;;) {
      std::optional<wire::Frame> f = p.next(id, until);
      if (f && f->type == FrameType::result) {
        r = decode_result(*f);
        break;
      }
      if (f) {
        outside_call(*f);
        continue;
      }
      r.err = !p.alive() ? fmt::format("the plugin host of {} died: {}", name_, p.death())
                         : fmt::format("the plugin host of {} did not answer within {} s", name_,
                                       kControlTimeout.count());
      break;
    }
    p.end_request(id);
    return r;
  }

  Reply control(FrameType type, std::string_view payload) {
    std::shared_ptr<PluginProcess> p;
    {
      std::lock_guard lock(mutex_);
      p = process_;
    }
    if (!p || !p->alive()) {
      Reply r;
      r.status = kStatusPluginCrashed;
      r.err = fmt::format("the plugin host of {} is not running", name_);
      return r;
    }
    return request(*p, type, payload);
  }

  const as_plugin_vtable& vt_;
  std::string name_;
  IsolationSpec spec_;
  HostProcessSpec process_spec_;
  const as_host_api* host_ = nullptr;
  as_host_ctx* ctx_ = nullptr;
  std::string config_;
  std::atomic<uint64_t> next_id_{0};

  std::mutex mutex_;  // guards the members below; held while a host is (re)started
  std::shared_ptr<PluginProcess> process_;
  unsigned deaths_ = 0;  // consecutive deaths since a call last returned
  Clock::time_point last_death_;
  std::string last_death_reason_;
};

}  // namespace

HooksFactory isolated_hooks(IsolationSpec spec) {
  return [spec](const PluginLibrary& library) -> std::unique_ptr<InstanceHooks> {
    return std::make_unique<IsolatedHooks>(library, spec);
  };
}

}  // namespace agentsys
