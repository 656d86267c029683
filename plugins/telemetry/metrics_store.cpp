#include "metrics_store.hpp"

#include <agentsys/plugin.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <system_error>
#include <utility>

#include "prometheus.hpp"

namespace agentsys::telemetry {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

/// An flock(2) on `<dir>/.lock`, released on destruction.
class FileLock {
 public:
  FileLock(const fs::path& file, bool exclusive) {
    fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw_errno("cannot open " + file.string());
    while (::flock(fd_, exclusive ? LOCK_EX : LOCK_SH) != 0) {
      if (errno != EINTR) {
        const int e = errno;
        ::close(fd_);
        errno = e;
        throw_errno("cannot lock " + file.string());
      }
    }
  }
  ~FileLock() { ::close(fd_); }  // closing the descriptor releases the lock
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  [[nodiscard]] int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

std::optional<std::string> read_file(const fs::path& file) {
  Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return std::nullopt;
    throw_errno("cannot open " + file.string());
  }
  std::string text;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("cannot read " + file.string());
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  return text;
}

/// Writes `text` to `<file>.tmp`, fsyncs it and renames it over `file`. The caller holds the
/// exclusive lock, so the temporary name is never shared.
void write_atomically(const fs::path& file, std::string_view text) {
  const fs::path tmp = fs::path(file).concat(".tmp");
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) throw_errno("cannot create " + tmp.string());
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("cannot write " + tmp.string());
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) throw_errno("cannot fsync " + tmp.string());
  if (::close(fd.release()) != 0) throw_errno("cannot close " + tmp.string());
  if (::rename(tmp.c_str(), file.c_str()) != 0) {
    throw_errno("cannot rename " + tmp.string() + " to " + file.string());
  }
}

void fsync_dir(const fs::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0) throw_errno("cannot fsync " + dir.string());
}

Aggregate parse(const fs::path& file, const std::string& text) {
  try {
    return Aggregate::from_persisted_json(nlohmann::json::parse(text));
  } catch (const Error&) {
    throw;  // unknown version: not damage, keep the status
  } catch (const std::exception& e) {
    throw std::runtime_error(file.string() + " is damaged: " + e.what());
  }
}

}  // namespace

MetricsStore::MetricsStore(fs::path dir) : dir_(std::move(dir)) {
  fs::create_directories(dir_);
  if (!fs::is_directory(dir_)) throw std::runtime_error(dir_.string() + " is not a directory");
}

MetricsStore::AddReport MetricsStore::add(const Aggregate& delta) {
  AddReport report;
  FileLock lock(dir_ / ".lock", true);
  const fs::path json_file = dir_ / "metrics.json";
  Aggregate total;
  if (auto text = read_file(json_file)) {
    try {
      total = parse(json_file, *text);
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
      const fs::path aside = fs::path(json_file).concat(fmt::format(".corrupt-{}", ms));
      fs::rename(json_file, aside);
      report.warning =
          fmt::format("{}; moved it to {} and restarted the totals", e.what(), aside.string());
    }
  }
  total.merge(delta);
  write_atomically(json_file, total.to_persisted_json().dump() + "\n");
  write_atomically(dir_ / "metrics.prom", render_prometheus(total));
  fsync_dir(dir_);
  return report;
}

Aggregate MetricsStore::load() const {
  FileLock lock(dir_ / ".lock", false);
  const fs::path json_file = dir_ / "metrics.json";
  auto text = read_file(json_file);
  return text ? parse(json_file, *text) : Aggregate{};
}

}  // namespace agentsys::telemetry
