#pragma once

#include <atomic>
#include <chrono>
#include <expected>
#include <memory>
#include <string>
#include <string_view>

#include "operator/common/token_bucket.h"
#include "operator/http/curl_client.h"
#include "operator/kube/rest_config.h"

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

using TransportError = http::ClientError;
using ChunkHandler = http::ChunkHandler;

// HTTPS to one kube-apiserver: the shared curl client plus what is specific to Kubernetes:
// the server's base URL, the client-side rate limit, and the bearer token, refreshed once on a
// 401 (a rotated service-account token or an expired exec credential).
class HttpTransport {
 public:
  explicit HttpTransport(RestConfig config);

  std::expected<HttpResponse, TransportError> send(const HttpRequest& request);
  std::expected<long, TransportError> stream(const HttpRequest& request,
                                             const ChunkHandler& on_chunk,
                                             const std::atomic<bool>* cancel,
                                             std::string* error_body = nullptr);

  const RestConfig& config() const { return config_; }

 private:
  std::expected<http::ClientRequest, TransportError> build(const HttpRequest& request) const;
  void wait_for_rate_limit();

  RestConfig config_;
  TokenBucket limiter_;
  http::CurlClient curl_;
};

}  // namespace aura::kube
