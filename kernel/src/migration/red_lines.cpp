#include "migration/red_lines.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <set>

#include "kernel.hpp"
#include "migration/gate_evidence.hpp"
#include "util/time.hpp"

namespace agentsys::migration {
using json = nlohmann::json;

std::string rollback_reason(std::string_view red_line) {
  if (red_line == "key_output_failures") return "key_output_failure";
  if (red_line == "security_gate") return "security_gate_failed";
  return std::string(red_line);  // reconciliation_failure
}

bool RedLineReport::triggered() const {
  if (!armed) return false;
  for (const RedLine& l : lines) {
    if (l.triggered) return true;
  }
  return false;
}

std::string RedLineReport::evidence_markdown() const {
  std::string md;
  for (const RedLine& l : lines) {
    if (!l.triggered) continue;
    md += fmt::format("- **{}** ({}): {}\n", l.name, module, l.evidence);
    for (const std::string& r : l.runs) md += fmt::format("  - run `{}`\n", r);
  }
  return md;
}

namespace {

json data_of(const EventRow& e) {
  json d = json::parse(e.data, nullptr, false);
  return d.is_object() ? d : json::object();
}

/// Armed in cutover; in v2 while the watch window since the switch is open.
void arm(Kernel& kernel, const std::string& module, const RedLineSettings& s, RedLineReport& r) {
  std::optional<ModuleBinding> b = kernel.registry().binding(module);
  if (!b) {
    r.armed_why = "unknown module";
    return;
  }
  const Routing routing = b->routing();
  const bool full = routing.mode == ModuleMode::v2 ||
                    (routing.mode == ModuleMode::cutover && routing.percent == 100);
  if (routing.mode == ModuleMode::cutover && !full) {
    r.armed = true;
    r.armed_why = routing.label();
    return;
  }
  if (!full) {
    r.armed_why = routing.label() + ": V1 serves every task, nothing to roll back";
    return;
  }
  std::string since;
  for (const EventRow& e : kernel.runs().module_events(module, "mode_changed", 1)) since = e.ts;
  std::optional<double> since_s = parse_timestamp(since);
  const double window_s = std::chrono::duration<double>(s.watch_window).count();
  if (since_s && static_cast<double>(unix_ms_now()) / 1000.0 < *since_s + window_s) {
    r.armed = true;
    r.armed_why = fmt::format("{} since {}, watch window of {:g} h still open", routing.label(),
                              since, s.watch_window.count() / 3600.0);
  } else {
    r.armed_why =
        fmt::format("{} since {}: the watch window of {:g} h has closed", routing.label(),
                    since.empty() ? "an unknown time" : since, s.watch_window.count() / 3600.0);
  }
}

RedLine key_output_failures(Kernel& kernel, const std::string& module, const RedLineSettings& s) {
  RedLine l{"key_output_failures", false, "", {}};
  // Failures that are not V2's regressions (the caller's bad input) are recorded uncounted:
  // they neither count nor break a run of failures. Look far enough back to skip them.
  auto checks = kernel.runs().module_events(module, "key_output_checked", 1000);
  unsigned failed = 0;
  std::string why;
  for (const EventRow& e : checks) {
    json d = data_of(e);
    if (!d.value("counted", true)) continue;
    if (d.value("ok", true) || failed >= s.consecutive_failures) break;
    ++failed;
    l.runs.push_back(e.run_id);
    if (why.empty()) why = d.value("reason", "");
  }
  l.triggered = failed >= s.consecutive_failures;
  l.evidence = l.triggered
                   ? fmt::format("the last {} V2 key outputs failed (latest: {})", failed, why)
                   : fmt::format("{} consecutive V2 key-output failure(s) of {} allowed", failed,
                                 s.consecutive_failures - 1);
  return l;
}

RedLine reconciliation_failure(Kernel& kernel, const std::string& module,
                               const std::string& target_month, const RedLineSettings& s) {
  RedLine l{"reconciliation_failure", false, "", {}};
  int64_t fields = 0;
  int64_t matched = 0;
  size_t pairs = 0;
  int64_t blocks = 0;
  std::set<std::string> inputs;  // newest first: an input compared again supersedes its past
  for (const EventRow& e : kernel.runs().module_events(module, "shadow_compared", 10000)) {
    json d = data_of(e);
    if (d.value("target_month", "") != target_month) continue;
    const std::string digest = d.value("input_digest", "");
    if (!digest.empty() && !inputs.insert(digest).second) continue;
    ++pairs;
    fields += d.value("fields_compared", int64_t{0});
    matched += d.value("matched", int64_t{0});
    const int64_t b = d.value("differences", json::object()).value("block", int64_t{0});
    if (b > 0 || d.value("verdict", "") == "block") {
      blocks += std::max<int64_t>(b, 1);
      l.runs.push_back(e.run_id);
    }
  }
  if (pairs == 0) {
    l.evidence = fmt::format("no shadow run recorded for {}", target_month);
    return l;
  }
  // The module's own threshold (its compare table) when it has one.
  double threshold = s.consistency_threshold;
  if (auto it = s.module_thresholds.find(module); it != s.module_thresholds.end()) {
    threshold = it->second;
  }
  std::string consistency_text = "no key field compared";
  bool low = false;
  if (fields > 0) {
    const double consistency = 100.0 * static_cast<double>(matched) / static_cast<double>(fields);
    low = consistency < threshold;
    consistency_text = fmt::format("key-field consistency {:.2f}%", consistency);
  }
  l.triggered = blocks > 0 || low;
  l.evidence = fmt::format(
      "latest shadow comparison of {} input(s) of {}: {} block difference(s), {} "
      "(threshold {:.2f}%)",
      pairs, target_month, blocks, consistency_text, threshold);
  return l;
}

RedLine security_gate(Kernel& kernel) {
  RedLine l{"security_gate", false, "", {}};
  std::optional<CheckResult> check;
  for (CheckResult& c : GateCheckStore(kernel.options().host.state_dir).latest()) {
    if (c.name == "security_audit") check = std::move(c);
  }
  if (!check) {
    l.evidence = "no security_audit result recorded (agentsys gate record --check security_audit)";
    return l;
  }
  l.triggered = check->status != "pass" || check->high_findings_unresolved > 0;
  l.evidence = fmt::format("security_audit {} at {}, {} unresolved high finding(s)", check->status,
                           check->recorded_at, check->high_findings_unresolved);
  return l;
}

}  // namespace

RedLineReport evaluate_red_lines(Kernel& kernel, const std::string& module,
                                 const std::string& target_month, const RedLineSettings& s) {
  RedLineReport r;
  r.module = module;
  arm(kernel, module, s, r);
  r.lines.push_back(key_output_failures(kernel, module, s));
  r.lines.push_back(reconciliation_failure(kernel, module, target_month, s));
  r.lines.push_back(security_gate(kernel));
  return r;
}

}  // namespace agentsys::migration
