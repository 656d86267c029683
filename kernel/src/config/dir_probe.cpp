#include "config/dir_probe.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace agentsys::config {
namespace fs = std::filesystem;

std::string probe_writable(const fs::path& dir) {
  std::error_code ec;
  fs::path target = fs::absolute(dir, ec).lexically_normal();
  fs::path existing = target;
  while (!fs::exists(existing, ec) && existing.has_relative_path()) {
    existing = existing.parent_path();
  }
  if (!fs::is_directory(existing, ec)) {
    return fmt::format("'{}' is not a directory, so '{}' cannot be created", existing.string(),
                       target.string());
  }
  // access(2) says yes to root even on a read-only mount; creating a file tells the truth.
  fs::path probe = existing / fmt::format(".agentsys-preflight-{}", ::getpid());
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    int err = errno;
    std::string what = existing == target
                           ? fmt::format("cannot create files in '{}'", target.string())
                           : fmt::format("'{}' does not exist and cannot be created in '{}'",
                                         target.string(), existing.string());
    return fmt::format("{}: {}", what, std::strerror(err));
  }
  ::close(fd);
  fs::remove(probe, ec);
  return {};
}

}  // namespace agentsys::config
