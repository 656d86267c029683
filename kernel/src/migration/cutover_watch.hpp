#pragma once
// The automatic red line on V2's key outputs. After every run V2 serves while its module is in
// cutover or v2, it checks the key output — the run failed, or its key fields have a block
// difference from V1's result for the same input (the golden record, else the latest V1 run) —
// records a `key_output_checked` event, and when the red lines say so (red_lines.hpp) rolls the
// module back (rollback.hpp) at once.
#include <mutex>
#include <string>

#include "migration/red_lines.hpp"
#include "task/task.hpp"

namespace agentsys {
class Kernel;
}

namespace agentsys::migration {

class ShadowReconciliation;

class CutoverWatch {
 public:
  CutoverWatch(Kernel& kernel, const ShadowReconciliation& rules, RedLineSettings red_lines);

  /// The runner's on_finished hook (thread-safe; cheap for runs it does not watch).
  void finished(const RunResult& result);

 private:
  Kernel& kernel_;
  const ShadowReconciliation& rules_;
  RedLineSettings red_lines_;
  std::mutex mutex_;  // one check-and-rollback at a time
};

}  // namespace agentsys::migration
