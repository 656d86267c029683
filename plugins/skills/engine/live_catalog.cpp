#include "live_catalog.hpp"

#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <cerrno>

#include "skill_parser.hpp"

namespace agentsys::skills {
namespace fs = std::filesystem;

namespace {

constexpr uint32_t kWatchMask = IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB |
                                IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF;

std::string stamp(const fs::path& p) {
  std::error_code ec;
  const auto t = fs::last_write_time(p, ec);
  return ec ? std::string("-") : std::to_string(t.time_since_epoch().count());
}

}  // namespace

LiveCatalog::LiveCatalog(fs::path dir, RouterSettings settings)
    : dir_(std::move(dir)), settings_(std::move(settings)) {
  inotify_fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
}

LiveCatalog::~LiveCatalog() {
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
}

void LiveCatalog::watch_folders() {
  if (inotify_fd_ < 0) return;
  inotify_add_watch(inotify_fd_, dir_.c_str(), kWatchMask);
  std::error_code ec;
  for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_directory(ec)) inotify_add_watch(inotify_fd_, it->path().c_str(), kWatchMask);
  }
}

std::string LiveCatalog::signature() const {
  std::string sig = stamp(dir_);
  std::error_code ec;
  for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    sig += "|" + it->path().filename().string() + "=" + stamp(it->path()) + "," +
           stamp(it->path() / "SKILL.md");
  }
  return sig;
}

bool LiveCatalog::changed() {
  if (inotify_fd_ < 0) {
    std::string now = signature();
    if (now == signature_) return false;
    signature_ = std::move(now);
    return true;
  }
  bool any = false;
  alignas(inotify_event) std::array<char, 4096> buffer{};
  for (;;) {
    const ssize_t n = ::read(inotify_fd_, buffer.data(), buffer.size());
    if (n > 0) {
      any = true;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return any;  // EAGAIN: drained
  }
}

std::shared_ptr<const CatalogState> LiveCatalog::current() {
  std::lock_guard lock(mutex_);
  if (state_ && !changed()) return state_;
  watch_folders();  // new skill folders; before the scan, so a change during it is seen next time
  if (!state_) static_cast<void>(changed());  // the first scan reads everything as it is
  Catalog catalog = scan_skills(dir_);
  auto next = std::make_shared<CatalogState>();
  next->findings = std::move(catalog.findings);
  next->invalid = catalog.invalid;
  next->router =
      std::make_shared<Router>(std::move(catalog.skills), settings_, std::move(catalog.bodies));
  next->generation = state_ ? state_->generation + 1 : 1;
  state_ = std::move(next);
  return state_;
}

}  // namespace agentsys::skills
