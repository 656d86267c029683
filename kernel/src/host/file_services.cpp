#include "host/file_services.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "host/service_support.hpp"
#include "util/atomic_file.hpp"

namespace agentsys {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr size_t kDefaultMaxRead = size_t{64} << 20;

/// Asks path policy for `access` to the request's "path"; fills `canonical` when allowed.
as_status check_path(std::string_view service, service::Request& req, std::string_view access,
                     as_writer* err, fs::path& canonical) {
  if (!req.body.contains("path") || !req.body["path"].is_string()) {
    return service::fail(err, AS_ERR_INVALID_INPUT,
                         fmt::format("{}: 'path' must be a string", service));
  }
  const std::string path = req.body["path"].get<std::string>();
  json ask{{"kind", "path"}, {"path", path}, {"access", access}};
  if (fs::path run_dir = req.services->run_dir(*req.frame); !run_dir.empty()) {
    ask["cwd"] = run_dir.string();
  }
  as_status status = AS_OK;
  auto decision = service::decide(service, req, std::move(ask), err, status);
  if (!decision) return status;
  if (as_status s =
          service::enforce(service, fmt::format("{} of '{}'", access, path), *decision, err);
      s != AS_OK) {
    return s;
  }
  canonical = decision->detail.value("canonical", path);
  return AS_OK;
}

std::string errno_text() { return std::strerror(errno); }

/// True when the canonical `path` is `dir` or below it (a prefix test on whole components of
/// canonical paths).
bool inside(const fs::path& path, const fs::path& dir) {
  if (dir.empty()) return false;
  std::error_code ec;
  const fs::path root = fs::weakly_canonical(dir, ec);
  if (ec) return false;
  auto [d, p] = std::mismatch(root.begin(), root.end(), path.begin(), path.end());
  return d == root.end();
}

/// Writes `content` to `target` atomically (temporary file, fsync, rename) or appends it.
std::string write_atomically(const fs::path& target, std::string_view content, bool append) {
  return append ? append_file_synced(target, content) : write_file_atomically(target, content);
}

}  // namespace

as_status read_file_service(as_host_ctx* ctx, const as_call* call, as_str request, as_writer* out,
                            as_writer* err) {
  service::Request req;
  if (auto refused = service::open("read_file", ctx, call, request, err, req)) return *refused;
  size_t max_bytes = kDefaultMaxRead;
  if (req.body.contains("max_bytes")) {
    if (!req.body["max_bytes"].is_number_unsigned()) {
      return service::fail(err, AS_ERR_INVALID_INPUT,
                           "read_file: 'max_bytes' must be a non-negative integer");
    }
    max_bytes = req.body["max_bytes"].get<size_t>();
  }
  fs::path canonical;
  if (as_status s = check_path("read_file", req, "read", err, canonical); s != AS_OK) return s;
  // Reading changes nothing, so a dry run reads too.
  int fd = ::open(canonical.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    as_status st = errno == ENOENT ? AS_ERR_NOT_FOUND : AS_ERR_INVALID_INPUT;
    return service::fail(
        err, st, fmt::format("read_file: cannot open '{}': {}", canonical.string(), errno_text()));
  }
  std::string content;
  char buf[65536];
  ssize_t n = 0;
  bool too_big = false;
  while ((n = ::read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
    if (n < 0) continue;
    if (content.size() + static_cast<size_t>(n) > max_bytes) {
      too_big = true;
      break;
    }
    content.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  if (too_big) {
    return service::fail(err, AS_ERR_INVALID_INPUT,
                         fmt::format("read_file: '{}' is larger than max_bytes ({})",
                                     canonical.string(), max_bytes));
  }
  service::reply(
      out,
      {{"path", canonical.string()}, {"bytes", content.size()}, {"content", std::move(content)}});
  return AS_OK;
}

as_status write_file_service(as_host_ctx* ctx, const as_call* call, as_str request, as_writer* out,
                             as_writer* err) {
  service::Request req;
  if (auto refused = service::open("write_file", ctx, call, request, err, req)) return *refused;
  if (!req.body.contains("content") || !req.body["content"].is_string()) {
    return service::fail(err, AS_ERR_INVALID_INPUT, "write_file: 'content' must be a string");
  }
  bool append = req.body.value("append", false);
  fs::path canonical;
  if (as_status s = check_path("write_file", req, "write", err, canonical); s != AS_OK) return s;
  const std::string& content = req.body["content"].get_ref<const std::string&>();
  json detail{{"path", canonical.string()}, {"bytes", content.size()}, {"append", append}};
  // A shadow writes only inside its own run directory; anything else is "would write".
  const bool sandboxed = req.shadow() && !inside(canonical, req.services->run_dir(*req.frame));
  if (sandboxed) detail["sandbox"] = "shadow";
  if (req.dry_run() || sandboxed) {
    service::record(req, "write_file", detail, false);
    service::reply(
        out, {{"dry_run", true}, {"would_write", canonical.string()}, {"bytes", content.size()}});
    return AS_OK;
  }
  if (std::string problem = write_atomically(canonical, content, append); !problem.empty()) {
    return service::fail(err, AS_ERR_UNAVAILABLE, "write_file: " + problem);
  }
  service::record(req, "write_file", detail, true);
  service::reply(out,
                 {{"path", canonical.string()}, {"bytes", content.size()}, {"dry_run", false}});
  return AS_OK;
}

}  // namespace agentsys
