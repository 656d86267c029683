#include "migration/migration_extension.hpp"

#include <stdexcept>

namespace agentsys::migration {

MigrationExtension::MigrationExtension(Kernel& kernel, MigrationSettings settings)
    : settings_(std::move(settings)),
      reconciliation_(kernel.options().host.state_dir, settings_.compare_rules,
                      kernel.options().durable_runs ? &kernel.runs() : nullptr, &kernel.lineage()) {
  if (kernel.options().durable_runs) {
    watch_ = std::make_unique<CutoverWatch>(kernel, reconciliation_, settings_.red_lines);
  }
}

void MigrationExtension::run_finished(const RunResult& result) {
  if (watch_) watch_->finished(result);
}

void MigrationExtension::shadow_finished(const ShadowOutcome& pair) { reconciliation_(pair); }

void install_migration(KernelOptions& options, MigrationSettings settings) {
  options.extensions.emplace_back([settings = std::move(settings)](Kernel& kernel) {
    return std::make_unique<MigrationExtension>(kernel, settings);
  });
}

MigrationExtension& migration_of(Kernel& kernel) {
  if (auto* found = kernel.extension<MigrationExtension>()) return *found;
  throw std::logic_error("the kernel was created without its migration extension");
}

}  // namespace agentsys::migration
