#include "migration/gate_evidence.hpp"

#include "migration/reconcile_files.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "store/sqlite.hpp"
#include "store/state_store.hpp"
#include "util/time.hpp"

namespace agentsys::migration {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool digits(std::string_view s, size_t at, size_t count, int& out) {
  if (at + count > s.size()) return false;
  out = 0;
  for (size_t i = at; i < at + count; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

std::optional<int64_t> integer_of(const json& j) {
  if (j.is_number_integer()) return j.get<int64_t>();
  if (j.is_number_unsigned()) return static_cast<int64_t>(j.get<uint64_t>());
  return std::nullopt;
}

std::optional<double> latency_of(const json& side) {
  if (!side.is_object() || !side.contains("latency_ms") || !side["latency_ms"].is_number()) {
    return std::nullopt;
  }
  const double v = side["latency_ms"].get<double>();
  if (!std::isfinite(v) || v < 0) return std::nullopt;
  return v;
}

std::string status_of(const json& side) {
  return side.is_object() && side.contains("status") && side["status"].is_string()
             ? side["status"].get<std::string>()
             : "";
}

std::optional<double> timestamp_of(const json& j) {
  if (j.is_string()) return parse_timestamp(j.get<std::string>());
  if (j.is_number() && std::isfinite(j.get<double>())) return j.get<double>();
  return std::nullopt;
}

/// Counts a file's skipped lines and remembers the first one, for one note per file.
class Skips {
 public:
  explicit Skips(std::string file) : file_(std::move(file)) {}
  void add(size_t line, const std::string& why) {
    if (count_++ == 0) first_ = fmt::format("line {}: {}", line, why);
  }
  void note(std::vector<std::string>& notes) const {
    if (count_ > 0) {
      notes.push_back(fmt::format("{}: {} line(s) skipped (first at {})", file_, count_, first_));
    }
  }

 private:
  std::string file_;
  size_t count_ = 0;
  std::string first_;
};

struct RunLine {
  std::string kind;
  std::string module;
  std::optional<std::pair<int64_t, int64_t>> fields;  ///< compared, matched
  std::optional<LatencyPair> latency;
};

/// Reads one runs.jsonl into `lines`, keyed by kind, module and run id (the last line of a
/// run wins: a re-written record replaces the earlier one).
void read_runs(const fs::path& file, const std::string& dir_module,
               std::map<std::string, RunLine>& lines, std::vector<std::string>& notes) {
  std::ifstream in(file);
  if (!in) {
    notes.push_back(fmt::format("{}: cannot be read", file.string()));
    return;
  }
  Skips skips(file.string());
  std::string text;
  for (size_t number = 1; std::getline(in, text); ++number) {
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      skips.add(number, "not a JSON object");
      continue;
    }
    RunLine line;
    line.kind = j.value("kind", "");
    if (line.kind != "shadow" && line.kind != "replay") {
      skips.add(number, "\"kind\" is not \"shadow\" or \"replay\"");
      continue;
    }
    if (!j.contains("run_id") || !j["run_id"].is_string() ||
        j["run_id"].get<std::string>().empty()) {
      skips.add(number, "no \"run_id\"");
      continue;
    }
    line.module = j.contains("module") && j["module"].is_string() ? j["module"].get<std::string>()
                                                                  : dir_module;
    if (j.contains("fields_compared") || j.contains("fields_matched")) {
      auto compared = integer_of(j.value("fields_compared", json()));
      auto matched = integer_of(j.value("fields_matched", json()));
      if (!compared || !matched || *compared < 0 || *matched < 0 || *matched > *compared) {
        skips.add(number, "fields_compared/fields_matched are not counts with matched <= compared");
        continue;
      }
      line.fields = std::make_pair(*compared, *matched);
    }
    const json v1 = j.value("v1", json());
    const json v2 = j.value("v2", json());
    if (status_of(v1) == "succeeded" && status_of(v2) == "succeeded") {
      auto l1 = latency_of(v1);
      auto l2 = latency_of(v2);
      if (!l1 || !l2) {
        skips.add(number, "both succeeded but a latency_ms is missing or negative");
        continue;
      }
      line.latency = LatencyPair{*l1, *l2, line.module};
    }
    lines[line.kind + '\n' + line.module + '\n' + j["run_id"].get<std::string>()] = std::move(line);
  }
  skips.note(notes);
}

void collect_runs(const fs::path& dir, GateEvidence& e) {
  std::error_code ec;
  std::vector<fs::path> modules;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_directory(ec)) modules.push_back(it->path());
  }
  std::sort(modules.begin(), modules.end());
  std::map<std::string, RunLine> lines;
  size_t files = 0;
  for (const fs::path& m : modules) {
    const fs::path file = m / "runs.jsonl";
    if (!fs::exists(file, ec)) continue;
    ++files;
    read_runs(file, m.filename().string(), lines, e.notes);
  }
  if (files == 0) {
    e.notes.push_back(fmt::format("no runs.jsonl under {}", dir.string()));
    return;
  }
  std::map<std::string, ReplaySample> replay;
  std::map<std::string, ReplaySample> shadow;
  std::vector<LatencyPair> shadow_pairs;
  std::vector<LatencyPair> replay_pairs;
  for (const auto& [key, line] : lines) {
    auto& samples = line.kind == "replay" ? replay : shadow;
    if (line.fields) {
      ReplaySample& s = samples[line.module];
      s.module = line.module;
      ++s.runs;
      s.fields_compared += line.fields->first;
      s.fields_matched += line.fields->second;
    }
    if (line.latency)
      (line.kind == "shadow" ? shadow_pairs : replay_pairs).push_back(*line.latency);
  }
  if (!replay.empty()) {
    e.replay_source = "replay runs";
    for (auto& [m, s] : replay) e.replay.push_back(s);
  } else if (!shadow.empty()) {
    e.replay_source = "shadow runs (no replay run compared key fields)";
    for (auto& [m, s] : shadow) e.replay.push_back(s);
  }
  if (!shadow_pairs.empty()) {
    e.latency_source = "shadow runs where both succeeded";
    e.latency = std::move(shadow_pairs);
  } else if (!replay_pairs.empty()) {
    e.latency_source = "replay runs where both succeeded (no shadow pairs)";
    e.latency = std::move(replay_pairs);
  }
}

void collect_mttd(const fs::path& file, GateEvidence& e) {
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    e.notes.push_back(fmt::format("no {}", file.string()));
    return;
  }
  std::ifstream in(file);
  if (!in) {
    e.notes.push_back(fmt::format("{}: cannot be read", file.string()));
    return;
  }
  Skips skips(file.string());
  size_t undetected_v1 = 0;
  size_t undetected_v2 = 0;
  size_t used = 0;
  std::string text;
  for (size_t number = 1; std::getline(in, text); ++number) {
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      skips.add(number, "not a JSON object");
      continue;
    }
    const std::string impl =
        j.value("impl", json()).is_string() ? j["impl"].get<std::string>() : "";
    if (impl != "v1" && impl != "v2") {
      skips.add(number, "\"impl\" is not \"v1\" or \"v2\"");
      continue;
    }
    auto onset = timestamp_of(j.value("onset_ts", json()));
    if (!onset) {
      skips.add(number, "\"onset_ts\" is not a timestamp");
      continue;
    }
    if (!j.contains("detected_ts") || j["detected_ts"].is_null()) {
      ++(impl == "v1" ? undetected_v1 : undetected_v2);
      continue;
    }
    auto detected = timestamp_of(j["detected_ts"]);
    if (!detected) {
      skips.add(number, "\"detected_ts\" is not a timestamp");
      continue;
    }
    bool named = true;
    for (const char* key : {"module", "step", "error_code"}) {
      named = named && j.contains(key) && j[key].is_string() && !j[key].get<std::string>().empty();
    }
    if (!named) {
      skips.add(number, "the detection does not name its module, step and error_code");
      continue;
    }
    if (*detected < *onset) {
      skips.add(number, "detected before its onset");
      continue;
    }
    (impl == "v1" ? e.mttd_v1_s : e.mttd_v2_s).push_back(*detected - *onset);
    ++used;
  }
  skips.note(e.notes);
  e.mttd_source = fmt::format("mttd.jsonl ({} detections)", used);
  if (undetected_v1 + undetected_v2 > 0) {
    e.notes.push_back(
        fmt::format("{}: {} V1 and {} V2 failure(s) never detected (not in the means)",
                    file.string(), undetected_v1, undetected_v2));
  }
}

}  // namespace

std::optional<double> parse_timestamp(std::string_view s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!digits(s, 0, 4, y) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !digits(s, 11, 2, h) || s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' ||
      !digits(s, 17, 2, sec)) {
    return std::nullopt;
  }
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12 || d < 1 || d > kDays[mo - 1] || h > 23 || mi > 59 || sec > 60) {
    return std::nullopt;
  }
  size_t at = 19;
  double fraction = 0;
  if (at < s.size() && s[at] == '.') {
    double scale = 0.1;
    size_t start = ++at;
    for (; at < s.size() && s[at] >= '0' && s[at] <= '9'; ++at, scale /= 10) {
      fraction += (s[at] - '0') * scale;
    }
    if (at == start) return std::nullopt;
  }
  int offset = 0;
  if (at < s.size() && (s[at] == 'Z' || s[at] == 'z')) {
    ++at;
  } else if (at < s.size() && (s[at] == '+' || s[at] == '-')) {
    const int sign = s[at] == '-' ? -1 : 1;
    int oh = 0;
    int om = 0;
    if (!digits(s, at + 1, 2, oh)) return std::nullopt;
    size_t next = at + 3;
    if (next < s.size() && s[next] == ':') ++next;
    if (!digits(s, next, 2, om) || oh > 23 || om > 59) return std::nullopt;
    offset = sign * (oh * 3600 + om * 60);
    at = next + 2;
  }
  if (at != s.size()) return std::nullopt;
  const int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return static_cast<double>(days * 86400 + h * 3600 + mi * 60 + sec - offset) + fraction;
}

GateEvidence collect_gate_evidence(const fs::path& state_dir, const std::string& month) {
  GateEvidence e;
  e.target_month = month;
  const fs::path dir = reconcile_root(state_dir) / month;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    e.notes.push_back(fmt::format("no reconciliation directory {}", dir.string()));
  } else {
    collect_runs(dir, e);
    collect_mttd(dir / "mttd.jsonl", e);
  }
  e.checks = GateCheckStore(state_dir).latest();
  return e;
}

GateCheckStore::GateCheckStore(fs::path state_dir) : state_dir_(std::move(state_dir)) {}

GateCheckStore::~GateCheckStore() = default;

const std::vector<std::string>& GateCheckStore::known_checks() {
  static const std::vector<std::string> checks = {"tests", "security_audit"};
  return checks;
}

sqlite::Database* GateCheckStore::db(bool create) {
  if (db_) return db_.get();
  std::error_code ec;
  const fs::path file = StateStore::database_path(state_dir_);
  if (!create && !fs::exists(file, ec)) return nullptr;
  StateStore::open(state_dir_, create);  // creates the file and brings the schema up to date
  db_ = std::make_unique<sqlite::Database>(file, false);
  return db_.get();
}

CheckResult GateCheckStore::record(CheckResult result) {
  const auto& known = known_checks();
  if (std::find(known.begin(), known.end(), result.name) == known.end()) {
    throw std::invalid_argument(
        fmt::format("unknown check '{}': expected one of {}", result.name, fmt::join(known, ", ")));
  }
  if (result.status != "pass" && result.status != "fail") {
    throw std::invalid_argument(
        fmt::format("unknown status '{}': expected pass or fail", result.status));
  }
  if (result.high_findings_unresolved < 0) {
    throw std::invalid_argument("the number of high findings cannot be negative");
  }
  if (result.recorded_at.empty()) result.recorded_at = iso8601_now();
  sqlite::Database& d = *db(true);
  sqlite::Statement st = d.prepare(
      "INSERT INTO gate_checks(check_name, status, high_findings_unresolved, detail, "
      "recorded_at) VALUES (?1, ?2, ?3, ?4, ?5)");
  st.bind(1, result.name)
      .bind(2, result.status)
      .bind(3, result.high_findings_unresolved)
      .bind(4, result.detail)
      .bind(5, result.recorded_at);
  st.step();
  return result;
}

std::vector<CheckResult> GateCheckStore::latest() {
  std::vector<CheckResult> out;
  sqlite::Database* d = db(false);
  if (d == nullptr) return out;
  sqlite::Statement st = d->prepare(
      "SELECT check_name, status, high_findings_unresolved, recorded_at, detail FROM gate_checks "
      "WHERE id IN (SELECT MAX(id) FROM gate_checks GROUP BY check_name)");
  std::map<std::string, CheckResult> by_name;
  while (st.step()) {
    CheckResult r{st.column_text(0), st.column_text(1), st.column_int(2), st.column_text(3),
                  st.column_text(4)};
    by_name[r.name] = r;
  }
  for (const std::string& name : known_checks()) {
    if (auto it = by_name.find(name); it != by_name.end()) out.push_back(it->second);
  }
  return out;
}

}  // namespace agentsys::migration
