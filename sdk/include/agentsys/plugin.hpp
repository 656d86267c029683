/// @file plugin.hpp
/// @brief Header-only C++20 helper for writing AgentSystem plugins on top of abi.h.
///
/// A plugin is a class with a constructor and an `invoke` method; `AS_PLUGIN_ENTRY` turns it
/// into the C entry point and vtable, and catches every exception at the boundary:
///
/// @code
///   #include <agentsys/plugin.hpp>
///
///   class Echo {
///    public:
///     Echo(agentsys::Host host, std::string_view config_json) : host_(host) {}
///     std::string invoke(const agentsys::Call& call) {
///       host_.info("echoing", &call);
///       return std::string(call.input());
///     }
///    private:
///     agentsys::Host host_;
///   };
///
///   AS_PLUGIN_ENTRY(Echo, .name = "echo_v2", .version = "1.0.0",
///                   .kind = AS_PLUGIN_KIND_DOMAIN, .impl = AS_IMPL_V2, .modules = {"echo"})
/// @endcode
///
/// Required members of the plugin class `T`:
///   - `T(agentsys::Host host, std::string_view config_json)`
///   - `std::string invoke(const agentsys::Call& call)`: returns the result JSON
/// Optional members, wired to the optional hooks when present:
///   - `void quiesce()`
///   - `std::string export_state()`
///   - `void import_state(std::string_view state_json)`
///   - `static std::string validate_config(agentsys::Host host, std::string_view request)`:
///     preflight's check of the configuration (ABI 1.3, `on_validate_config`)
///   - `agentsys::CommandResult command(const agentsys::Call& call)`: the CLI commands named in
///     `PluginInfo::commands` (ABI 1.3, `on_command`)
///
/// Throw `agentsys::Error(AS_ERR_..., "message")` to fail with a specific status; any other
/// exception becomes AS_ERR_INTERNAL with its `what()` as the message.
#ifndef AGENTSYS_PLUGIN_HPP
#define AGENTSYS_PLUGIN_HPP

#include <agentsys/abi.h>

#include <concepts>
#include <exception>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace agentsys {

/// Borrowed view of an `as_str`.
inline std::string_view view(as_str s) noexcept {
  return s.ptr == nullptr ? std::string_view{} : std::string_view{s.ptr, s.len};
}

/// Borrowed `as_str` over a string view; valid as long as the viewed bytes are.
inline as_str str(std::string_view s) noexcept { return as_str{s.data(), s.size()}; }

/// Appends to a host writer (no-op on NULL).
inline void write(as_writer* w, std::string_view s) noexcept { as_write(w, s.data(), s.size()); }

/// An error with an ABI status; thrown by plugin code, turned into a status at the boundary.
class Error : public std::runtime_error {
 public:
  Error(as_status status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  [[nodiscard]] as_status status() const noexcept { return status_; }

 private:
  as_status status_;
};

/// A configuration folder the plugin reads (see `as_config_folder`). ABI 1.3.
struct ConfigFolder {
  const char* name = nullptr;
  const char* schema_json = nullptr;
};

/// A CLI command the plugin serves (see `as_command_spec`). ABI 1.3.
struct Command {
  const char* noun = nullptr;
  const char* verb = "";
  const char* usage = nullptr;
  const char* summary = nullptr;
};

/// What `command()` returns: what to print and the exit code. Throw
/// `Error(AS_ERR_INVALID_INPUT, ...)` for a usage error instead (exit 2).
struct CommandResult {
  std::string out;
  std::string err;
  int exit_code = 0;
};

/// What a plugin declares about itself; see `as_plugin_descriptor`.
struct PluginInfo {
  const char* name = nullptr;
  const char* version = nullptr;
  const char* description = nullptr;
  as_plugin_kind kind = AS_PLUGIN_KIND_DOMAIN;
  as_impl impl = AS_IMPL_NONE;
  std::vector<const char*> modules = {};
  /// Whether `invoke` may run concurrently on one instance. Off by default: the kernel then
  /// serialises calls, which is always safe.
  bool thread_safe = false;
  /// The oldest kernel minor ABI version this plugin works with (it uses nothing newer).
  uint32_t min_abi_minor = 0;
  /// Configuration folders the plugin reads (ABI 1.3; older kernels ignore them).
  std::vector<ConfigFolder> config_folders = {};
  /// CLI commands the plugin serves through `command()` (ABI 1.3).
  std::vector<Command> commands = {};
#ifdef AS_PLUGIN_BUILD_ID
  const char* build_id = AS_PLUGIN_BUILD_ID;
#else
  const char* build_id = nullptr;
#endif
};

/// Read-only view of the call being served.
class Call {
 public:
  explicit Call(const as_call* raw) noexcept : raw_(raw) {}
  [[nodiscard]] std::string_view module() const noexcept { return view(raw_->module); }
  [[nodiscard]] std::string_view action() const noexcept { return view(raw_->action); }
  [[nodiscard]] std::string_view input() const noexcept { return view(raw_->input_json); }
  [[nodiscard]] std::string_view trace_id() const noexcept { return view(raw_->trace_id); }
  [[nodiscard]] std::string_view run_id() const noexcept { return view(raw_->run_id); }
  [[nodiscard]] std::string_view task_id() const noexcept { return view(raw_->task_id); }
  [[nodiscard]] unsigned attempt() const noexcept { return raw_->attempt; }
  [[nodiscard]] bool dry_run() const noexcept { return (raw_->flags & AS_CALL_DRY_RUN) != 0; }
  [[nodiscard]] int64_t deadline_unix_ms() const noexcept { return raw_->deadline_unix_ms; }
  [[nodiscard]] const as_call* raw() const noexcept { return raw_; }

 private:
  const as_call* raw_;
};

/// The host's side-effect services (see `as_host_api`).
enum class Service {
  run_command,
  run_sql,
  read_file,
  write_file,
  http_request,
  policy_check,
  submit_task,  ///< ABI 1.1
  query_runs    ///< ABI 1.2
};

/// The host functions, bound to this plugin instance. Cheap to copy.
class Host {
 public:
  Host(const as_host_api* api, as_host_ctx* ctx) noexcept : api_(api), ctx_(ctx) {}

  void log(as_log_level level, std::string_view message, const Call* call = nullptr) const {
    if (api_ != nullptr && api_->log != nullptr) {
      api_->log(ctx_, call ? call->raw() : nullptr, static_cast<int32_t>(level), str(message));
    }
  }
  void debug(std::string_view m, const Call* c = nullptr) const { log(AS_LOG_DEBUG, m, c); }
  void info(std::string_view m, const Call* c = nullptr) const { log(AS_LOG_INFO, m, c); }
  void warn(std::string_view m, const Call* c = nullptr) const { log(AS_LOG_WARN, m, c); }
  void error(std::string_view m, const Call* c = nullptr) const { log(AS_LOG_ERROR, m, c); }

  /// Records a metric sample; `labels_json` is a flat JSON object or empty.
  void metric(std::string_view name, double value, std::string_view labels_json = {},
              const Call* call = nullptr) const {
    if (api_ != nullptr && api_->emit_metric != nullptr) {
      api_->emit_metric(ctx_, call ? call->raw() : nullptr, str(name), value, str(labels_json));
    }
  }

  /// True once the kernel wants `call` to stop; poll it in long loops.
  [[nodiscard]] bool cancelled(const Call& call) const {
    return api_ != nullptr && api_->is_cancelled != nullptr &&
           api_->is_cancelled(ctx_, call.raw()) != 0;
  }

  /// True when the host offers `service`.
  [[nodiscard]] bool offers(Service service) const noexcept {
    return service_fn(service) != nullptr;
  }

  /// Calls a side-effect service; returns the response JSON or throws `Error`.
  std::string request(Service service, const Call& call, std::string_view request_json) const {
    as_host_service_fn fn = service_fn(service);
    if (fn == nullptr) {
      throw Error(AS_ERR_UNSUPPORTED, std::string("the host does not offer ") +
                                          service_name(service) + " (kernel ABI " +
                                          std::to_string(api_ ? api_->abi_major : 0) + "." +
                                          std::to_string(api_ ? api_->abi_minor : 0) + ")");
    }
    std::string out;
    std::string err;
    as_writer out_w{sizeof(as_writer), &out, &append};
    as_writer err_w{sizeof(as_writer), &err, &append};
    as_status st = fn(ctx_, call.raw(), str(request_json), &out_w, &err_w);
    if (st != AS_OK) {
      throw Error(st, err.empty() ? std::string(service_name(service)) + " failed" : err);
    }
    return out;
  }

  /// Called with each piece of a streamed body (or the head JSON); return false to stop.
  using StreamCallback = std::function<bool(std::string_view)>;

  /// True when the host offers `http_stream` (ABI 1.3).
  [[nodiscard]] bool offers_http_stream() const noexcept { return stream_fn() != nullptr; }

  /// Makes an HTTP request and delivers the body as it arrives (ABI 1.3, see `http_stream` in
  /// abi.h and docs/sdk/http.md): `on_chunk` gets each piece in order; `on_head`, if given, the
  /// head JSON first. Returns the summary JSON, or throws `Error`. An exception thrown by a
  /// callback stops the transfer and is rethrown here (it never crosses into the host).
  std::string http_stream(const Call& call, std::string_view request_json,
                          const StreamCallback& on_chunk,
                          const StreamCallback& on_head = {}) const {
    auto fn = stream_fn();
    if (fn == nullptr) {
      throw Error(AS_ERR_UNSUPPORTED, "the host does not offer http_stream (kernel ABI " +
                                          std::to_string(api_ ? api_->abi_major : 0) + "." +
                                          std::to_string(api_ ? api_->abi_minor : 0) +
                                          ", needs 1.3)");
    }
    StreamState state{&on_chunk, &on_head, nullptr};
    as_http_sink sink{sizeof(as_http_sink), &state, on_head ? &stream_head : nullptr,
                      &stream_chunk};
    std::string out;
    std::string err;
    as_writer out_w{sizeof(as_writer), &out, &append};
    as_writer err_w{sizeof(as_writer), &err, &append};
    as_status st = fn(ctx_, call.raw(), str(request_json), &sink, &out_w, &err_w);
    if (state.failure) std::rethrow_exception(state.failure);
    if (st != AS_OK) throw Error(st, err.empty() ? std::string("http_stream failed") : err);
    return out;
  }

  [[nodiscard]] const as_host_api* api() const noexcept { return api_; }
  [[nodiscard]] as_host_ctx* ctx() const noexcept { return ctx_; }

 private:
  static void append(void* ctx, const char* ptr, size_t len) {
    static_cast<std::string*>(ctx)->append(ptr, len);
  }
  struct StreamState {
    const StreamCallback* on_chunk;
    const StreamCallback* on_head;
    std::exception_ptr failure;
  };
  static int stream_call(void* user, as_str bytes, bool head) noexcept {
    auto* state = static_cast<StreamState*>(user);
    try {
      return (*(head ? state->on_head : state->on_chunk))(view(bytes)) ? 0 : 1;
    } catch (...) {
      state->failure = std::current_exception();
      return 1;
    }
  }
  static int stream_head(void* user, as_str bytes) noexcept {
    return stream_call(user, bytes, true);
  }
  static int stream_chunk(void* user, as_str bytes) noexcept {
    return stream_call(user, bytes, false);
  }
  using StreamFn = as_status (*)(as_host_ctx*, const as_call*, as_str, const as_http_sink*,
                                 as_writer*, as_writer*);
  [[nodiscard]] StreamFn stream_fn() const noexcept {
    return api_ != nullptr && AS_HAS_FIELD(api_, as_host_api, http_stream) ? api_->http_stream
                                                                           : nullptr;
  }

  static const char* service_name(Service s) noexcept {
    switch (s) {
      case Service::run_command: return "run_command";
      case Service::run_sql: return "run_sql";
      case Service::read_file: return "read_file";
      case Service::write_file: return "write_file";
      case Service::http_request: return "http_request";
      case Service::policy_check: return "policy_check";
      case Service::submit_task: return "submit_task";
      case Service::query_runs: return "query_runs";
    }
    return "unknown service";
  }
  [[nodiscard]] as_host_service_fn service_fn(Service s) const noexcept {
    // The 1.0 services come together; a table too small to hold them has none of them.
    if (api_ == nullptr || !AS_HAS_FIELD(api_, as_host_api, policy_check)) return nullptr;
    switch (s) {
      case Service::submit_task:
        return AS_HAS_FIELD(api_, as_host_api, submit_task) ? api_->submit_task : nullptr;
      case Service::query_runs:
        return AS_HAS_FIELD(api_, as_host_api, query_runs) ? api_->query_runs : nullptr;
      case Service::run_command: return api_->run_command;
      case Service::run_sql: return api_->run_sql;
      case Service::read_file: return api_->read_file;
      case Service::write_file: return api_->write_file;
      case Service::http_request: return api_->http_request;
      case Service::policy_check: return api_->policy_check;
    }
    return nullptr;
  }

  const as_host_api* api_;
  as_host_ctx* ctx_;
};

namespace detail {

/// Runs `fn`, turning any exception into a status and a message on `err`.
template <class Fn>
as_status guarded(as_writer* err, Fn&& fn) noexcept {
  try {
    std::forward<Fn>(fn)();
    return AS_OK;
  } catch (const Error& e) {
    write(err, e.what());
    return e.status();
  } catch (const std::exception& e) {
    write(err, e.what());
    return AS_ERR_INTERNAL;
  } catch (...) {
    write(err, "unknown exception");
    return AS_ERR_INTERNAL;
  }
}

template <class T>
struct Adapter {
  static T* self(as_instance* i) noexcept { return reinterpret_cast<T*>(i); }

  static as_status create(const as_host_api* host, as_host_ctx* ctx, as_str config,
                          as_instance** out, as_writer* err) noexcept {
    return guarded(err, [&] {
      *out = reinterpret_cast<as_instance*>(new T(Host{host, ctx}, view(config)));
    });
  }
  static as_status invoke(as_instance* i, const as_call* call, as_writer* out,
                          as_writer* err) noexcept {
    return guarded(err, [&] {
      std::string result = self(i)->invoke(Call{call});
      write(out, result);
    });
  }
  static void destroy(as_instance* i) noexcept { delete self(i); }
  static void quiesce(as_instance* i) noexcept {
    try {
      self(i)->quiesce();
    } catch (...) {  // NOLINT(bugprone-empty-catch): nothing may cross the boundary
    }
  }
  static as_status export_state(as_instance* i, as_writer* out, as_writer* err) noexcept {
    return guarded(err, [&] { write(out, self(i)->export_state()); });
  }
  static as_status import_state(as_instance* i, as_str state, as_writer* err) noexcept {
    return guarded(err, [&] { self(i)->import_state(view(state)); });
  }

  static as_status validate_config(const as_host_api* host, as_str request, as_writer* out,
                                   as_writer* err) noexcept {
    return guarded(err, [&] {
      write(out, T::validate_config(Host{host, nullptr}, view(request)));
    });
  }
  static as_status command(as_instance* i, const as_call* call, as_writer* out, as_writer* err,
                           int32_t* exit_code) noexcept {
    return guarded(err, [&] {
      CommandResult r = self(i)->command(Call{call});
      write(out, r.out);
      write(err, r.err);
      if (exit_code != nullptr) *exit_code = r.exit_code;
    });
  }

  static as_plugin_vtable vtable() noexcept {
    as_plugin_vtable vt{};
    vt.struct_size = sizeof(as_plugin_vtable);
    vt.on_create = &create;
    vt.on_invoke = &invoke;
    vt.on_destroy = &destroy;
    if constexpr (requires(T & t) { t.quiesce(); }) vt.on_quiesce = &quiesce;
    if constexpr (requires(T & t) { t.export_state(); }) vt.on_export_state = &export_state;
    if constexpr (requires(T & t, std::string_view s) { t.import_state(s); }) {
      vt.on_import_state = &import_state;
    }
    if constexpr (requires(Host h, std::string_view s) {
                    { T::validate_config(h, s) } -> std::convertible_to<std::string>;
                  }) {
      vt.on_validate_config = &validate_config;
    }
    if constexpr (requires(T & t, const Call& c) {
                    { t.command(c) } -> std::same_as<CommandResult>;
                  }) {
      vt.on_command = &command;
    }
    return vt;
  }
};

/// Fills the kernel's descriptor from a lazily built, library-lifetime `PluginInfo`.
template <class T, class MakeInfo>
as_status describe(as_plugin_descriptor* out, MakeInfo make_info) noexcept {
  try {
    static const PluginInfo info = make_info();
    static const as_plugin_vtable vt = Adapter<T>::vtable();
    static const std::vector<as_config_folder> folders = [] {
      std::vector<as_config_folder> v;
      for (const ConfigFolder& f : info.config_folders) {
        v.push_back({sizeof(as_config_folder), f.name, f.schema_json});
      }
      return v;
    }();
    static const std::vector<as_command_spec> commands = [] {
      std::vector<as_command_spec> v;
      for (const Command& c : info.commands) {
        v.push_back({sizeof(as_command_spec), c.noun, c.verb, c.usage, c.summary});
      }
      return v;
    }();
    as_plugin_descriptor d{};
    d.struct_size = sizeof(as_plugin_descriptor);
    d.abi_major = AS_ABI_VERSION_MAJOR;
    d.abi_minor = info.min_abi_minor;
    d.name = info.name;
    d.version = info.version;
    d.description = info.description;
    d.kind = static_cast<uint32_t>(info.kind);
    d.impl = static_cast<uint32_t>(info.impl);
    d.modules = info.modules.empty() ? nullptr : info.modules.data();
    d.module_count = info.modules.size();
    d.flags = info.thread_safe ? static_cast<uint32_t>(AS_PLUGIN_THREAD_SAFE) : 0u;
    d.build_id = info.build_id;
    d.vtable = &vt;
    d.config_folders = folders.empty() ? nullptr : folders.data();
    d.config_folder_count = folders.size();
    d.commands = commands.empty() ? nullptr : commands.data();
    d.command_count = commands.size();
    return as_plugin_descriptor_fill(out, &d);
  } catch (...) {
    return AS_ERR_INTERNAL;
  }
}

}  // namespace detail
}  // namespace agentsys

/// Emits the plugin's `as_plugin_entry` for class `Type`; the remaining arguments are
/// designated initializers of `agentsys::PluginInfo`.
#define AS_PLUGIN_ENTRY(Type, ...)                                                                 \
  extern "C" AS_PLUGIN_EXPORT as_status as_plugin_entry(const as_host_api* /*host*/,               \
                                                        as_plugin_descriptor* out) {               \
    return ::agentsys::detail::describe<Type>(out,                                                 \
                                              [] { return ::agentsys::PluginInfo{__VA_ARGS__}; }); \
  }

#endif  // AGENTSYS_PLUGIN_HPP
