#include "event_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace agentsys::lineage {
using json = nlohmann::json;

EventLog::EventLog(std::filesystem::path dir) : dir_(std::move(dir)) {}

void EventLog::append(const std::vector<json>& events) {
  std::string text;
  for (const json& e : events) {
    text += e.dump(-1, ' ', false, json::error_handler_t::replace);
    text += '\n';
  }
  std::lock_guard lock(mutex_);
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  int fd = ::open(file().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw std::runtime_error("cannot open " + file().string() + ": " + std::strerror(errno));
  }
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  bool ok = done == text.size() && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) throw std::runtime_error("cannot append to " + file().string());
}

std::vector<json> EventLog::read_all() const {
  std::vector<json> events;
  std::ifstream in(file());
  for (std::string line; std::getline(in, line);) {
    json e = json::parse(line, nullptr, false);
    if (e.is_object()) events.push_back(std::move(e));
  }
  return events;
}

}  // namespace agentsys::lineage
