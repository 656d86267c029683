#pragma once
// How a layer above the core (migration today; governance later) takes part in a running
// kernel without the core naming it: it is handed every finished run and every finished
// shadow pair. The CLI installs extensions through KernelOptions::extensions; the kernel
// creates them when its runner starts (docs/architecture/layers_and_seam.md, ADR-026).
#include <functional>
#include <memory>

#include "runner/shadow_runner.hpp"
#include "task/task.hpp"

namespace agentsys {

class Kernel;

class KernelExtension {
 public:
  virtual ~KernelExtension() = default;
  /// After a run's end is recorded. Called on the runner's threads: thread-safe and quick
  /// for runs it does not care about.
  virtual void run_finished(const RunResult& /*result*/) {}
  /// After both sides of a shadow pair have ended (V1's result was already returned).
  virtual void shadow_finished(const ShadowOutcome& /*pair*/) {}
};

/// Creates an extension for a kernel whose store, telemetry and lineage are open (the
/// runner is not: the factory must not submit work).
using KernelExtensionFactory = std::function<std::unique_ptr<KernelExtension>(Kernel&)>;

}  // namespace agentsys
