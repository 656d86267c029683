#include "isolation/plugin_host.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <boost/program_options.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "host/abi_str.hpp"
#include "host/host_api.hpp"
#include "host/string_writer.hpp"
#include "isolation/host_limits.hpp"
#include "isolation/mailbox.hpp"
#include "isolation/wire.hpp"
#include "plugin/plugin_library.hpp"

namespace agentsys {
namespace {

namespace po = boost::program_options;
using wire::FrameType;

/// One call the kernel asked for, as the plugin sees it. `raw` is first so the as_call* the
/// plugin hands to a host function leads back here.
struct HostedCall {
  as_call raw{};
  uint64_t id = 0;
  std::atomic<bool> cancelled{false};
  wire::CallFields fields;

  HostedCall(uint64_t call_id, wire::CallFields f) : id(call_id), fields(std::move(f)) {
    raw.struct_size = sizeof(as_call);
    raw.flags = fields.flags;
    raw.module = view(fields.module);
    raw.action = view(fields.action);
    raw.input_json = view(fields.input_json);
    raw.trace_id = view(fields.trace_id);
    raw.run_id = view(fields.run_id);
    raw.task_id = view(fields.task_id);
    raw.attempt = fields.attempt;
    raw.deadline_unix_ms = fields.deadline_unix_ms;
  }
  static HostedCall* from_raw(const as_call* call) {
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): pointer-interconvertible
    return const_cast<HostedCall*>(reinterpret_cast<const HostedCall*>(call));
  }

 private:
  static as_str view(const std::string& s) { return as_str{s.data(), s.size()}; }
};
static_assert(std::is_standard_layout_v<as_call>);

/// The host process's end of the socket, shared by the reader (main thread) and the threads
/// serving calls. One plugin per process, so one channel per process.
class Channel {
 public:
  explicit Channel(int fd) : fd_(fd) {}

  void send(FrameType type, uint64_t id, std::string_view payload = {}) {
    std::lock_guard lock(write_mutex_);
    if (!wire::write_frame(fd_, type, id, payload)) ::_exit(0);  // the kernel is gone
  }
  [[nodiscard]] int fd() const { return fd_; }

  /// Registers a service request; its replies arrive in the returned mailbox.
  std::pair<uint64_t, std::shared_ptr<wire::Mailbox>> open_request() {
    std::lock_guard lock(requests_mutex_);
    uint64_t id = ++next_request_;
    auto box = std::make_shared<wire::Mailbox>();
    requests_[id] = box;
    return {id, box};
  }
  void close_request(uint64_t id) {
    std::lock_guard lock(requests_mutex_);
    requests_.erase(id);
  }
  void deliver(wire::Frame frame) {
    std::shared_ptr<wire::Mailbox> box;
    {
      std::lock_guard lock(requests_mutex_);
      auto it = requests_.find(frame.id);
      if (it == requests_.end()) return;  // the request gave up
      box = it->second;
    }
    box->push(std::move(frame));
  }

  void add_call(HostedCall* call) {
    std::lock_guard lock(calls_mutex_);
    calls_[call->id] = call;
  }
  void remove_call(uint64_t id) {
    std::lock_guard lock(calls_mutex_);
    calls_.erase(id);
  }
  void cancel(uint64_t id) {
    std::lock_guard lock(calls_mutex_);
    if (auto it = calls_.find(id); it != calls_.end()) it->second->cancelled = true;
  }

 private:
  int fd_;
  std::mutex write_mutex_;
  std::mutex requests_mutex_;
  uint64_t next_request_ = 0;
  std::map<uint64_t, std::shared_ptr<wire::Mailbox>> requests_;
  std::mutex calls_mutex_;
  std::map<uint64_t, HostedCall*> calls_;
};

Channel* g_channel = nullptr;  // set once in plugin_host_main, before the plugin runs

uint64_t id_of(const as_call* call) { return call == nullptr ? 0 : HostedCall::from_raw(call)->id; }

void write_to(as_writer* w, std::string_view text) { as_write(w, text.data(), text.size()); }

// ---- the host API the plugin sees: every service is a request to the kernel -----------------

void forward_log(as_host_ctx*, const as_call* call, int32_t level, as_str message) {
  g_channel->send(FrameType::log, id_of(call),
                  wire::Encoder().i64(level).str(view(message)).take());
}

void forward_metric(as_host_ctx*, const as_call* call, as_str name, double value, as_str labels) {
  g_channel->send(FrameType::metric, id_of(call),
                  wire::Encoder().str(view(name)).f64(value).str(view(labels)).take());
}

int local_is_cancelled(as_host_ctx*, const as_call* call) {
  if (call == nullptr) return 0;
  const HostedCall* c = HostedCall::from_raw(call);
  if (c->cancelled.load(std::memory_order_relaxed)) return 1;
  if (c->raw.deadline_unix_ms <= 0) return 0;
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  return now >= c->raw.deadline_unix_ms ? 1 : 0;
}

/// Sends one service request for `call` and waits for its reply; `on_stream` handles the
/// stream frames http_stream's reply is preceded by (its result is the ack's stop flag).
as_status request_service(const as_call* call, wire::Service service, as_str request,
                          as_writer* out, as_writer* err,
                          const std::function<int(const wire::Frame&)>& on_stream = {}) {
  if (call == nullptr) {
    write_to(err, "host services need the call being served (call was NULL)");
    return AS_ERR_INVALID_INPUT;
  }
  auto [request_id, box] = g_channel->open_request();
  g_channel->send(FrameType::service, id_of(call),
                  wire::Encoder()
                      .u64(request_id)
                      .u64(static_cast<uint64_t>(service))
                      .str(view(request))
                      .take());
  for (;;) {
    std::optional<wire::Frame> f =
        box->pop(std::chrono::steady_clock::now() + std::chrono::hours(24));
    if (!f) continue;  // no reply for a day: keep waiting, as an in-process call would
    if (f->type == FrameType::service_reply) {
      g_channel->close_request(request_id);
      wire::Decoder d(f->payload);
      auto status = static_cast<as_status>(d.i64());
      write_to(out, d.str());
      write_to(err, d.str());
      return status;
    }
    int stop = on_stream ? on_stream(*f) : 1;
    g_channel->send(FrameType::stream_ack, id_of(call),
                    wire::Encoder().u64(request_id).i64(stop).take());
  }
}

template <wire::Service S>
as_status forward_service(as_host_ctx*, const as_call* call, as_str request, as_writer* out,
                          as_writer* err) {
  return request_service(call, S, request, out, err);
}

as_status forward_http_stream(as_host_ctx*, const as_call* call, as_str request,
                              const as_http_sink* sink, as_writer* out, as_writer* err) {
  if (sink == nullptr || sink->on_chunk == nullptr) {
    write_to(err, "http_stream: the sink and its on_chunk are required");
    return AS_ERR_INVALID_INPUT;
  }
  return request_service(call, wire::Service::http_stream, request, out, err,
                         [sink](const wire::Frame& f) {
                           wire::Decoder d(f.payload);
                           std::string_view bytes = d.str();
                           as_str s{bytes.data(), bytes.size()};
                           if (f.type == FrameType::stream_head) {
                             return sink->on_head == nullptr ? 0 : sink->on_head(sink->user, s);
                           }
                           return sink->on_chunk(sink->user, s);
                         });
}

const as_host_api kForwardingApi = {
    sizeof(as_host_api),
    AS_ABI_VERSION_MAJOR,
    AS_ABI_VERSION_MINOR,
    &forward_log,
    &forward_metric,
    &local_is_cancelled,
    &forward_service<wire::Service::run_command>,
    &forward_service<wire::Service::run_sql>,
    &forward_service<wire::Service::read_file>,
    &forward_service<wire::Service::write_file>,
    &forward_service<wire::Service::http_request>,
    &forward_service<wire::Service::policy_check>,
    &forward_service<wire::Service::submit_task>,
    &forward_service<wire::Service::query_runs>,
    &forward_http_stream,
};

// ---- serving the kernel's requests --------------------------------------------------------

class Host {
 public:
  Host(Channel& channel, std::shared_ptr<const PluginLibrary> library)
      : channel_(channel), library_(std::move(library)), vt_(library_->descriptor().vtable) {
    ctx_.plugin = library_->descriptor().name;
  }

  /// Reads and serves frames until the kernel asks the host to exit or goes away.
  ///
  /// Every serving thread runs this. One of them at a time reads the socket (the reader);
  /// a reader that receives a call hands the reading to an idle thread (starting one when
  /// none is idle) and serves the call itself, so a call starts on the thread that was woken
  /// for it, and calls of a thread-safe plugin run side by side. Other frames are handled by
  /// the reader at once.
  [[noreturn]] void serve() {
    for (;;) {
      take_reading();
      for (;;) {
        wire::Frame f = read();
        if (f.type == FrameType::invoke || f.type == FrameType::command) {
          give_reading();
          run_call(std::move(f));
          break;
        }
        dispatch(std::move(f));
      }
    }
  }

 private:
  void reply(uint64_t id, as_status status, std::string_view out, std::string_view err,
             int64_t exit_code = 0) {
    channel_.send(FrameType::result, id,
                  wire::Encoder().i64(status).str(out).str(err).i64(exit_code).take());
  }

  void dispatch(wire::Frame f) {
    switch (f.type) {
      case FrameType::create: return create(f);
      case FrameType::cancel: return channel_.cancel(f.id);
      case FrameType::quiesce:
        if (vt_.on_quiesce != nullptr) vt_.on_quiesce(instance_);
        return reply(f.id, AS_OK, {}, {});
      case FrameType::export_state: return export_state(f.id);
      case FrameType::import_state: return import_state(f);
      case FrameType::destroy: return destroy(f.id);
      case FrameType::service_reply:
      case FrameType::stream_head:
      case FrameType::stream_chunk: return channel_.deliver(std::move(f));
      default:
        std::fprintf(stderr, "agentsys-plugin-host: unexpected frame type %d\n",
                     static_cast<int>(f.type));
        ::_exit(70);
    }
  }

  void create(const wire::Frame& f) {
    StringWriter err;
    as_status status = vt_.on_create(
        &kForwardingApi, &ctx_, as_str{f.payload.data(), f.payload.size()}, &instance_, err.get());
    if (status == AS_OK && instance_ == nullptr) status = AS_ERR_INTERNAL;
    reply(f.id, status, {}, err.str());
  }

  void run_call(wire::Frame f) {
    HostedCall call(f.id, wire::decode_call(f.payload));
    channel_.add_call(&call);
    StringWriter out;
    StringWriter err;
    int32_t exit_code = 0;
    as_status status = AS_ERR_UNSUPPORTED;
    if (f.type == FrameType::invoke) {
      status = vt_.on_invoke(instance_, &call.raw, out.get(), err.get());
    } else if (AS_HAS_FIELD(&vt_, as_plugin_vtable, on_command) && vt_.on_command != nullptr) {
      status = vt_.on_command(instance_, &call.raw, out.get(), err.get(), &exit_code);
    }
    channel_.remove_call(call.id);
    reply(call.id, status, out.str(), err.str(), exit_code);
  }

  wire::Frame read() {
    std::optional<wire::Frame> f;
    try {
      f = wire::read_frame(channel_.fd());
    } catch (const wire::ProtocolError& e) {
      std::fprintf(stderr, "agentsys-plugin-host: %s\n", e.what());
      ::_exit(70);
    }
    if (!f) ::_exit(0);  // the kernel closed the socket (or died): nothing left to serve
    return std::move(*f);
  }

  void take_reading() {
    std::unique_lock lock(reading_mutex_);
    ++idle_;
    reading_cv_.wait(lock, [&] { return !reading_; });
    --idle_;
    reading_ = true;
  }

  void give_reading() {
    std::lock_guard lock(reading_mutex_);
    reading_ = false;
    if (idle_ == 0) {
      std::thread([this] { serve(); }).detach();  // serves until the process exits
    } else {
      reading_cv_.notify_one();
    }
  }

  void export_state(uint64_t id) {
    if (vt_.on_export_state == nullptr) return reply(id, AS_ERR_UNSUPPORTED, {}, {});
    StringWriter out;
    StringWriter err;
    as_status status = vt_.on_export_state(instance_, out.get(), err.get());
    reply(id, status, out.str(), err.str());
  }

  void import_state(const wire::Frame& f) {
    if (vt_.on_import_state == nullptr) return reply(f.id, AS_ERR_UNSUPPORTED, {}, {});
    StringWriter err;
    as_status status =
        vt_.on_import_state(instance_, as_str{f.payload.data(), f.payload.size()}, err.get());
    reply(f.id, status, {}, err.str());
  }

  [[noreturn]] void destroy(uint64_t id) {
    if (instance_ != nullptr) vt_.on_destroy(instance_);
    instance_ = nullptr;
    reply(id, AS_OK, {}, {});
    std::fflush(nullptr);
    ::_exit(0);  // plugin threads may still run: no static destructors under them
  }

  Channel& channel_;
  std::shared_ptr<const PluginLibrary> library_;
  const as_plugin_vtable& vt_;
  as_host_ctx ctx_;
  as_instance* instance_ = nullptr;
  std::mutex reading_mutex_;
  std::condition_variable reading_cv_;
  bool reading_ = false;  // a thread is reading the socket
  unsigned idle_ = 0;     // threads waiting to read
};

struct HostArgs {
  int channel_fd = -1;
  HostLimits limits;
  std::string plugin_file;
};

std::optional<HostArgs> parse_args(int argc, char** argv, int& exit_code) {
  HostArgs args;
  po::options_description opts(
      "agentsys-plugin-host: runs one plugin in a process of its own for the agentsys kernel,\n"
      "which starts it for modules with isolation = \"process\" (docs/isolation.md). Not meant\n"
      "to be run by hand.\n\nUsage: agentsys-plugin-host --channel-fd FD [limits] PLUGIN_FILE\n\n"
      "Options");
  opts.add_options()("help,h", "show this help")(
      "channel-fd", po::value(&args.channel_fd)->required(), "the connected socket to the kernel")(
      "max-memory-mb", po::value(&args.limits.max_memory_mb)->default_value(4096),
      "address-space limit in MiB (0: none)")(
      "max-cpu-seconds", po::value(&args.limits.max_cpu_seconds)->default_value(0),
      "CPU-time limit over the process's life (0: none)")(
      "max-open-files", po::value(&args.limits.max_open_files)->default_value(256),
      "descriptor limit (0: inherited)")("plugin", po::value(&args.plugin_file)->required(),
                                         "the plugin's shared library");
  po::positional_options_description pos;
  pos.add("plugin", 1);
  try {
    po::variables_map vm;
    po::store(po::command_line_parser(argc, argv).options(opts).positional(pos).run(), vm);
    if (vm.count("help") != 0) {
      std::cout << opts << "\n";
      exit_code = 0;
      return std::nullopt;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "agentsys-plugin-host: " << e.what() << "\n(see --help)\n";
    exit_code = 2;
    return std::nullopt;
  }
  return args;
}

}  // namespace

int plugin_host_main(int argc, char** argv) {
  int exit_code = 0;
  std::optional<HostArgs> args = parse_args(argc, argv, exit_code);
  if (!args) return exit_code;
  if (::fcntl(args->channel_fd, F_GETFD) < 0) {
    std::cerr << "agentsys-plugin-host: --channel-fd " << args->channel_fd << " is not open\n";
    return 2;
  }
  // Commands the plugin starts must not hold the kernel's socket open.
  ::fcntl(args->channel_fd, F_SETFD, FD_CLOEXEC);
  static Channel channel(args->channel_fd);
  g_channel = &channel;
  if (std::string problem = apply_limits(args->limits); !problem.empty()) {
    channel.send(FrameType::load_failed, 0, "cannot apply the resource limits: " + problem);
    return 1;
  }
  LoadResult loaded = PluginLibrary::load(args->plugin_file);
  if (!loaded) {
    channel.send(FrameType::load_failed, 0, loaded.error);
    return 1;
  }
  channel.send(FrameType::ready, 0, loaded.library->descriptor().name);
  static Host host(channel, loaded.library);
  host.serve();
}

}  // namespace agentsys
