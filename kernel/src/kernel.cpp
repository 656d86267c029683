#include "kernel.hpp"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>

#include "host/call_frame.hpp"
#include "task/ids.hpp"
#include "util/time.hpp"

namespace agentsys {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

std::string_view level_name(as_log_level level) {
  switch (level) {
    case AS_LOG_DEBUG: return "debug";
    case AS_LOG_INFO: return "info";
    case AS_LOG_WARN: return "warn";
    case AS_LOG_ERROR: return "error";
  }
  return "info";
}

// A plugin that logs a whole document per call must not fill the database: keep the start.
constexpr size_t kMaxLoggedMessage = 4096;

}  // namespace

void KernelSink::log(std::string_view plugin, const CallFrame* call, as_log_level level,
                     std::string_view message) {
  logger_.log(plugin, call, level, message);
  if (message.size() > kMaxLoggedMessage) message = message.substr(0, kMaxLoggedMessage);
  if (TelemetryBus* t = telemetry_.load()) t->plugin_log(plugin, call, level_name(level), message);
  RunStore* store = store_.load();
  if (store == nullptr || call == nullptr || call->raw.run_id.len == 0) return;
  EventRow e;
  e.ts = iso8601_now();
  e.type = "plugin_log";
  e.trace_id = std::string(call->raw.trace_id.ptr, call->raw.trace_id.len);
  e.run_id = std::string(call->raw.run_id.ptr, call->raw.run_id.len);
  e.module = std::string(call->module());
  e.attempt = call->raw.attempt;
  e.data = json{{"plugin", plugin}, {"level", level_name(level)}, {"message", message}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
  store->append_event(e);
}

void KernelSink::metric(std::string_view plugin, const CallFrame* call, std::string_view name,
                        double value, std::string_view labels_json) {
  if (TelemetryBus* t = telemetry_.load()) {
    t->metric(plugin, name, value, labels_json);
  } else {
    logger_.metric(plugin, call, name, value, labels_json);
  }
}

void KernelSink::side_effect(std::string_view plugin, const CallFrame& call, std::string_view kind,
                             std::string_view detail_json, bool performed) {
  RunStore* store = store_.load();
  if (store == nullptr) return;
  json detail = json::parse(detail_json, nullptr, false);
  json data{{"plugin", plugin},
            {"kind", kind},
            {"performed", performed},
            {"would_do", !performed},
            {"detail", detail.is_discarded() ? json(detail_json) : detail}};
  EventRow e;
  e.ts = iso8601_now();
  e.type = "side_effect";
  e.trace_id = std::string(call.raw.trace_id.ptr, call.raw.trace_id.len);
  e.run_id = std::string(call.raw.run_id.ptr, call.raw.run_id.len);
  e.module = std::string(call.module());
  e.attempt = call.raw.attempt;
  e.data = data.dump(-1, ' ', false, json::error_handler_t::replace);
  store->append_event(e);
}

void KernelSink::attach(RunStore* store, TelemetryBus* telemetry) {
  store_ = store;
  telemetry_ = telemetry;
}

Kernel::Kernel(KernelOptions options) : options_(std::move(options)), registry_(sink_) {
  if (!options_.plugins) {
    options_.plugins.emplace();
    options_.plugins->load(options_.plugin_dirs);
  }
  refusals_ = options_.plugins->refusals;
  for (const auto& library : options_.plugins->libraries) {
    auto config = options_.plugin_configs.find(library->descriptor().name);
    std::string error = registry_.install(
        library, ModuleRegistry::Install::add,
        config == options_.plugin_configs.end() ? std::string("{}") : config->second,
        hooks_for(library->descriptor()));
    if (!error.empty()) refusals_.push_back({library->path(), error});
  }
  commands_ = options_.plugins->commands();
  options_.plugins->libraries.clear();  // the registry holds what it installed
  // Configured modes first; what an operator set with `module set` wins over them.
  for (const auto& [module, mode] : options_.default_modes) registry_.restore_mode(module, mode);
  std::error_code ec;
  if (fs::exists(StateStore::database_path(options_.state_dir), ec)) {
    for (const auto& [module, routing] : state().module_routing()) {
      registry_.restore_routing(module, routing);
    }
  }
  if (options_.host.state_dir.empty())
    options_.host.state_dir = fs::absolute(options_.state_dir, ec);
  if (options_.host.output_dir.empty())
    options_.host.output_dir = options_.host.state_dir / "output";
}

HooksFactory Kernel::hooks_for(const PluginDescriptor& plugin) const {
  if (plugin.kind != AS_PLUGIN_KIND_DOMAIN) return {};
  for (const std::string& module : plugin.modules) {
    auto it = options_.module_isolation.find(module);
    if (it != options_.module_isolation.end()) return isolated_hooks(it->second);
  }
  return {};
}

Kernel::~Kernel() {
  stop_routing_watch();
  // Stop producing before the consumers go: runner, then telemetry, then the store.
  if (runner_) runner_->shutdown();
  runner_.reset();
  extensions_.clear();
  sink_.attach(nullptr);
  lineage_.reset();
  services_.reset();
  policy_.reset();
  sink_.attach(nullptr, nullptr);
  telemetry_.reset();
  runs_.reset();
}

std::string Kernel::telemetry_config() const {
  return json{{"log_file", (options_.state_dir / "logs" / "agentsys.jsonl").string()},
              {"metrics_dir", (options_.state_dir / "telemetry").string()}}
      .dump();
}

StateStore& Kernel::state() {
  if (!state_) state_ = StateStore::open(options_.state_dir, !options_.read_only);
  return *state_;
}

RunStore& Kernel::runs() {
  if (!runs_) {
    runs_ = std::make_unique<RunStore>(options_.state_dir, options_.durability);
    sink_.attach(runs_.get(), telemetry_.get());
  }
  return *runs_;
}

TelemetryBus& Kernel::telemetry() {
  if (!telemetry_) {
    // Telemetry plugins are loaded unconfigured (so read-only commands write nothing) and
    // swapped for instances writing under the state directory when telemetry is first used.
    for (const auto& plugin : registry_.plugins()) {
      if (plugin->descriptor().kind != AS_PLUGIN_KIND_TELEMETRY) continue;
      std::string error = registry_.install(plugin->library_ptr(), ModuleRegistry::Install::replace,
                                            telemetry_config());
      if (!error.empty()) spdlog::error("telemetry plugin not configured: {}", error);
    }
    telemetry_ = std::make_unique<TelemetryBus>(registry_);
    sink_.attach(runs_.get(), telemetry_.get());
  }
  return *telemetry_;
}

LineageBus& Kernel::lineage() {
  if (!lineage_) {
    // Like telemetry: loaded unconfigured, configured with where to keep events on first use.
    const std::string config = json{
        {"dir", (options_.state_dir / "lineage").string()},
        {"read_only",
         options_.read_only}}.dump();
    for (const auto& plugin : registry_.plugins()) {
      if (plugin->descriptor().kind != AS_PLUGIN_KIND_LINEAGE) continue;
      std::string error =
          registry_.install(plugin->library_ptr(), ModuleRegistry::Install::replace, config);
      if (!error.empty()) spdlog::error("lineage plugin not configured: {}", error);
    }
    lineage_ = std::make_unique<LineageBus>(registry_, options_.lineage_modules);
  }
  return *lineage_;
}

PolicyGate& Kernel::policy() {
  if (!policy_) {
    if (!options_.policy_config) {
      throw std::runtime_error(
          "no policy is configured: run with a configuration directory that has policy layers "
          "(see docs/policy.md)");
    }
    policy_ = std::make_unique<PolicyGate>(
        registry_, options_.read_only || !options_.durable_runs ? nullptr : &runs(),
        *options_.policy_config);
  }
  return *policy_;
}

Runner& Kernel::runner() {
  if (!runner_) {
    // Side effects are possible only with a policy to decide them (and a log to record it).
    // Without a policy plugin, plugins still run but the host refuses their side effects.
    if (options_.policy_config && !services_) {
      try {
        services_ = std::make_unique<HostServices>(policy(), options_.host);
        sink_.attach(services_.get());
      } catch (const std::runtime_error& e) {
        spdlog::debug("host side-effect services are off: {}", e.what());
      }
    }
    RunStore* store = options_.durable_runs ? &runs() : nullptr;
    TelemetryBus& bus = telemetry();
    LineageBus* lineage_bus = &lineage();
    for (const KernelExtensionFactory& make : options_.extensions) {
      extensions_.push_back(make(*this));
    }
    options_.runner.on_finished = [this, lineage_bus](const RunResult& r) {
      lineage_bus->finished(r);
      for (const std::unique_ptr<KernelExtension>& e : extensions_) e->run_finished(r);
    };
    options_.runner.on_shadow = [this](const ShadowOutcome& o) {
      for (const std::unique_ptr<KernelExtension>& e : extensions_) e->shadow_finished(o);
    };
    if (store != nullptr) options_.runner.journal_dir = options_.state_dir / "inflight";
    runner_ = std::make_unique<Runner>(registry_, store, &bus, options_.runner);
    start_routing_watch();
    if (services_) {
      services_->set_run_store(store);
      Runner* runner = runner_.get();
      services_->set_submitter([runner](TaskSpec task) { return runner->submit(std::move(task)); });
    }
    if (options_.recover_on_start && store != nullptr) {
      recovered_ = runner_->recover(options_.recovery_scope);
    }
  }
  return *runner_;
}

std::string Kernel::set_module_mode(const std::string& module, ModuleMode mode) {
  return set_module_routing(module, Routing{mode, 0, {}});
}

std::string Kernel::set_module_routing(const std::string& module, Routing routing,
                                       std::string_view reason) {
  std::optional<ModuleBinding> before = registry_.binding(module);
  if (!before) return registry_.set_routing(module, routing);  // the error, touching no state
  if (routing.mode == ModuleMode::cutover && routing.salt.empty()) {
    // Keep the module's salt for good: a new one would reshuffle every key's bucket.
    auto persisted = state().module_routing();
    auto it = persisted.find(module);
    routing.salt = it != persisted.end() && !it->second.salt.empty() ? it->second.salt
                                                                     : new_trace_id().substr(0, 16);
  } else if (routing.mode != ModuleMode::cutover) {
    routing.percent = 0;
    auto persisted = state().module_routing();
    if (auto it = persisted.find(module); it != persisted.end()) routing.salt = it->second.salt;
  }
  std::string error = registry_.set_routing(module, routing);
  if (!error.empty()) return error;
  state().set_module_routing(module, routing);
  json data{{"from", before ? before->routing().label() : ""},
            {"to", routing.label()},
            {"mode", std::string(to_string(routing.mode))},
            {"percent", routing.percent}};
  if (!reason.empty()) data["reason"] = reason;
  runs().append_event({0, iso8601_now(), "mode_changed", "", "", module, "", 0, data.dump()});
  runs().sync();
  return {};
}

void Kernel::start_routing_watch() {
  std::error_code ec;
  if (options_.read_only || !fs::exists(StateStore::database_path(options_.state_dir), ec)) return;
  // Its own connection: the watcher reads while the CLI thread may use state().
  std::shared_ptr<StateStore> store = StateStore::open(options_.state_dir, false);
  std::string seen = store->routing_version();
  routing_watch_ = std::jthread([this, store, seen](std::stop_token stop) mutable {
    std::mutex m;
    std::condition_variable_any cv;
    while (!stop.stop_requested()) {
      std::unique_lock lock(m);
      cv.wait_for(lock, stop, kRoutingPollInterval, [] { return false; });
      if (stop.stop_requested()) break;
      try {
        std::string now = store->routing_version();
        if (now == seen) continue;
        seen = std::move(now);
        for (const auto& [module, routing] : store->module_routing()) {
          registry_.restore_routing(module, routing);
        }
        spdlog::info("module routing changed by another process: applied");
      } catch (const std::exception& e) {
        spdlog::warn("module routing watch: {}", e.what());
      }
    }
  });
}

void Kernel::stop_routing_watch() {
  if (routing_watch_.joinable()) {
    routing_watch_.request_stop();
    routing_watch_.join();
  }
}

}  // namespace agentsys
