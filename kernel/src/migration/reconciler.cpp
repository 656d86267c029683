#include "migration/reconciler.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "lineage/openlineage.hpp"
#include "migration/reconcile_files.hpp"
#include "migration/reconcile_summary.hpp"
#include "migration/truth.hpp"
#include "util/atomic_file.hpp"
#include "util/sha256.hpp"
#include "util/time.hpp"

namespace agentsys::migration {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr const char* kFacetSchemaUrl =
    "https://agentsys.dev/spec/facets/1-0-0/agentsys_reconciliation.json";

/// Holds an exclusive flock on <dir>/.lock for its lifetime.
class DirLock {
 public:
  explicit DirLock(const fs::path& dir) {
    const fs::path file = dir / ".lock";
    fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd_ < 0) {
      throw std::runtime_error(
          fmt::format("reconcile: cannot open '{}': {}", file.string(), std::strerror(errno)));
    }
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) {
        const std::string why = std::strerror(errno);
        ::close(fd_);
        throw std::runtime_error(
            fmt::format("reconcile: cannot lock '{}': {}", file.string(), why));
      }
    }
  }
  ~DirLock() {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  int fd_ = -1;
};

void write_or_throw(const fs::path& file, std::string_view content) {
  if (std::string why = write_file_atomically(file, content, true); !why.empty()) {
    throw std::runtime_error("reconcile: " + why);
  }
}

/// A run id as a folder name: anything but [A-Za-z0-9_.-] becomes '_' (run ids have none).
std::string pair_folder(const std::string& run_id) {
  std::string out = run_id.empty() ? std::string("unnamed") : run_id;
  for (char& ch : out) {
    const bool safe = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
    if (!safe) ch = '_';
  }
  return out;
}

/// Points `link` at `target` (relative to the link's folder), atomically: a reader sees the old
/// link or the new one, never none.
std::string replace_symlink(const fs::path& link, const fs::path& target) {
  const fs::path tmp = link.parent_path() / ("." + link.filename().string() + ".tmp");
  std::error_code ec;
  fs::remove(tmp, ec);
  fs::create_symlink(target, tmp, ec);
  if (!ec) fs::rename(tmp, link, ec);  // replaces an older link (or a regular file)
  return ec ? fmt::format("cannot link '{}' to '{}': {}", link.string(), target.string(),
                          ec.message())
            : std::string();
}

json nullable(const std::string& s) { return s.empty() ? json() : json(s); }

json side_json(const SideOutcome& s) {
  return {
      {"status", s.status}, {"error_code", nullable(s.error_code)}, {"latency_ms", s.latency_ms}};
}

std::shared_ptr<const KeyTable> empty_table() {
  static const auto table =
      load_table(json{{"key", json::array()}, {"fields", json::array()}, {"rows", json::array()}});
  return table;
}

}  // namespace

ReconcileRecord reconcile(const ReconcileInput& in, const CompareRules& rules,
                          const fs::path& state_dir) {
  if (!is_module_id(in.module)) {
    throw std::invalid_argument(
        fmt::format("reconcile: '{}' is not a module id ([a-z][a-z0-9_]*)", in.module));
  }
  ReconcileRecord rec;
  rec.module = in.module;
  rec.target_month = in.target_month;
  rec.month_folder = month_folder(in.target_month);
  rec.run_id = in.run_id;
  rec.trace_id = in.trace_id;
  rec.v1_run_id = in.v1.run_id.empty() ? in.run_id : in.v1.run_id;
  rec.v2_run_id = in.v2.run_id.empty() ? in.run_id : in.v2.run_id;
  rec.finished_at = iso8601(in.finished_at.value_or(std::chrono::system_clock::now()));
  rec.day = rec.finished_at.substr(0, 10);

  const bool v1_ok = in.v1.status == "succeeded";
  const bool v2_ok = in.v2.status == "succeeded";
  CompareRules used = rules;
  if (in.v1_repeat && v1_ok && in.v1_repeat->status == "succeeded") {
    rec.noise = learn_noise_text(in.v1.result_json, in.v1_repeat->result_json, rules.key);
    used = with_noise(rules, rec.noise);
  }
  Comparison& c = rec.comparison;
  if (v1_ok && v2_ok) {
    c = compare_text(in.v1.result_json, in.v2.result_json, used);
  } else {
    c = compare(empty_table(), empty_table(), used);  // nothing to compare with
  }
  json v1_status = side_json(in.v1);
  json v2_status = side_json(in.v2);
  v2_status["overran"] = in.v2.overran;
  json status_differences = json::array();
  const bool v2_failed = !v2_ok && (v1_ok || in.v1.error_code != in.v2.error_code);
  if (v2_failed || in.v2.overran) {
    std::string why =
        v2_failed
            ? (v1_ok ? fmt::format("V2 {} ({}) where V1 succeeded", in.v2.status,
                                   in.v2.error_code.empty() ? "no error code" : in.v2.error_code)
                     : fmt::format("V2 failed with {} where V1 failed with {}", in.v2.error_code,
                                   in.v1.error_code))
            : std::string();
    if (in.v2.overran) {
      why += fmt::format("{}V2 overran its latency budget ({:.1f} ms)", why.empty() ? "" : "; ",
                         in.v2.latency_ms);
    }
    c.add_status_difference(Difference::Kind::v2_failed, Grade::block, kV2FailedRuleName, why,
                            v1_status, v2_status);
    status_differences.push_back(kV2FailedRuleName);
  }
  if (!v1_ok && v2_ok) {
    c.add_status_difference(Difference::Kind::v1_failed, Grade::warn, kV1FailedRuleName,
                            fmt::format("V1 {} ({}): V2's result has nothing to be compared with",
                                        in.v1.status, in.v1.error_code),
                            v1_status, v2_status);
    status_differences.push_back(kV1FailedRuleName);
  }
  rec.verdict = c.verdict;
  rec.consistency = c.consistency;

  std::error_code ec;
  fs::path root = fs::absolute(state_dir, ec).lexically_normal();
  rec.dir = reconcile_dir(root, in.target_month, in.module);
  // Each pair keeps its own files (a module may compare several inputs a month, e.g. one per
  // report); the module folder's v1.json, v2.json and diff.json link to the latest pair's.
  const fs::path pair_dir = fs::path(kPairsDir) / pair_folder(in.run_id);
  rec.v1_output = rec.dir / pair_dir / kV1File;
  rec.v2_output = rec.dir / pair_dir / kV2File;
  rec.diff = rec.dir / pair_dir / kDiffFile;
  rec.runs = rec.dir / kRunsFile;
  rec.summary = rec.dir / kSummaryFile;
  fs::create_directories(rec.dir / pair_dir, ec);
  if (ec) {
    throw std::runtime_error(
        fmt::format("reconcile: cannot create '{}': {}", rec.dir.string(), ec.message()));
  }

  const json rules_json = used.to_json();
  const std::string rules_version = sha256_hex(rules_json.dump()).substr(0, 16);
  json header{{"module", in.module},
              {"target_month", in.target_month},
              {"run_id", in.run_id},
              {"trace_id", in.trace_id},
              {"v1_run_id", rec.v1_run_id},
              {"v2_run_id", rec.v2_run_id},
              {"finished_at", rec.finished_at},
              {"v1", v1_status},
              {"v2", v2_status},
              {"noise", rec.noise.to_json()},
              {"compare", rules_json},
              {"rules_version", rules_version}};

  if (used.truth && in.truth && v1_ok && v2_ok) {
    header["truth"] = judge_truth(*used.truth, *in.truth, in.v1.result_json, in.v2.result_json);
  }
  json line = c.summary_json();
  json field_differences = json::object();
  for (size_t f = 0; f < c.fields.size(); ++f) {
    const auto& d = c.field_stats[f].differences;
    if (d[0] + d[1] + d[2] == 0) continue;
    field_differences[c.fields[f]] = {{"block", d[0]}, {"warn", d[1]}, {"ignore", d[2]}};
  }
  line.update(json{{"kind", in.kind},
                   {"fields_matched", c.matched},  // the gate's name for `matched`
                   {"run_id", in.run_id},
                   {"trace_id", in.trace_id},
                   {"v1_run_id", rec.v1_run_id},
                   {"v2_run_id", rec.v2_run_id},
                   {"module", in.module},
                   {"target_month", in.target_month},
                   {"at", rec.finished_at},
                   {"day", rec.day},
                   {"field_differences", std::move(field_differences)},
                   {"status_differences", std::move(status_differences)},
                   {"noise", {{"learned", in.v1_repeat.has_value()}, {"fields", rec.noise.fields}}},
                   {"v1", v1_status},
                   {"v2", v2_status},
                   {"rules_version", rules_version},
                   {"files",
                    {{"v1", rec.v1_output.string()},
                     {"v2", rec.v2_output.string()},
                     {"diff", rec.diff.string()}}}});
  if (header.contains("truth")) line["truth"] = header["truth"];
  rec.line = line;

  DirLock lock(rec.dir);
  auto output = [](const std::string& text) {
    std::string out = text.empty() ? std::string("null") : text;
    if (out.back() != '\n') out += '\n';
    return out;
  };
  write_or_throw(rec.v1_output, output(in.v1.result_json));
  write_or_throw(rec.v2_output, output(in.v2.result_json));
  write_or_throw(rec.diff, c.diff_json(header));
  for (std::string_view name : {kV1File, kV2File, kDiffFile}) {
    if (std::string why = replace_symlink(rec.dir / name, pair_dir / name); !why.empty()) {
      throw std::runtime_error("reconcile: " + why);
    }
  }
  if (std::string why = append_file_synced(
          rec.runs, line.dump(-1, ' ', false, json::error_handler_t::replace) + "\n");
      !why.empty()) {
    throw std::runtime_error("reconcile: " + why);
  }
  write_or_throw(rec.summary,
                 render_daily_summary(in.module, rec.month_folder, read_runs(rec.dir)));
  return rec;
}

json reconciliation_facet(const ReconcileRecord& rec) {
  const Comparison& c = rec.comparison;
  return {{"_producer", kLineageProducer},
          {"_schemaURL", kFacetSchemaUrl},
          {"module", rec.module},
          {"target_month", rec.target_month},
          {"verdict", to_string(rec.verdict)},
          {"consistency", rec.consistency ? json(*rec.consistency) : json()},
          {"threshold", c.threshold},
          {"differences",
           {{"block", c.by_grade[0]}, {"warn", c.by_grade[1]}, {"ignore", c.by_grade[2]}}},
          {"fields_compared", c.fields_compared},
          {"matched", c.matched},
          {"ignored", c.ignored},
          {"rows",
           {{"v1", c.rows_v1},
            {"v2", c.rows_v2},
            {"compared", c.rows_compared},
            {"only_v1", c.rows_only_v1},
            {"only_v2", c.rows_only_v2}}},
          {"noise_fields", rec.noise.fields},
          {"v1",
           {{"run_id", rec.v1_run_id},
            {"status", rec.line["v1"]["status"]},
            {"output", rec.v1_output.string()}}},
          {"v2",
           {{"run_id", rec.v2_run_id},
            {"status", rec.line["v2"]["status"]},
            {"overran", rec.line["v2"]["overran"]},
            {"output", rec.v2_output.string()}}},
          {"diff", rec.diff.string()},
          {"summary", rec.summary.string()}};
}

}  // namespace agentsys::migration
