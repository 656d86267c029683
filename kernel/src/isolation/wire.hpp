#pragma once
// The frames the kernel and a plugin host process exchange over their socket: a fixed header
// (payload size, type, id) and a payload of length-prefixed strings and fixed-width numbers.
// Both ends are the same build on the same machine, so numbers travel in native byte order.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace agentsys::wire {

enum class FrameType : uint8_t {
  // kernel -> host. `id` is the kernel's request id, except where noted.
  create = 1,   ///< config
  invoke = 2,   ///< CallFields
  command = 3,  ///< CallFields
  cancel = 4,   ///< (none): the request `id` should stop
  quiesce = 5,  ///< (none)
  export_state = 6,
  import_state = 7,   ///< state
  destroy = 8,        ///< (none): destroy the instance, answer, then exit
  service_reply = 9,  ///< id = the host's service request id: status, out, err
  stream_head = 10,   ///< id = service request id: head JSON; answered by stream_ack
  stream_chunk = 11,  ///< id = service request id: bytes; answered by stream_ack
  // host -> kernel. `id` is the kernel request the frame belongs to (0: none).
  ready = 32,        ///< plugin name: the plugin is loaded
  load_failed = 33,  ///< reason
  result = 34,       ///< status, out, err, exit code
  log = 35,          ///< level, message
  metric = 36,       ///< name, value, labels
  service = 37,      ///< service request id, service, request
  stream_ack = 38,   ///< service request id, stop (non-zero: stop the transfer)
};

/// The host services a `service` frame names (the slots of as_host_api that take a request).
enum class Service : uint64_t {
  run_command = 1,
  run_sql = 2,
  read_file = 3,
  write_file = 4,
  http_request = 5,
  policy_check = 6,
  submit_task = 7,
  query_runs = 8,
  http_stream = 9,
};

/// The largest frame either side accepts: a bigger one means a broken peer.
inline constexpr uint32_t kMaxPayload = 256u * 1024u * 1024u;

struct Frame {
  FrameType type = FrameType::result;
  uint64_t id = 0;
  std::string payload;
};

/// Builds a payload.
class Encoder {
 public:
  Encoder& str(std::string_view s);
  Encoder& u64(uint64_t v);
  Encoder& i64(int64_t v);
  Encoder& f64(double v);
  std::string take() { return std::move(buf_); }

 private:
  std::string buf_;
};

/// The peer sent something this end cannot read.
class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Reads a payload in the order it was built. Throws ProtocolError past the end.
class Decoder {
 public:
  explicit Decoder(std::string_view payload) : rest_(payload) {}
  std::string_view str();
  uint64_t u64();
  int64_t i64();
  double f64();

 private:
  std::string_view take(size_t n);
  std::string_view rest_;
};

/// Writes one whole frame (retrying short writes and EINTR). False when the peer is gone.
/// Not synchronised: callers serialise writers of one socket.
bool write_frame(int fd, FrameType type, uint64_t id, std::string_view payload);

/// Reads one whole frame; nullopt at end of stream or when the peer is gone. Throws
/// ProtocolError for a frame larger than kMaxPayload.
std::optional<Frame> read_frame(int fd);

/// The fields of an as_call, as an invoke or command frame carries them.
struct CallFields {
  std::string module, action, input_json, trace_id, run_id, task_id;
  uint32_t attempt = 1;
  uint32_t flags = 0;
  int64_t deadline_unix_ms = 0;
};

std::string encode_call(std::string_view module, std::string_view action,
                        std::string_view input_json, std::string_view trace_id,
                        std::string_view run_id, std::string_view task_id, uint32_t attempt,
                        uint32_t flags, int64_t deadline_unix_ms);
CallFields decode_call(std::string_view payload);

}  // namespace agentsys::wire
