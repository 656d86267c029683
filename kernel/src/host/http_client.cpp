#include "host/http_client.hpp"

#include <curl/curl.h>

#include <array>
#include <chrono>
#include <mutex>
#include <vector>

#include "util/time.hpp"

namespace agentsys {
namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

/// Per-exchange state the libcurl callbacks share.
struct Exchange {
  const HttpTransfer* transfer = nullptr;
  CURL* curl = nullptr;
  HttpExchange result;
  HeadAction action = HeadAction::deliver;
  bool head_done = false;
  bool deadline_hit = false;
};

void finish_head(Exchange& x) {
  long code = 0;
  curl_easy_getinfo(x.curl, CURLINFO_RESPONSE_CODE, &code);
  if (code >= 100 && code < 200) {  // an interim response: the real head follows
    x.result.headers.clear();
    return;
  }
  x.result.status = code;
  x.head_done = true;
  curl_off_t length = -1;
  curl_easy_getinfo(x.curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
  x.action = x.transfer->on_head ? x.transfer->on_head(x.result) : HeadAction::deliver;
  if (x.action == HeadAction::deliver && length > 0 &&
      static_cast<uint64_t>(length) > x.transfer->max_response_bytes) {
    x.result.failure = HttpExchange::Failure::too_large;  // refused before reading it
  } else if (x.action == HeadAction::stop) {
    x.result.failure = HttpExchange::Failure::stopped;
  }
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto& x = *static_cast<Exchange*>(user);
  std::string_view line(data, size * count);
  if (line == "\r\n" || line == "\n") {
    finish_head(x);
    return x.result.failure == HttpExchange::Failure::none ? line.size() : 0;
  }
  const size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
      value.remove_suffix(1);
    x.result.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  return line.size();
}

size_t on_write(char* data, size_t size, size_t count, void* user) {
  auto& x = *static_cast<Exchange*>(user);
  const size_t n = size * count;
  x.result.bytes += n;
  if (x.action == HeadAction::discard) return n;  // a redirect's body: read, not delivered
  if (x.result.bytes > x.transfer->max_response_bytes) {
    x.result.failure = HttpExchange::Failure::too_large;
    return 0;
  }
  if (x.transfer->on_body && !x.transfer->on_body(std::string_view(data, n))) {
    x.result.failure = HttpExchange::Failure::stopped;
    return 0;
  }
  return n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto& x = *static_cast<Exchange*>(user);
  const HttpTransfer& t = *x.transfer;
  if (t.cancel != nullptr && t.cancel->load(std::memory_order_relaxed)) {
    x.result.failure = HttpExchange::Failure::cancelled;
    return 1;
  }
  if (t.deadline_unix_ms > 0 && unix_ms_now() >= t.deadline_unix_ms) {
    x.result.failure = HttpExchange::Failure::timeout;
    x.deadline_hit = true;
    return 1;
  }
  return 0;
}

struct HeaderList {
  curl_slist* list = nullptr;
  ~HeaderList() { curl_slist_free_all(list); }
  void add(const std::string& line) { list = curl_slist_append(list, line.c_str()); }
};

void set_method(CURL* c, const HttpTransfer& t) {
  if (t.method == "GET") {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else if (t.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, std::string(t.method).c_str());
    if (!t.body.empty() || t.method == "POST" || t.method == "PUT" || t.method == "PATCH") {
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t.body.size()));
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, t.body.data());
    }
  }
}

void configure(CURL* c, const HttpTransfer& t, Exchange& x, const HeaderList& headers,
               char* error_buffer) {
  curl_easy_setopt(c, CURLOPT_URL, t.target->url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);  // every hop is decided by policy
  curl_easy_setopt(c, CURLOPT_PROXY, "");           // never a proxy from the environment
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "agentsys");
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(t.timeout_ms));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.list);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &on_write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &x);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  set_method(c, t);
}

HttpExchange::Failure classify(CURLcode rc) {
  switch (rc) {
    case CURLE_OK: return HttpExchange::Failure::none;
    case CURLE_OPERATION_TIMEDOUT: return HttpExchange::Failure::timeout;
    default: return HttpExchange::Failure::unavailable;
  }
}

}  // namespace

/// Easy handles (each with its own settings, reset between uses) and one share holding the
/// DNS cache and the connection pool, guarded by one mutex per kind of shared data.
struct HttpClient::Pool {
  std::mutex mutex;
  std::vector<CURL*> idle;
  CURLSH* share = nullptr;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> locks;

  Pool() {
    global_init();
    share = curl_share_init();
    curl_share_setopt(share, CURLSHOPT_LOCKFUNC, &lock);
    curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, &unlock);
    curl_share_setopt(share, CURLSHOPT_USERDATA, this);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
  }
  ~Pool() {
    for (CURL* c : idle) curl_easy_cleanup(c);
    curl_share_cleanup(share);
  }
  static void lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<Pool*>(user)->locks[static_cast<size_t>(data)].lock();
  }
  static void unlock(CURL*, curl_lock_data data, void* user) {
    static_cast<Pool*>(user)->locks[static_cast<size_t>(data)].unlock();
  }
  CURL* acquire() {
    std::lock_guard guard(mutex);
    if (idle.empty()) return curl_easy_init();
    CURL* c = idle.back();
    idle.pop_back();
    return c;
  }
  void release(CURL* c) {
    curl_easy_reset(c);  // keeps the handle's caches, drops every option
    std::lock_guard guard(mutex);
    idle.push_back(c);
  }
};

HttpClient::HttpClient() : pool_(std::make_unique<Pool>()) {}
HttpClient::~HttpClient() = default;

HttpExchange HttpClient::perform(const HttpTransfer& t) {
  Exchange x;
  x.transfer = &t;
  x.curl = pool_->acquire();
  if (x.curl == nullptr) {
    x.result.failure = HttpExchange::Failure::unavailable;
    x.result.error = "libcurl could not create a handle";
    return x.result;
  }
  HeaderList headers;
  for (const auto& [name, value] : *t.headers) headers.add(name + ": " + value);
  headers.add("Expect:");  // no 100-continue round trip for request bodies
  std::array<char, CURL_ERROR_SIZE> error{};
  configure(x.curl, t, x, headers, error.data());
  curl_easy_setopt(x.curl, CURLOPT_SHARE, pool_->share);
  const auto start = std::chrono::steady_clock::now();
  const CURLcode rc = curl_easy_perform(x.curl);
  x.result.latency_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (x.result.failure == HttpExchange::Failure::none) {
    x.result.failure = classify(rc);
    if (rc != CURLE_OK) x.result.error = error[0] != '\0' ? error.data() : curl_easy_strerror(rc);
  }
  pool_->release(x.curl);
  return x.result;
}

}  // namespace agentsys
