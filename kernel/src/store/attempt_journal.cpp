#include "store/attempt_journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <spdlog/spdlog.h>
#include <fstream>

namespace agentsys {
namespace fs = std::filesystem;

namespace {

/// A process identity ("BOOT/PID/START") as a file name.
fs::path journal_file(const fs::path& dir, const std::string& identity) {
  std::string name = identity;
  for (char& c : name) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '.';
    if (!plain) c = '_';
  }
  return dir / (name + ".journal");
}

// Emptied once it holds this much and no call is in progress, so a long batch keeps it small.
constexpr off_t kCompactAt = 1 << 20;

}  // namespace

AttemptJournal::AttemptJournal(fs::path dir, const std::string& identity)
    : file_(journal_file(dir, identity)) {}

AttemptJournal::~AttemptJournal() {
  if (fd_ < 0) return;
  ::close(fd_);
  std::error_code ec;
  fs::remove(file_, ec);
}

void AttemptJournal::begin(const std::string& run_id, unsigned attempt) {
  append('B', run_id, attempt);
}

void AttemptJournal::end(const std::string& run_id, unsigned attempt) {
  append('E', run_id, attempt);
}

void AttemptJournal::append(char what, const std::string& run_id, unsigned attempt) {
  std::lock_guard lock(mutex_);
  if (fd_ < 0) {
    std::error_code ec;
    fs::create_directories(file_.parent_path(), ec);
    fd_ = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      spdlog::warn("cannot open the attempt journal {}: recovery will not see crashes",
                   file_.string());
      fd_ = -2;  // do not try again
    }
  }
  if (fd_ < 0) return;
  if (what == 'B') {
    ++open_calls_;
  } else if (open_calls_ > 0) {
    --open_calls_;
  }
  const std::string line = fmt::format("{} {} {}\n", what, run_id, attempt);
  // One write of a short line to an O_APPEND file: whole, or (the process dying inside the
  // system call) not at all as far as a reader splitting lines is concerned.
  if (::write(fd_, line.data(), line.size()) < 0) return;
  if (open_calls_ == 0 && ::lseek(fd_, 0, SEEK_END) >= kCompactAt) {
    if (::ftruncate(fd_, 0) != 0) return;
  }
}

std::map<std::string, std::set<unsigned>> AttemptJournal::unfinished(const fs::path& dir,
                                                                     const std::string& identity) {
  std::map<std::string, std::set<unsigned>> open;
  std::ifstream in(journal_file(dir, identity));
  std::string what;
  std::string run_id;
  unsigned attempt = 0;
  while (in >> what >> run_id >> attempt) {
    if (what == "B") {
      open[run_id].insert(attempt);
    } else if (auto it = open.find(run_id); it != open.end()) {
      it->second.erase(attempt);
      if (it->second.empty()) open.erase(it);
    }
  }
  return open;
}

void AttemptJournal::remove(const fs::path& dir, const std::string& identity) {
  std::error_code ec;
  fs::remove(journal_file(dir, identity), ec);
}

}  // namespace agentsys
