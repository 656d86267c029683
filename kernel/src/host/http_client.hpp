#pragma once
// One HTTP/1.1 exchange with libcurl: no redirect is followed here (the service asks policy
// for every hop), no proxy is used, only http and https are spoken. Easy handles are pooled
// and DNS and connections are shared, so a request to a host seen before reuses its
// keep-alive connection. Thread-safe.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "host/http_headers.hpp"
#include "host/http_url.hpp"

namespace agentsys {

/// What one exchange produced. `failure` says why it ended early, if it did.
struct HttpExchange {
  enum class Failure { none, timeout, cancelled, too_large, stopped, unavailable };
  long status = 0;
  HttpHeaders headers;  ///< of the final response block (after any 1xx)
  uint64_t bytes = 0;   ///< body bytes received
  double latency_ms = 0;
  Failure failure = Failure::none;
  std::string error;  ///< libcurl's explanation when failure is timeout or unavailable
};

/// What to do with a response body, decided once its head is known.
enum class HeadAction { deliver, discard, stop };

struct HttpTransfer {
  const HttpTarget* target = nullptr;
  std::string_view method;
  const HttpHeaders* headers = nullptr;
  std::string_view body;
  uint64_t timeout_ms = 30'000;
  uint64_t max_response_bytes = 0;            ///< over it: Failure::too_large
  const std::atomic<bool>* cancel = nullptr;  ///< the call's flag: Failure::cancelled
  int64_t deadline_unix_ms = 0;               ///< the call's deadline: Failure::timeout
  std::function<HeadAction(const HttpExchange&)> on_head;
  std::function<bool(std::string_view)> on_body;  ///< false: Failure::stopped
};

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpExchange perform(const HttpTransfer& transfer);

 private:
  struct Pool;
  std::unique_ptr<Pool> pool_;
};

}  // namespace agentsys
