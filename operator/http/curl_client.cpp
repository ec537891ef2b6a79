#include "operator/http/curl_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>

namespace aura::http {

namespace {

// Idle handles kept for reuse; more concurrent requests still work, their handles are closed.
constexpr size_t kMaxIdleHandles = 16;

struct Sink {
  const ChunkHandler* on_chunk = nullptr;  // null: collect the whole body
  std::string* body = nullptr;
  Headers* headers = nullptr;
  bool stopped = false;
  long status = 0;
  CURL* handle = nullptr;
};

size_t write_callback(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const size_t len = size * n;
  if (sink->on_chunk) {
    if (sink->status == 0) curl_easy_getinfo(sink->handle, CURLINFO_RESPONSE_CODE, &sink->status);
    // A non-2xx body (an error document) is collected rather than streamed.
    if (sink->status >= 200 && sink->status < 300) {
      if (!(*sink->on_chunk)(std::string_view(data, len))) {
        sink->stopped = true;
        return 0;  // aborts the transfer
      }
      return len;
    }
  }
  sink->body->append(data, len);
  return len;
}

size_t header_callback(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const size_t len = size * n;
  if (!sink->headers) return len;
  std::string_view line(data, len);
  if (line.rfind("HTTP/", 0) == 0) {
    sink->headers->clear();  // a new response (after a 100 Continue or a redirect)
    return len;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return len;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  sink->headers->emplace_back(std::move(name), std::string(value));
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

std::string ClientResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < k.size() && same; ++i)
      same = k[i] == std::tolower(static_cast<unsigned char>(name[i]));
    if (same) return v;
  }
  return {};
}

CurlClient::CurlClient(TlsOptions tls, std::string user_agent)
    : tls_(std::move(tls)), user_agent_(std::move(user_agent)) {
  // curl_global_init once per process; a function-local static avoids a mutable global.
  static const CurlGlobal global;
  (void)global;
}

CurlClient::~CurlClient() {
  for (CURL* h : idle_) curl_easy_cleanup(h);
}

CURL* CurlClient::acquire() {
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

void CurlClient::release(CURL* handle) {
  curl_easy_reset(handle);  // keeps the live connection and TLS session
  std::lock_guard lock(mu_);
  if (idle_.size() < kMaxIdleHandles) {
    idle_.push_back(handle);
    return;
  }
  curl_easy_cleanup(handle);
}

std::expected<long, ClientError> CurlClient::perform(CURL* h, const ClientRequest& req,
                                                     const ChunkHandler* on_chunk,
                                                     const std::atomic<bool>* cancel,
                                                     std::string* body, Headers* headers) {
  Sink sink{on_chunk, body, headers, false, 0, h};
  curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_USERAGENT, user_agent_.c_str());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_callback);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_callback);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &sink);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  // gzip for one-shot requests only: a gzip stream is flushed at the server's discretion and a
  // truncated one surfaces as a write error.
  if (req.accept_gzip && !on_chunk) curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeout.count()));
  if (cancel) {
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress_callback);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, cancel);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  }

  curl_blob ca{}, cert{}, key{};
  if (!tls_.ca_pem.empty()) {
    ca = {tls_.ca_pem.data(), tls_.ca_pem.size(), CURL_BLOB_NOCOPY};
    curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &ca);
  }
  if (!tls_.client_cert_pem.empty()) {
    cert = {tls_.client_cert_pem.data(), tls_.client_cert_pem.size(), CURL_BLOB_NOCOPY};
    key = {tls_.client_key_pem.data(), tls_.client_key_pem.size(), CURL_BLOB_NOCOPY};
    curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cert);
    curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &key);
    curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
  }
  if (tls_.insecure_skip_verify) {
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  curl_easy_setopt(h, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);

  curl_slist* list = nullptr;
  for (const auto& [k, v] : req.headers) list = curl_slist_append(list, (k + ": " + v).c_str());
  // curl would add "Expect: 100-continue" to large bodies and wait for it; AWS and the
  // apiserver do not need it, and it costs a round trip.
  list = curl_slist_append(list, "Expect:");
  const bool has_body =
      !req.body.empty() || req.method == "POST" || req.method == "PUT" || req.method == "PATCH";
  if (has_body) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
  }
  if (req.method == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else if (req.method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);

  const CURLcode rc = curl_easy_perform(h);
  curl_slist_free_all(list);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  if (rc == CURLE_OK || (sink.stopped && rc == CURLE_WRITE_ERROR)) return status;
  if (rc == CURLE_ABORTED_BY_CALLBACK)
    return std::unexpected(ClientError{"cancelled", false, true});
  return std::unexpected(
      ClientError{curl_easy_strerror(rc), rc == CURLE_OPERATION_TIMEDOUT, false});
}

std::expected<ClientResponse, ClientError> CurlClient::send(const ClientRequest& request) {
  CURL* h = acquire();
  ClientResponse response;
  auto status = perform(h, request, nullptr, nullptr, &response.body, &response.headers);
  if (!status) {
    // The connection may be broken: do not hand this handle to the next request.
    curl_easy_cleanup(h);
    return std::unexpected(status.error());
  }
  release(h);
  response.status = *status;
  return response;
}

std::expected<long, ClientError> CurlClient::stream(const ClientRequest& request,
                                                    const ChunkHandler& on_chunk,
                                                    const std::atomic<bool>* cancel,
                                                    std::string* error_body) {
  std::string body;
  // Streams get a handle of their own that is never pooled: a cancelled or broken stream leaves
  // the connection in an unknown state.
  CURL* h = curl_easy_init();
  auto status = perform(h, request, &on_chunk, cancel, &body, nullptr);
  curl_easy_cleanup(h);
  if (error_body) *error_body = std::move(body);
  return status;
}

}  // namespace aura::http
