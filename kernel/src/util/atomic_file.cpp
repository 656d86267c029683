#include "util/atomic_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "util/hex.hpp"

namespace agentsys {
namespace fs = std::filesystem;

namespace {

std::string errno_text() { return std::strerror(errno); }

bool write_all(int fd, std::string_view content) {
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

/// A name no other writer picks: O_EXCL refuses a clash anyway, this only makes one unlikely.
std::string temp_suffix() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string out;
  append_hex(out, rng(), 16);
  append_hex(out, rng(), 16);
  return out;
}

}  // namespace

std::string write_file_atomically(const fs::path& target, std::string_view content, bool sync_dir) {
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) return fmt::format("cannot create '{}': {}", target.parent_path().string(), ec.message());
  fs::path tmp = target;
  tmp += ".tmp-" + temp_suffix();
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return fmt::format("cannot create '{}': {}", tmp.string(), errno_text());
  bool ok = write_all(fd, content) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), target.c_str()) != 0) {
    std::string why = errno_text();
    ::unlink(tmp.c_str());
    return fmt::format("cannot write '{}': {}", target.string(), why);
  }
  if (sync_dir) {
    fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    bool synced = dfd >= 0 && ::fsync(dfd) == 0;
    if (dfd >= 0) ::close(dfd);
    if (!synced) return fmt::format("cannot sync directory '{}': {}", dir.string(), errno_text());
  }
  return {};
}

std::string append_file_synced(const fs::path& target, std::string_view content) {
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) return fmt::format("cannot create '{}': {}", target.parent_path().string(), ec.message());
  int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return fmt::format("cannot open '{}': {}", target.string(), errno_text());
  ssize_t n = ::write(fd, content.data(), content.size());
  bool ok = n == static_cast<ssize_t>(content.size()) && ::fsync(fd) == 0;
  ::close(fd);
  return ok ? std::string() : fmt::format("cannot append to '{}'", target.string());
}

}  // namespace agentsys
