#include "registry/module_registry.hpp"

#include <fmt/format.h>

#include <chrono>
#include <tuple>

#include "host/call_frame.hpp"

namespace agentsys {
namespace {

std::shared_ptr<PluginInstance>& slot(ModuleBinding& b, as_impl impl) {
  return impl == AS_IMPL_V1 ? b.v1 : b.v2;
}

}  // namespace

ModuleRegistry::ModuleRegistry(HostSink& sink)
    : sink_(sink), table_(std::make_shared<const Table>()) {}

std::string ModuleRegistry::install(std::shared_ptr<const PluginLibrary> library, Install how,
                                    std::string_view config_json, HooksFactory hooks) {
  const PluginDescriptor& d = library->descriptor();
  std::lock_guard lock(write_mutex_);
  std::shared_ptr<const Table> current = table_.load();

  std::shared_ptr<PluginInstance> old;
  if (auto it = current->plugins.find(d.name); it != current->plugins.end()) {
    if (how == Install::add) {
      return fmt::format("plugin '{}' is already loaded from {}", d.name,
                         it->second->library().path().string());
    }
    old = it->second;
  }
  const bool binds_modules = d.kind == AS_PLUGIN_KIND_DOMAIN;
  if (binds_modules) {
    for (const std::string& m : d.modules) {
      auto it = current->modules.find(m);
      if (it == current->modules.end()) continue;
      const auto& held = d.impl == AS_IMPL_V1 ? it->second.v1 : it->second.v2;
      if (held && held->descriptor().name != d.name) {
        return fmt::format("declares module '{}' ({}), already provided by plugin '{}' ({})", m,
                           to_string(d.impl), held->descriptor().name,
                           held->library().path().string());
      }
    }
  }

  std::string error;
  if (!hooks && old) hooks = old->hooks_factory();
  std::shared_ptr<PluginInstance> instance =
      PluginInstance::create(std::move(library), sink_, config_json, error, std::move(hooks));
  if (!instance) return error;
  if (old && old->has_state_transfer() && instance->has_state_transfer()) {
    std::optional<std::string> state = old->export_state(error);
    if (!state || !instance->import_state(*state, error)) return error;
  }

  auto next = std::make_shared<Table>(*current);
  next->plugins[d.name] = instance;
  if (old) {  // a newer build may serve fewer modules: drop the old bindings first
    for (const std::string& m : old->descriptor().modules) {
      auto it = next->modules.find(m);
      if (it == next->modules.end()) continue;
      auto& held = slot(it->second, old->descriptor().impl);
      if (held == old) held.reset();
      if (!it->second.v1 && !it->second.v2) next->modules.erase(it);
    }
  }
  if (binds_modules) {
    for (const std::string& m : d.modules) {
      ModuleBinding& b = next->modules[m];
      b.module = m;
      slot(b, d.impl) = instance;
    }
  }
  table_.store(std::move(next));
  if (old) old->quiesce();  // calls still running on it finish; it is destroyed after them
  return {};
}

std::string ModuleRegistry::set_mode(std::string_view module, ModuleMode mode) {
  return set_routing(module, Routing{mode, 0, {}});
}

std::string ModuleRegistry::set_routing(std::string_view module, const Routing& routing) {
  if (routing.percent > 100) {
    return fmt::format("a cutover percentage must be 0..100, got {}", routing.percent);
  }
  std::lock_guard lock(write_mutex_);
  std::shared_ptr<const Table> current = table_.load();
  auto it = current->modules.find(module);
  if (it == current->modules.end()) {
    return fmt::format(
        "unknown module '{}': no loaded plugin serves it (see 'agentsys module "
        "list')",
        module);
  }
  const ModuleBinding& b = it->second;
  const bool needs_v1 = routing.mode != ModuleMode::v2;
  const bool needs_v2 = routing.mode != ModuleMode::v1;
  for (auto [needed, held, impl] :
       {std::tuple{needs_v1, b.v1.get(), "v1"}, std::tuple{needs_v2, b.v2.get(), "v2"}}) {
    if (needed && held == nullptr) {
      return fmt::format("module '{}' has no {} plugin loaded, so it cannot be routed to {}",
                         module, impl, routing.label());
    }
  }
  auto next = std::make_shared<Table>(*current);
  next->modules.find(module)->second.explicit_routing = routing;
  table_.store(std::move(next));
  return {};
}

bool ModuleRegistry::restore_mode(std::string_view module, ModuleMode mode) {
  return restore_routing(module, Routing{mode, 0, {}});
}

bool ModuleRegistry::restore_routing(std::string_view module, const Routing& routing) {
  std::lock_guard lock(write_mutex_);
  std::shared_ptr<const Table> current = table_.load();
  auto it = current->modules.find(module);
  if (it == current->modules.end()) return false;
  if (it->second.explicit_routing == routing) return true;  // the watcher's common case
  auto next = std::make_shared<Table>(*current);
  next->modules.find(module)->second.explicit_routing = routing;
  table_.store(std::move(next));
  return true;
}

ModuleRegistry::Route ModuleRegistry::route(std::string_view module,
                                            std::string_view bucket_key) const {
  std::shared_ptr<const Table> table = table_.load();
  auto it = table->modules.find(module);
  if (it == table->modules.end()) {
    return {nullptr,
            nullptr,
            {AS_ERR_NOT_FOUND,
             {},
             fmt::format("unknown module '{}': no loaded plugin serves it", module)},
            {}};
  }
  const ModuleBinding& b = it->second;
  Route r;
  r.routing = b.routing();
  ModuleMode side = r.routing.mode;
  if (side == ModuleMode::shadow) {
    side = ModuleMode::v1;
    r.shadow = b.v2;  // missing V2: the shadow is skipped (and the runner records why)
  } else if (side == ModuleMode::cutover) {
    side = routes_to_v2(cutover_bucket(r.routing.salt, bucket_key), r.routing.percent)
               ? ModuleMode::v2
               : ModuleMode::v1;
  }
  r.instance = side == ModuleMode::v1 ? b.v1 : b.v2;
  if (!r.instance) {
    r.error = {AS_ERR_UNSUPPORTED,
               {},
               fmt::format("module '{}' is routed to {} but no {} plugin is loaded: install it or "
                           "run 'agentsys module set {} --mode {}'",
                           module, to_string(side), to_string(side), module,
                           side == ModuleMode::v1 ? "v2" : "v1")};
  }
  return r;
}

Invocation ModuleRegistry::call(PluginInstance& instance, CallFrame& frame) {
  Invocation result;
  const PluginDescriptor& d = instance.descriptor();
  result.impl = d.impl;
  result.plugin = d.name;
  result.plugin_version = d.version;
  auto start = std::chrono::steady_clock::now();
  result.outcome = instance.invoke(frame);
  result.latency_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return result;
}

Invocation ModuleRegistry::invoke(CallFrame& frame) const {
  Route r = route(frame.module(), std::string_view(frame.raw.task_id.ptr, frame.raw.task_id.len));
  if (!r.instance) {
    Invocation result;
    result.outcome = std::move(r.error);
    return result;
  }
  return call(*r.instance, frame);
}

std::optional<ModuleBinding> ModuleRegistry::binding(std::string_view module) const {
  std::shared_ptr<const Table> table = table_.load();
  auto it = table->modules.find(module);
  if (it == table->modules.end()) return std::nullopt;
  return it->second;
}

std::vector<ModuleBinding> ModuleRegistry::bindings() const {
  std::shared_ptr<const Table> table = table_.load();
  std::vector<ModuleBinding> out;
  out.reserve(table->modules.size());
  for (const auto& [name, b] : table->modules) out.push_back(b);
  return out;
}

std::vector<std::shared_ptr<PluginInstance>> ModuleRegistry::plugins() const {
  std::shared_ptr<const Table> table = table_.load();
  std::vector<std::shared_ptr<PluginInstance>> out;
  for (const auto& [name, p] : table->plugins) out.push_back(p);
  return out;
}

}  // namespace agentsys
