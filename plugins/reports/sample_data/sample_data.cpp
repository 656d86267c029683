#include "sample_data.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "generator.hpp"
#include "writer.hpp"

namespace agentsys::sample {
namespace fs = std::filesystem;

namespace {

fs::path directory_of(const fs::path& file) {
  fs::path dir = file.parent_path();
  return dir.empty() ? fs::path(".") : dir;
}

/// Removes the temporary file unless released (any failure leaves nothing behind).
class TempFile {
 public:
  explicit TempFile(fs::path path) : path_(std::move(path)) {}
  ~TempFile() {
    if (!path_.empty()) {
      std::error_code ec;
      fs::remove(path_, ec);
    }
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }
  void release() { path_.clear(); }

 private:
  fs::path path_;
};

/// Creates the temporary file (exclusively) so that an unwritable directory is reported as
/// such before any work, not as an SQLite error later.
void create_exclusive(const fs::path& file, const fs::path& target) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw InvalidRequest(fmt::format("--db: cannot write {}: cannot create a file in {}: {}",
                                     target.string(), directory_of(target).string(),
                                     std::strerror(errno)));
  }
  ::close(fd);
}

/// Flushes the finished file to disk before it is renamed into place (SQLite ran without
/// syncs), so that the name never points at a file a power loss could truncate.
void sync_file(const fs::path& file) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    int e = errno;
    if (fd >= 0) ::close(fd);
    throw std::runtime_error(fmt::format("cannot sync {}: {}", file.string(), std::strerror(e)));
  }
  ::close(fd);
}

}  // namespace

void validate(const SampleOptions& o) {
  if (o.months < 1 || o.months > kMaxMonths) {
    throw InvalidRequest(
        fmt::format("--months must be between 1 and {}, got {}", kMaxMonths, o.months));
  }
  if (o.rows_per_month < 1 || o.rows_per_month > kMaxRowsPerMonth) {
    throw InvalidRequest(fmt::format("--rows-per-month must be between 1 and {}, got {}",
                                     kMaxRowsPerMonth, o.rows_per_month));
  }
  if (o.end_month.plus(1 - o.months).year < 1970) {
    throw InvalidRequest(fmt::format("--months {} before --end-month {} starts before 1970",
                                     o.months, o.end_month.yyyymm()));
  }
  if (o.db.empty()) throw InvalidRequest("--db is empty");
  std::error_code ec;
  fs::file_status st = fs::status(o.db, ec);
  if (fs::is_directory(st)) {
    throw InvalidRequest(fmt::format("--db: {} is a directory", o.db.string()));
  }
  if (fs::exists(st) && !o.force) {
    throw InvalidRequest(
        fmt::format("--db: {} already exists (pass --force to replace it)", o.db.string()));
  }
  // A missing directory is created (like the state directory); anything else in the way is not.
  for (fs::path dir = directory_of(o.db); !dir.empty(); dir = dir.parent_path()) {
    fs::file_status ds = fs::status(dir, ec);
    if (fs::is_directory(ds)) break;
    if (fs::exists(ds)) {
      throw InvalidRequest(
          fmt::format("--db: cannot write {}: {} is not a directory", o.db.string(), dir.string()));
    }
    if (dir == dir.parent_path()) break;
  }
}

SampleSummary generate(const SampleOptions& options) {
  validate(options);
  auto start = std::chrono::steady_clock::now();
  std::error_code ec;
  fs::create_directories(directory_of(options.db), ec);
  if (ec) {
    throw InvalidRequest(fmt::format("--db: cannot write {}: cannot create {}: {}",
                                     options.db.string(), directory_of(options.db).string(),
                                     ec.message()));
  }
  TempFile temp(directory_of(options.db) /
                fmt::format(".{}.tmp.{}", options.db.filename().string(), ::getpid()));
  create_exclusive(temp.path(), options.db);

  SampleSummary summary;
  summary.db = options.db;
  {
    SampleWriter writer(temp.path());
    writer.add_tenants();
    for (int i = options.months - 1; i >= 0; --i) {
      Month month = options.end_month.plus(-i);
      summary.months.push_back(month.yyyymm());
      for (const RunRow& row : generate_month(month, options.rows_per_month, options.seed)) {
        writer.add(row);
      }
    }
    writer.finish();
    summary.rows = writer.counts();
  }
  sync_file(temp.path());
  fs::rename(temp.path(), options.db);  // atomic replace: readers see the old or the new file
  temp.release();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace agentsys::sample
