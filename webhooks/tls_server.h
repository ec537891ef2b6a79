#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>

#include "operator/http/server.h"
#include "operator/log/logger.h"

namespace aura::webhooks {

class Session;  // one connection (tls_server.cpp)

struct TlsServerOptions {
  std::string address = "0.0.0.0";
  unsigned short port = 9443;  // 0: pick a free port (tests)
  int threads = 2;
  // The kube-apiserver sends at most about 3 MiB; more is answered 413.
  std::size_t body_limit = 3 * 1024 * 1024;
  std::chrono::milliseconds handshake_timeout{5000};
  std::chrono::milliseconds read_timeout{10000};    // per request, also the keep-alive idle limit
  std::chrono::milliseconds write_timeout{10000};   // per response
  std::chrono::milliseconds shutdown_grace{10000};  // stop() waits this long for requests in flight
  // PEM files (a mounted Secret), or empty when the pair is handed over with set_certificate()
  // (the self-managed mode) before start(). The pair is reloaded when either file's mtime or size
  // changes, checked at most every reload_check on a new connection; the old pair stays in use
  // until a new pair loads and matches.
  std::string cert_file;
  std::string key_file;
  std::chrono::milliseconds reload_check{1000};
};

// An HTTPS/1.1 server on Boost.Beast and OpenSSL for admission webhooks: TLS 1.2 and 1.3 only
// with AEAD cipher suites, keep-alive, a body limit, handshake/read/write timeouts, certificate
// rotation without restart, and a graceful stop that finishes requests in flight. Routes match
// the path exactly (query ignored); the request and response types are those of operator/http.
class TlsServer {
 public:
  TlsServer(TlsServerOptions options, log::Logger logger);
  ~TlsServer();
  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;

  // Routes must be registered before start().
  void route(const std::string& path, http::Handler handler);
  // Loads the certificate, binds and starts the I/O threads; false (and logged) on failure.
  bool start();
  // Stops accepting, lets requests in flight finish (up to shutdown_grace), closes idle
  // connections and joins the threads. Idempotent.
  void stop();
  unsigned short port() const;
  // Checks the certificate files now (also done on new connections); true when a new pair was
  // loaded. For tests and for a file watcher.
  bool reload_if_changed();
  // Serves this pair (PEM) from now on; connections already up keep the pair they began with.
  // False (and logged) when the pair does not load or match; the previous pair stays in use.
  bool set_certificate(const std::string& cert_pem, const std::string& key_pem);
  // How many certificate pairs have been loaded so far (1 after start()).
  int generation() const;

 private:
  friend class Session;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aura::webhooks
