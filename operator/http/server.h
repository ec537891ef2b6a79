#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "operator/log/logger.h"

namespace aura::http {

struct Request {
  std::string method;
  std::string target;  // path and query
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // as received
  std::string header(std::string_view name) const;           // case-insensitive, "" if absent
};

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers = {};  // extra response headers
};

using Handler = std::function<Response(const Request&)>;

struct ServerOptions {
  std::string address = "0.0.0.0";
  unsigned short port = 8080;  // 0: pick a free port (tests)
  int threads = 1;
  size_t body_limit = 1 << 20;
  std::chrono::seconds read_timeout{10};
};

// A small HTTP/1.1 server on Boost.Beast with keep-alive, a body limit and read timeouts, for
// metrics and health probes. Routes match the path exactly (query ignored); a route "*"
// catches every other path.
class Server {
 public:
  Server(ServerOptions options, log::Logger logger);
  ~Server();
  void route(const std::string& path, Handler handler);
  // Binds and starts the I/O threads; returns false (and logs) when the port cannot be bound.
  bool start();
  void stop();
  unsigned short port() const { return bound_port_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  ServerOptions options_;
  log::Logger log_;
  std::map<std::string, Handler> routes_;
  unsigned short bound_port_ = 0;
};

}  // namespace aura::http
