#pragma once
// The plan's rollback red lines (section 6), evaluated per module from recorded evidence:
//   key_output_failures     the module's last N V2 key outputs (cutover / v2) all failed:
//                           the run failed, or its key fields block against the reference
//   reconciliation_failure  the latest shadow comparison of each input of the month has a
//                           block difference, or their consistency is below the threshold
//   security_gate           the latest recorded security_audit result failed or has
//                           unresolved high findings (agentsys gate record)
// They are armed while the module is in cutover, and for `watch_window` after it reached
// 100% V2.
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace agentsys {
class Kernel;
}

namespace agentsys::migration {

struct RedLineSettings {
  unsigned consecutive_failures = 2;
  std::chrono::seconds watch_window{72 * 3600};
  double consistency_threshold = 99.0;  ///< percent
  /// Per module: its own threshold (its compare table's), instead of consistency_threshold.
  std::map<std::string, double, std::less<>> module_thresholds;
};

struct RedLine {
  std::string name;  ///< key_output_failures, reconciliation_failure, security_gate
  bool triggered = false;
  std::string evidence;  ///< one or more lines saying what was measured
  std::vector<std::string> runs;
};

struct RedLineReport {
  std::string module;
  bool armed = false;
  std::string armed_why;  ///< e.g. "cutover 20%", "v2 since ..., watch window open until ..."
  std::vector<RedLine> lines;
  [[nodiscard]] bool triggered() const;
  /// Markdown: the evidence of every triggered line (for rollback_report.md).
  [[nodiscard]] std::string evidence_markdown() const;
};

/// The rollback reason code a triggered red line gives (key_output_failures ->
/// key_output_failure, security_gate -> security_gate_failed, reconciliation_failure as is).
std::string rollback_reason(std::string_view red_line);

RedLineReport evaluate_red_lines(Kernel& kernel, const std::string& module,
                                 const std::string& target_month, const RedLineSettings& settings);

}  // namespace agentsys::migration
