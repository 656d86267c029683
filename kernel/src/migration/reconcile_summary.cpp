#include "migration/reconcile_summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace agentsys::migration {
using json = nlohmann::json;

namespace {

uint64_t count(const json& obj, const char* key) {
  if (!obj.is_object()) return 0;
  auto it = obj.find(key);
  return it != obj.end() && it->is_number_unsigned() ? it->get<uint64_t>() : 0;
}

std::string percent(const std::optional<double>& v) {
  return v ? fmt::format("{:.2f}%", *v) : std::string("n/a");
}

std::string ms(const std::optional<double>& v) {
  if (!v) return "-";
  return std::fabs(*v - std::round(*v)) < 0.005 ? fmt::format("{:.0f}", *v)
                                                : fmt::format("{:.2f}", *v);
}

std::string grades(const std::array<uint64_t, 3>& g) {
  std::string out;
  const char* names[] = {"block", "warn", "ignore"};
  for (size_t i = 0; i < 3; ++i) {
    if (g[i] == 0) continue;
    out += fmt::format("{}{} {}", out.empty() ? "" : ", ", names[i], g[i]);
  }
  return out;
}

/// Markdown table cells cannot hold '|' or line breaks.
std::string cell(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::optional<double> nearest_rank(std::vector<double> values, int p) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  const size_t rank = std::max<size_t>(1, (static_cast<size_t>(p) * n + 99) / 100);
  return values[std::min(rank, n) - 1];
}

void RunsAggregate::add(const json& line) {
  ++runs;
  const std::string verdict = line.value("verdict", "");
  if (verdict == "pass") ++verdicts[0];
  if (verdict == "warn") ++verdicts[1];
  if (verdict == "block") ++verdicts[2];
  fields_compared += count(line, "fields_compared");
  matched += count(line, "matched");
  if (fields_compared > 0) {
    consistency = 100.0 * static_cast<double>(matched) / static_cast<double>(fields_compared);
  }
  const json d = line.value("differences", json::object());
  differences[0] += count(d, "block");
  differences[1] += count(d, "warn");
  differences[2] += count(d, "ignore");
  // value() returns a copy: keep it alive for the whole loop (items() does not).
  const json per_field = line.value("field_differences", json::object());
  for (const auto& [field, g] : per_field.items()) {
    auto& sum = fields[field];
    sum[0] += count(g, "block");
    sum[1] += count(g, "warn");
    sum[2] += count(g, "ignore");
  }
  const json ignored = line.value("ignored_by_rule", json::object());
  for (const auto& [rule, n] : ignored.items()) {
    if (n.is_number_unsigned()) ignored_by_rule[rule] += n.get<uint64_t>();
  }
  for (const json& f : line.value("noise", json::object()).value("fields", json::array())) {
    if (f.is_string()) noise_fields.insert(f.get<std::string>());
  }
  const json v1 = line.value("v1", json::object());
  const json v2 = line.value("v2", json::object());
  const json status = line.value("status_differences", json::array());
  for (const json& s : status) {
    if (s == "v2_failed") ++v2_failed;
    if (s == "v1_failed") ++v1_failed;
  }
  if (v1.contains("latency_ms") && v1["latency_ms"].is_number()) {
    v1_latency_ms.push_back(v1["latency_ms"].get<double>());
  }
  if (v2.contains("latency_ms") && v2["latency_ms"].is_number()) {
    v2_latency_ms.push_back(v2["latency_ms"].get<double>());
  }
  const json judged = line.value("truth", json::object());
  const std::string right = judged.value("right", "");
  static constexpr std::array<std::string_view, 4> kSides = {"both", "v1", "v2", "neither"};
  for (size_t i = 0; i < kSides.size(); ++i) {
    if (right == kSides[i]) ++truth[i];
  }
}

std::vector<std::pair<std::string, std::array<uint64_t, 3>>> RunsAggregate::top_fields(
    size_t n) const {
  std::vector<std::pair<std::string, std::array<uint64_t, 3>>> out;
  for (const auto& [f, g] : fields) {
    if (g[0] + g[1] > 0) out.emplace_back(f, g);
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.second[0] != b.second[0] ? a.second[0] > b.second[0] : a.second[1] > b.second[1];
  });
  if (out.size() > n) out.resize(n);
  return out;
}

json RunsAggregate::to_json() const {
  json top = json::array();
  for (const auto& [f, g] : top_fields()) {
    top.push_back({{"field", f}, {"block", g[0]}, {"warn", g[1]}, {"ignore", g[2]}});
  }
  auto lat = [](const std::vector<double>& v) {
    auto p50 = nearest_rank(v, 50);
    auto p95 = nearest_rank(v, 95);
    return json{{"p50", p50 ? json(*p50) : json()}, {"p95", p95 ? json(*p95) : json()}};
  };
  return {{"runs", runs},
          {"verdicts", {{"pass", verdicts[0]}, {"warn", verdicts[1]}, {"block", verdicts[2]}}},
          {"fields_compared", fields_compared},
          {"matched", matched},
          {"consistency", consistency ? json(*consistency) : json()},
          {"differences",
           {{"block", differences[0]}, {"warn", differences[1]}, {"ignore", differences[2]}}},
          {"top_fields", std::move(top)},
          {"ignored_by_rule", ignored_by_rule},
          {"noise_fields", noise_fields},
          {"v2_failed", v2_failed},
          {"v1_failed", v1_failed},
          {"latency_ms", {{"v1", lat(v1_latency_ms)}, {"v2", lat(v2_latency_ms)}}},
          {"labelled",
           {{"pairs", truth[0] + truth[1] + truth[2] + truth[3]},
            {"both", truth[0]},
            {"v1", truth[1]},
            {"v2", truth[2]},
            {"neither", truth[3]}}}};
}

std::string render_daily_summary(const std::string& module, const std::string& month,
                                 const std::vector<json>& runs) {
  std::map<std::string, RunsAggregate> days;  // "YYYY-MM-DD" -> aggregate, sorted
  for (const json& line : runs) days[line.value("day", "unknown")].add(line);

  std::string out = fmt::format("# Reconciliation: {}, {}\n\n", module, month);
  if (!runs.empty()) {
    const json& last = runs.back();
    const json consistency = last.value("consistency", json());
    const json d = last.value("differences", json::object());
    const std::string diffs = grades({count(d, "block"), count(d, "warn"), count(d, "ignore")});
    out += fmt::format(
        "Latest pair: run `{}` at {}: **{}**, key-field consistency {} (threshold {:.2f}%), "
        "differences: {}.\n\n",
        last.value("run_id", ""), last.value("at", ""), last.value("verdict", ""),
        consistency.is_number() ? fmt::format("{:.2f}%", consistency.get<double>()) : "n/a",
        last.value("threshold", 0.0), diffs.empty() ? "none" : diffs);
  }
  out += fmt::format(
      "Files: `{}`, `{}` (the latest outputs), `{}` (the latest comparison, every difference), "
      "`{}` (one line per pair). {} pair{} in all. Definitions: docs/reconciliation.md.\n\n",
      "v1.json", "v2.json", "diff.json", "runs.jsonl", runs.size(), runs.size() == 1 ? "" : "s");

  out += "## Daily summary (UTC)\n\n";
  out +=
      "| day | pairs | pass / warn / block | key-field consistency | block | warn | ignore | "
      "V1 p50 / p95 ms | V2 p50 / p95 ms |\n"
      "|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& [day, a] : days) {
    out +=
        fmt::format("| {} | {} | {} / {} / {} | {} | {} | {} | {} | {} / {} | {} / {} |\n",
                    cell(day), a.runs, a.verdicts[0], a.verdicts[1], a.verdicts[2],
                    percent(a.consistency), a.differences[0], a.differences[1], a.differences[2],
                    ms(nearest_rank(a.v1_latency_ms, 50)), ms(nearest_rank(a.v1_latency_ms, 95)),
                    ms(nearest_rank(a.v2_latency_ms, 50)), ms(nearest_rank(a.v2_latency_ms, 95)));
  }
  for (const auto& [day, a] : days) {
    out += fmt::format("\n### {}\n\n", day);
    std::string top;
    for (const auto& [f, g] : a.top_fields()) {
      top += fmt::format("{}`{}` ({})", top.empty() ? "" : ", ", f, grades(g));
    }
    out += fmt::format("- Top differing fields (block, warn): {}\n", top.empty() ? "none" : top);
    std::string ignored;
    for (const auto& [rule, n] : a.ignored_by_rule) {
      ignored += fmt::format("{}{} by `{}`", ignored.empty() ? "" : ", ", n, rule);
    }
    out += fmt::format("- Field values ignored: {}\n", ignored.empty() ? "none" : ignored);
    std::string noise;
    for (const std::string& f : a.noise_fields) {
      noise += fmt::format("{}`{}`", noise.empty() ? "" : ", ", f);
    }
    out += fmt::format("- Noise (fields that differed between two V1 runs): {}\n",
                       noise.empty() ? "none learned" : noise);
    out += fmt::format("- V2 failed or overran its budget: {} pair{}; V1 failed: {}\n", a.v2_failed,
                       a.v2_failed == 1 ? "" : "s", a.v1_failed);
    if (const size_t labelled = a.truth[0] + a.truth[1] + a.truth[2] + a.truth[3]; labelled > 0) {
      out +=
          fmt::format("- Labelled pairs: {}; right: both {}, only V1 {}, only V2 {}, neither {}\n",
                      labelled, a.truth[0], a.truth[1], a.truth[2], a.truth[3]);
    }
  }
  return out;
}

}  // namespace agentsys::migration
