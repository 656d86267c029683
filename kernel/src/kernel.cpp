#include "kernel.hpp"

#include "plugin/plugin_paths.hpp"

namespace agentsys {
namespace fs = std::filesystem;

Kernel::Kernel(KernelOptions options, HostSink* sink)
    : options_(std::move(options)),
      sink_(sink != nullptr ? sink : &default_sink_),
      registry_(*sink_) {
  for (const fs::path& file : find_plugin_files(options_.plugin_dirs)) {
    LoadResult loaded = PluginLibrary::load(file);
    if (!loaded) {
      refusals_.push_back({file, loaded.error});
      continue;
    }
    std::string error = registry_.install(loaded.library, ModuleRegistry::Install::add);
    if (!error.empty()) refusals_.push_back({file, error});
  }
  std::error_code ec;
  if (fs::exists(StateStore::database_path(options_.state_dir), ec)) {
    for (const auto& [module, mode] : state().module_modes()) registry_.restore_mode(module, mode);
  }
}

StateStore& Kernel::state() {
  if (!state_) state_ = StateStore::open(options_.state_dir, true);
  return *state_;
}

std::string Kernel::set_module_mode(const std::string& module, ModuleMode mode) {
  std::string error = registry_.set_mode(module, mode);
  if (error.empty()) state().set_module_mode(module, mode);
  return error;
}

}  // namespace agentsys
