#include "operator/kube/http_transport.h"

#include <curl/curl.h>

#include <thread>

namespace aura::kube {

namespace {

// Idle handles kept for reuse; more concurrent requests than this still work, their handles are
// just closed afterwards.
constexpr size_t kMaxIdleHandles = 16;

struct Sink {
  const ChunkHandler* on_chunk = nullptr;
  std::string* buffer = nullptr;
  bool streaming = false;
  bool stopped = false;
  long status = 0;
  CURL* handle = nullptr;
};

size_t write_callback(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const size_t len = size * n;
  if (sink->streaming) {
    if (sink->status == 0) curl_easy_getinfo(sink->handle, CURLINFO_RESPONSE_CODE, &sink->status);
    // Non-2xx bodies (a Status object) are collected rather than streamed.
    if (sink->status >= 200 && sink->status < 300) {
      if (!(*sink->on_chunk)(std::string_view(data, len))) {
        sink->stopped = true;
        return 0;  // aborts the transfer
      }
      return len;
    }
  }
  sink->buffer->append(data, len);
  return len;
}

int progress_callback(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* cancel = static_cast<const std::atomic<bool>*>(user);
  return cancel && cancel->load(std::memory_order_relaxed) ? 1 : 0;
}

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

}  // namespace

HttpTransport::HttpTransport(RestConfig config)
    : config_(std::move(config)), limiter_(config_.qps, config_.burst) {
  // curl_global_init is itself thread-safe in libcurl >= 7.84; a function-local static keeps the
  // one-time call without a mutable global.
  static const CurlGlobal global;
  (void)global;
}

HttpTransport::~HttpTransport() {
  for (CURL* h : idle_) curl_easy_cleanup(h);
}

CURL* HttpTransport::acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      CURL* h = idle_.back();
      idle_.pop_back();
      return h;
    }
  }
  return curl_easy_init();
}

void HttpTransport::release(CURL* handle) {
  curl_easy_reset(handle);  // keeps the live connection and TLS session
  std::lock_guard lock(mu_);
  if (idle_.size() < kMaxIdleHandles) {
    idle_.push_back(handle);
    return;
  }
  curl_easy_cleanup(handle);
}

std::expected<long, TransportError> HttpTransport::perform(CURL* h, const HttpRequest& req,
                                                           const ChunkHandler& on_chunk,
                                                           const std::atomic<bool>* cancel,
                                                           bool streaming, std::string* body) {
  Sink sink{&on_chunk, body, streaming, false, 0, h};
  const std::string url = config_.server + req.path;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_USERAGENT, config_.user_agent.c_str());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_callback);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  // gzip for one-shot requests (large lists); never for streams: a watch's gzip stream is only
  // flushed at the server's discretion and a truncated one surfaces as a write error.
  if (!streaming) curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
  const auto timeout = req.timeout.count() > 0 ? req.timeout : config_.timeout;
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  if (cancel) {
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress_callback);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, cancel);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  }

  // TLS: blobs so that kubeconfig data never touches the disk.
  curl_blob ca{}, cert{}, key{};
  if (!config_.tls.ca_pem.empty()) {
    ca = {const_cast<char*>(config_.tls.ca_pem.data()), config_.tls.ca_pem.size(),
          CURL_BLOB_NOCOPY};
    curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &ca);
  }
  if (!config_.tls.client_cert_pem.empty()) {
    cert = {const_cast<char*>(config_.tls.client_cert_pem.data()),
            config_.tls.client_cert_pem.size(), CURL_BLOB_NOCOPY};
    key = {const_cast<char*>(config_.tls.client_key_pem.data()), config_.tls.client_key_pem.size(),
           CURL_BLOB_NOCOPY};
    curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cert);
    curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &key);
    curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
  }
  if (config_.tls.insecure_skip_verify) {
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  curl_easy_setopt(h, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);

  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, ("Accept: " + req.accept).c_str());
  std::string auth;
  if (config_.token) {
    auto token = config_.token->token();
    if (!token) {
      curl_slist_free_all(headers);
      return std::unexpected(TransportError{"bearer token: " + token.error()});
    }
    auth = "Authorization: Bearer " + *token;
    headers = curl_slist_append(headers, auth.c_str());
  }
  if (!req.body.empty() || req.method == "POST" || req.method == "PUT" || req.method == "PATCH") {
    headers = curl_slist_append(headers, ("Content-Type: " + req.content_type).c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
  }
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  if (req.method == "GET") curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);

  const CURLcode rc = curl_easy_perform(h);
  curl_slist_free_all(headers);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  if (rc == CURLE_OK || (sink.stopped && rc == CURLE_WRITE_ERROR)) return status;
  if (rc == CURLE_ABORTED_BY_CALLBACK) return std::unexpected(TransportError{"cancelled", false});
  return std::unexpected(TransportError{curl_easy_strerror(rc), rc == CURLE_OPERATION_TIMEDOUT});
}

std::expected<HttpResponse, TransportError> HttpTransport::send(const HttpRequest& request) {
  if (auto wait = limiter_.reserve(); wait > TokenBucket::Clock::duration::zero())
    std::this_thread::sleep_for(wait);  // client-side rate limit: the caller's thread waits
  static const ChunkHandler kNoChunks;
  for (int attempt = 0;; ++attempt) {
    CURL* h = acquire();
    HttpResponse response;
    auto status = perform(h, request, kNoChunks, nullptr, false, &response.body);
    release(h);
    if (!status) return std::unexpected(status.error());
    response.status = *status;
    // A rotated or expired token: fetch a fresh one and try once more.
    if (response.status == 401 && attempt == 0 && config_.token) {
      config_.token->invalidate();
      continue;
    }
    return response;
  }
}

std::expected<long, TransportError> HttpTransport::stream(const HttpRequest& request,
                                                          const ChunkHandler& on_chunk,
                                                          const std::atomic<bool>* cancel,
                                                          std::string* error_body) {
  if (auto wait = limiter_.reserve(); wait > TokenBucket::Clock::duration::zero())
    std::this_thread::sleep_for(wait);
  std::string body;
  // Streams get their own handle that is never pooled: a cancelled or broken stream leaves the
  // connection in an unknown state.
  CURL* h = curl_easy_init();
  auto status = perform(h, request, on_chunk, cancel, true, &body);
  curl_easy_cleanup(h);
  if (status && *status == 401 && config_.token) config_.token->invalidate();
  if (error_body) *error_body = std::move(body);
  return status;
}

}  // namespace aura::kube
