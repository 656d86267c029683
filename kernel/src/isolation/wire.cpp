#include "isolation/wire.hpp"

#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace agentsys::wire {
namespace {

struct Header {
  uint32_t payload_size;
  uint8_t type;
  uint8_t reserved[3];
  uint64_t id;
};
static_assert(sizeof(Header) == 16);

template <class T>
void append_raw(std::string& buf, T v) {
  std::array<char, sizeof(T)> bytes{};
  std::memcpy(bytes.data(), &v, sizeof(T));
  buf.append(bytes.data(), bytes.size());
}

bool write_all(int fd, iovec* iov, int count) {
  while (count > 0) {
    // sendmsg with MSG_NOSIGNAL: a gone peer is an error here, not a SIGPIPE.
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<size_t>(count);
    ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    auto left = static_cast<size_t>(n);
    while (count > 0 && left >= iov->iov_len) {
      left -= iov->iov_len;
      ++iov;
      --count;
    }
    if (count > 0) {
      iov->iov_base = static_cast<char*>(iov->iov_base) + left;
      iov->iov_len -= left;
    }
  }
  return true;
}

bool read_all(int fd, char* to, size_t size) {
  while (size > 0) {
    ssize_t n = ::read(fd, to, size);
    if (n == 0) return false;
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    to += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

Encoder& Encoder::str(std::string_view s) {
  append_raw(buf_, static_cast<uint32_t>(s.size()));
  buf_.append(s);
  return *this;
}
Encoder& Encoder::u64(uint64_t v) {
  append_raw(buf_, v);
  return *this;
}
Encoder& Encoder::i64(int64_t v) {
  append_raw(buf_, v);
  return *this;
}
Encoder& Encoder::f64(double v) {
  append_raw(buf_, v);
  return *this;
}

std::string_view Decoder::take(size_t n) {
  if (n > rest_.size()) throw ProtocolError("truncated frame payload");
  std::string_view part = rest_.substr(0, n);
  rest_.remove_prefix(n);
  return part;
}

std::string_view Decoder::str() {
  uint32_t size = 0;
  std::memcpy(&size, take(sizeof(size)).data(), sizeof(size));
  return take(size);
}
uint64_t Decoder::u64() {
  uint64_t v = 0;
  std::memcpy(&v, take(sizeof(v)).data(), sizeof(v));
  return v;
}
int64_t Decoder::i64() {
  int64_t v = 0;
  std::memcpy(&v, take(sizeof(v)).data(), sizeof(v));
  return v;
}
double Decoder::f64() {
  double v = 0;
  std::memcpy(&v, take(sizeof(v)).data(), sizeof(v));
  return v;
}

bool write_frame(int fd, FrameType type, uint64_t id, std::string_view payload) {
  if (payload.size() > kMaxPayload) return false;
  Header h{static_cast<uint32_t>(payload.size()), static_cast<uint8_t>(type), {0, 0, 0}, id};
  std::array<iovec, 2> iov{{{&h, sizeof(h)}, {const_cast<char*>(payload.data()), payload.size()}}};
  return write_all(fd, iov.data(), payload.empty() ? 1 : 2);
}

std::optional<Frame> read_frame(int fd) {
  Header h{};
  if (!read_all(fd, reinterpret_cast<char*>(&h), sizeof(h))) return std::nullopt;
  if (h.payload_size > kMaxPayload) {
    throw ProtocolError("frame of " + std::to_string(h.payload_size) + " bytes is over the limit");
  }
  Frame f;
  f.type = static_cast<FrameType>(h.type);
  f.id = h.id;
  f.payload.resize(h.payload_size);
  if (!read_all(fd, f.payload.data(), f.payload.size())) return std::nullopt;
  return f;
}

std::string encode_call(std::string_view module, std::string_view action,
                        std::string_view input_json, std::string_view trace_id,
                        std::string_view run_id, std::string_view task_id, uint32_t attempt,
                        uint32_t flags, int64_t deadline_unix_ms) {
  return Encoder()
      .str(module)
      .str(action)
      .str(input_json)
      .str(trace_id)
      .str(run_id)
      .str(task_id)
      .u64(attempt)
      .u64(flags)
      .i64(deadline_unix_ms)
      .take();
}

CallFields decode_call(std::string_view payload) {
  Decoder d(payload);
  CallFields c;
  c.module = d.str();
  c.action = d.str();
  c.input_json = d.str();
  c.trace_id = d.str();
  c.run_id = d.str();
  c.task_id = d.str();
  c.attempt = static_cast<uint32_t>(d.u64());
  c.flags = static_cast<uint32_t>(d.u64());
  c.deadline_unix_ms = d.i64();
  return c;
}

}  // namespace agentsys::wire
