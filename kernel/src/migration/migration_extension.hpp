#pragma once
// The migration layer inside a running kernel (a KernelExtension): every finished shadow pair
// is reconciled (shadow_reconciliation.hpp) and every V2 run of a module in cutover or v2 has
// its key output checked against the red lines (cutover_watch.hpp).
#include <memory>

#include "kernel.hpp"
#include "migration/cutover_watch.hpp"
#include "migration/migration_settings.hpp"
#include "migration/shadow_reconciliation.hpp"

namespace agentsys::migration {

class MigrationExtension final : public KernelExtension {
 public:
  MigrationExtension(Kernel& kernel, MigrationSettings settings);

  void run_finished(const RunResult& result) override;
  void shadow_finished(const ShadowOutcome& pair) override;

  [[nodiscard]] const MigrationSettings& settings() const { return settings_; }
  [[nodiscard]] const ShadowReconciliation& reconciliation() const { return reconciliation_; }

 private:
  MigrationSettings settings_;
  ShadowReconciliation reconciliation_;
  std::unique_ptr<CutoverWatch> watch_;  // only with a run store: it judges recorded runs
};

/// Adds the migration extension to the options of a kernel about to be created.
void install_migration(KernelOptions& options, MigrationSettings settings);

/// The kernel's migration extension (starting its runner). Throws std::logic_error when
/// install_migration was not called for it.
MigrationExtension& migration_of(Kernel& kernel);

}  // namespace agentsys::migration
