#pragma once

#include <atomic>
#include <chrono>
#include <expected>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

typedef void CURL;

namespace aura::http {

struct TlsOptions {
  std::string ca_pem;  // empty: the system trust store
  std::string client_cert_pem;
  std::string client_key_pem;
  bool insecure_skip_verify = false;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

struct ClientRequest {
  std::string method = "GET";
  std::string url;
  Headers headers;
  std::string body;
  std::chrono::milliseconds timeout{30000};
  bool accept_gzip = true;  // never used for streams
};

struct ClientResponse {
  long status = 0;
  Headers headers;  // names lower-cased
  std::string body;
  // The first header of that (case-insensitive) name, or "".
  std::string header(std::string_view name) const;
};

// No HTTP status was received: refused, reset, TLS failure, timeout or cancellation.
struct ClientError {
  std::string message;
  bool timed_out = false;
  bool cancelled = false;
};

// Returns false to stop the stream.
using ChunkHandler = std::function<bool(std::string_view chunk)>;

// Outbound HTTP(S) over libcurl, shared by the Kubernetes and AWS clients. Easy handles are
// pooled and each keeps its connection alive, so steady-state calls reuse TLS connections
// instead of handshaking. TLS material is passed from memory and never written to disk.
class CurlClient {
 public:
  explicit CurlClient(TlsOptions tls = {}, std::string user_agent = "aura-operator/0.1.0");
  ~CurlClient();
  CurlClient(const CurlClient&) = delete;
  CurlClient& operator=(const CurlClient&) = delete;

  std::expected<ClientResponse, ClientError> send(const ClientRequest& request);

  // A long-running request whose 2xx body is handed over in chunks as it arrives (watches).
  // Returns the HTTP status; a non-2xx body is returned in `error_body`. `cancel` is polled
  // several times a second so a shutdown ends the stream promptly.
  std::expected<long, ClientError> stream(const ClientRequest& request,
                                          const ChunkHandler& on_chunk,
                                          const std::atomic<bool>* cancel,
                                          std::string* error_body = nullptr);

 private:
  CURL* acquire();
  void release(CURL* handle);
  std::expected<long, ClientError> perform(CURL* handle, const ClientRequest& request,
                                           const ChunkHandler* on_chunk,
                                           const std::atomic<bool>* cancel, std::string* body,
                                           Headers* headers);

  TlsOptions tls_;
  std::string user_agent_;
  std::mutex mu_;
  std::vector<CURL*> idle_;
};

}  // namespace aura::http
