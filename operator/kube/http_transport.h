#pragma once

#include <atomic>
#include <chrono>
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "operator/common/token_bucket.h"
#include "operator/kube/rest_config.h"

typedef void CURL;

namespace aura::kube {

struct HttpRequest {
  std::string method = "GET";
  std::string path;  // path and query, starting with '/'
  std::string body;
  std::string content_type;  // set when body is not empty
  std::string accept = "application/json";
  std::chrono::milliseconds timeout{0};  // 0: the config's default; watches pass their own
};

struct HttpResponse {
  long status = 0;
  std::string body;
};

// Connection-level failure: no HTTP status was received (refused, reset, TLS, timeout).
struct TransportError {
  std::string message;
  bool timed_out = false;
};

// Returns false to stop the stream.
using ChunkHandler = std::function<bool(std::string_view chunk)>;

// HTTPS to one kube-apiserver over libcurl. Easy handles are pooled, and each keeps its TLS
// connection alive, so steady-state calls reuse connections instead of handshaking. Applies the
// client-side rate limit, the bearer token (refreshing it once on a 401) and TLS settings.
class HttpTransport {
 public:
  explicit HttpTransport(RestConfig config);
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  std::expected<HttpResponse, TransportError> send(const HttpRequest& request);

  // A long-running request whose body is delivered in chunks as it arrives (watches). Returns
  // the HTTP status; when the status is not 2xx the body is returned in `error_body`. `cancel`
  // is polled about every 100 ms so a shutdown ends the stream promptly.
  std::expected<long, TransportError> stream(const HttpRequest& request,
                                             const ChunkHandler& on_chunk,
                                             const std::atomic<bool>* cancel,
                                             std::string* error_body = nullptr);

  const RestConfig& config() const { return config_; }

 private:
  CURL* acquire();
  void release(CURL* handle);
  std::expected<long, TransportError> perform(CURL* handle, const HttpRequest& request,
                                              const ChunkHandler& on_chunk,
                                              const std::atomic<bool>* cancel, bool streaming,
                                              std::string* body);

  RestConfig config_;
  TokenBucket limiter_;
  std::mutex mu_;
  std::vector<CURL*> idle_;
};

}  // namespace aura::kube
