#include "operator/http/server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "operator/http/beast_messages.h"

namespace aura::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const std::map<std::string, Handler>& routes,
          const ServerOptions& options)
      : stream_(std::move(socket)), routes_(routes), options_(options) {}

  void start() { read(); }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(options_.body_limit);
    stream_.expires_after(options_.read_timeout);
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout) return close();
    if (ec == bhttp::error::body_limit) return reply_error(413, "request body too large");
    if (ec) return close();
    auto req = parser_->release();
    const bool keep_alive = req.keep_alive();
    const unsigned version = req.version();
    Response resp =
        dispatch(routes_, from_beast(std::move(req)), [](const std::string&, const char*) {});
    send(std::move(resp), keep_alive, version);
  }

  void reply_error(int status, const std::string& message) {
    send({status, "text/plain; charset=utf-8", message + "\n"}, false, 11);
  }

  void send(Response&& resp, bool keep_alive, unsigned version) {
    auto res = to_beast(std::move(resp), keep_alive, version);
    stream_.expires_after(options_.read_timeout);
    bhttp::async_write(stream_, *res,
                       [self = shared_from_this(), res, keep_alive](beast::error_code ec, size_t) {
                         if (ec || !keep_alive) return self->close();
                         self->read();
                       });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  const std::map<std::string, Handler>& routes_;
  const ServerOptions& options_;
};

}  // namespace

std::string Request::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (beast::iequals(k, name)) return v;
  return {};
}

struct Server::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::vector<std::thread> threads;

  void accept(const std::map<std::string, Handler>& routes, const ServerOptions& options) {
    acceptor.async_accept([this, &routes, &options](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) std::make_shared<Session>(std::move(socket), routes, options)->start();
      accept(routes, options);
    });
  }
};

Server::Server(ServerOptions options, log::Logger logger)
    : impl_(std::make_unique<Impl>()), options_(std::move(options)), log_(std::move(logger)) {}

Server::~Server() {
  stop();
}

void Server::route(const std::string& path, Handler handler) {
  routes_[path] = std::move(handler);
}

bool Server::start() {
  beast::error_code ec;
  const auto address = asio::ip::make_address(options_.address, ec);
  if (ec) {
    log_.error("invalid listen address", {{"address", options_.address}});
    return false;
  }
  tcp::endpoint endpoint(address, options_.port);
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    log_.error("cannot listen",
               {{"address", options_.address}, {"port", options_.port}, {"error", ec.message()}});
    return false;
  }
  bound_port_ = impl_->acceptor.local_endpoint().port();
  impl_->accept(routes_, options_);
  for (int i = 0; i < options_.threads; ++i)
    impl_->threads.emplace_back([this] { impl_->io.run(); });
  log_.info("http server listening", {{"address", options_.address}, {"port", bound_port_}});
  return true;
}

void Server::stop() {
  if (impl_->threads.empty()) return;
  asio::post(impl_->io, [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
  });
  impl_->io.stop();
  for (auto& t : impl_->threads)
    if (t.joinable()) t.join();
  impl_->threads.clear();
}

}  // namespace aura::http
