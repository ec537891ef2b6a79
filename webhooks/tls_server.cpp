#include "webhooks/tls_server.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <condition_variable>
#include <expected>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "operator/http/beast_messages.h"

namespace aura::webhooks {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// TLS 1.2: ECDHE with AEAD only (forward secrecy, no CBC, no RSA key exchange). TLS 1.3: the
// standard AEAD suites.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr const char* kTls13Suites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

struct FileStamp {
  long long mtime_ns = -1;
  long long size = -1;
  bool operator==(const FileStamp&) const = default;
};

FileStamp stamp_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return {static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec,
          static_cast<long long>(st.st_size)};
}

// Where a certificate pair comes from: two PEM files, or PEM text in memory.
struct PemSource {
  bool in_memory = false;
  const std::string& cert;  // a path, or the PEM itself
  const std::string& key;
};

std::expected<std::shared_ptr<ssl::context>, std::string> make_context(const PemSource& pem) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* h = ctx->native_handle();
  SSL_CTX_set_min_proto_version(h, TLS1_2_VERSION);
  SSL_CTX_set_options(
      h, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_cipher_list(h, kTls12Ciphers) != 1 ||
      SSL_CTX_set_ciphersuites(h, kTls13Suites) != 1)
    return std::unexpected("cannot set cipher suites");
  boost::system::error_code ec;
  const std::string cert_name = pem.in_memory ? std::string("(in memory)") : pem.cert;
  const std::string key_name = pem.in_memory ? std::string("(in memory)") : pem.key;
  if (pem.in_memory)
    ctx->use_certificate_chain(asio::buffer(pem.cert), ec);
  else
    ctx->use_certificate_chain_file(pem.cert, ec);
  // Failures leave errors queued in OpenSSL; a later report on this thread must not show them.
  if (ec)
    return ERR_clear_error(), std::unexpected("certificate " + cert_name + ": " + ec.message());
  if (pem.in_memory)
    ctx->use_private_key(asio::buffer(pem.key), ssl::context::pem, ec);
  else
    ctx->use_private_key_file(pem.key, ssl::context::pem, ec);
  if (ec) return ERR_clear_error(), std::unexpected("key " + key_name + ": " + ec.message());
  if (SSL_CTX_check_private_key(h) != 1)
    return ERR_clear_error(), std::unexpected("certificate and key do not match");
  return ctx;
}

}  // namespace

class Session;

struct TlsServer::Impl {
  TlsServerOptions options;
  log::Logger log;
  std::map<std::string, http::Handler> routes;
  unsigned short bound_port = 0;

  std::atomic<std::shared_ptr<ssl::context>> context;
  std::atomic<int> generation{0};
  std::mutex reload_mu;
  Clock::time_point last_check{};
  FileStamp cert_stamp, key_stamp;

  std::atomic<bool> stopping{false};
  std::mutex sessions_mu;
  std::condition_variable sessions_cv;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;

  std::vector<std::thread> threads;
  // Declared last: destroyed first, so pending handlers (and the sessions they hold) go while
  // the members above still exist. One io_context per I/O thread, each run by that thread
  // alone: a connection's handlers never need a strand or a lock, and a request that arrives
  // wakes only the thread that owns its connection (with one shared io_context the thread that
  // polled epoll woke the other to run the handler: two context switches per request at
  // moderate load). New connections go to the threads in turn.
  std::vector<std::unique_ptr<asio::io_context>> ios;
  // Keeps each thread's run() going while it has no connection yet; stop() ends them.
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
  std::size_t next_io = 0;
  tcp::acceptor acceptor;
  asio::steady_timer reload_timer;
  asio::steady_timer accept_timer;

  static std::vector<std::unique_ptr<asio::io_context>> make_contexts(int n) {
    std::vector<std::unique_ptr<asio::io_context>> v;
    for (int i = 0; i < std::max(1, n); ++i) v.push_back(std::make_unique<asio::io_context>(1));
    return v;
  }

  Impl(TlsServerOptions o, log::Logger l)
      : options(std::move(o)),
        log(std::move(l)),
        ios(make_contexts(options.threads)),
        acceptor(*ios[0]),
        reload_timer(*ios[0]),
        accept_timer(*ios[0]) {}

  bool reload(bool force);
  void accept();
  // Also checks the files on a timer, so that a rotation is picked up (and logged) while the
  // apiserver keeps reusing its connections.
  void schedule_reload() {
    reload_timer.expires_after(
        std::max<std::chrono::milliseconds>(options.reload_check, std::chrono::milliseconds(100)));
    reload_timer.async_wait([this](beast::error_code ec) {
      if (ec || stopping) return;
      reload(false);
      schedule_reload();
    });
  }
  void add(Session* s, std::weak_ptr<Session> w) {
    std::lock_guard lock(sessions_mu);
    sessions.emplace(s, std::move(w));
  }
  void remove(Session* s) {
    std::lock_guard lock(sessions_mu);
    sessions.erase(s);
    sessions_cv.notify_all();
  }
};

bool TlsServer::Impl::reload(bool force) {
  std::lock_guard lock(reload_mu);
  if (options.cert_file.empty()) return context.load() != nullptr;  // given in memory
  const auto now = Clock::now();
  if (!force && now - last_check < options.reload_check) return false;
  last_check = now;
  const auto cert = stamp_of(options.cert_file);
  const auto key = stamp_of(options.key_file);
  if (!force && cert == cert_stamp && key == key_stamp) return false;
  auto ctx = make_context({false, options.cert_file, options.key_file});
  if (!ctx) {
    // A rotation may be half written (new cert, old key): keep serving with the old pair and
    // try again at the next check.
    log.warn("cannot load serving certificate", {{"error", ctx.error()}});
    return false;
  }
  cert_stamp = cert;
  key_stamp = key;
  context.store(std::move(*ctx));
  const int gen = ++generation;
  log.info("serving certificate loaded", {{"generation", gen}, {"cert", options.cert_file}});
  return true;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, TlsServer::Impl& server, std::shared_ptr<ssl::context> ctx)
      : server_(server),
        ctx_(std::move(ctx)),
        stream_(std::move(socket), *ctx_),
        watchdog_(stream_.get_executor()) {}
  ~Session() { server_.remove(this); }

  void start() {
    server_.add(this, weak_from_this());
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      self->deadline_in(self->server_.options.handshake_timeout);
      self->watch();
      self->stream_.async_handshake(ssl::stream_base::server, [self](beast::error_code ec) {
        if (ec) return self->close_socket();
        self->read();
      });
    });
  }

  // Called on the session's own I/O thread when the server stops: an idle keep-alive connection
  // closes now; one in the middle of a request finishes it and then closes.
  void on_stop() {
    if (!busy_ && parser_ && !parser_->got_some()) close_socket();
  }

  auto executor() { return stream_.get_executor(); }

 private:
  void read() {
    if (server_.stopping) return shutdown();
    parser_.emplace();
    parser_->body_limit(server_.options.body_limit);
    deadline_in(server_.options.read_timeout);
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == bhttp::error::body_limit)
      return reply({413, "text/plain; charset=utf-8", "request body too large\n"}, false, 11);
    if (ec && ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
        ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message)
      return reply({400, "text/plain; charset=utf-8", "malformed HTTP request\n"}, false, 11);
    if (ec) return close_socket();
    busy_ = true;
    auto req = parser_->release();
    const bool client_keep_alive = req.keep_alive();
    const unsigned version = req.version();
    http::Response resp =
        http::dispatch(server_.routes, http::from_beast(std::move(req)),
                       [this](const std::string& path, const char* what) {
                         server_.log.error("handler failed", {{"path", path}, {"error", what}});
                       });
    // Whether the server is stopping is read after the handler: a stop during the request closes
    // the connection once the answer is written.
    reply(std::move(resp), client_keep_alive && !server_.stopping, version);
  }

  void reply(http::Response&& resp, bool keep_alive, unsigned version) {
    busy_ = true;
    auto res = http::to_beast(std::move(resp), keep_alive, version);
    deadline_in(server_.options.write_timeout);
    bhttp::async_write(
        stream_, *res,
        [self = shared_from_this(), res, keep_alive](beast::error_code ec, std::size_t) {
          self->busy_ = false;
          if (ec) return self->close_socket();
          if (!keep_alive) return self->shutdown();
          self->read();
        });
  }

  void shutdown() {
    deadline_in(std::chrono::seconds(1));
    stream_.async_shutdown(
        [self = shared_from_this()](beast::error_code) { self->close_socket(); });
  }

  void close_socket() {
    beast::error_code ec;
    auto& socket = beast::get_lowest_layer(stream_);
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
    watchdog_.cancel();
  }

  // Timeouts: one deadline per phase (handshake, reading a request, writing its answer, the
  // closing handshake) and one timer per connection that closes the socket once the deadline has
  // passed. Moving the deadline later is a store: the timer, when it fires early, waits again for
  // the current deadline. Only a deadline earlier than the timer's expiry re-arms it. (Beast's
  // tcp_stream arms and cancels a timer around every read and write instead: each cancelled
  // wait is one more handler to run and one more turn of the event loop per request.)
  // Before the first watch() the timer's expiry is the clock's epoch, so nothing is re-armed.
  void deadline_in(Clock::duration d) {
    deadline_ = Clock::now() + d;
    if (deadline_ < watchdog_.expiry()) watch();  // cancels the wait in progress
  }

  void watch() {
    watchdog_.expires_at(deadline_);
    watchdog_.async_wait([self = shared_from_this()](beast::error_code ec) {
      // Cancelled: re-armed (a new wait is pending) or the socket was closed.
      if (ec || !beast::get_lowest_layer(self->stream_).is_open()) return;
      if (Clock::now() >= self->deadline_) return self->close_socket();
      self->watch();
    });
  }

  TlsServer::Impl& server_;
  std::shared_ptr<ssl::context> ctx_;  // the pair this connection was handshaken with
  beast::ssl_stream<tcp::socket> stream_;
  asio::steady_timer watchdog_;
  Clock::time_point deadline_{};
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bool busy_ = false;
};

void TlsServer::Impl::accept() {
  auto& io = *ios[next_io++ % ios.size()];
  acceptor.async_accept(io, [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || stopping) return;
    if (ec) {
      // Out of file descriptors and the like: back off briefly rather than spin.
      log.warn("accept failed", {{"error", ec.message()}});
      accept_timer.expires_after(std::chrono::milliseconds(100));
      accept_timer.async_wait([this](beast::error_code wait_ec) {
        if (!wait_ec && !stopping) accept();
      });
      return;
    }
    // No Nagle: an answer is one write, and with Nagle it waits for the client to ACK what was
    // sent before it (the TLS 1.3 session tickets after a handshake), up to a 40 ms delayed ACK.
    beast::error_code nodelay_ec;
    socket.set_option(tcp::no_delay(true), nodelay_ec);
    reload(false);
    std::make_shared<Session>(std::move(socket), *this, context.load())->start();
    accept();
  });
}

TlsServer::TlsServer(TlsServerOptions options, log::Logger logger)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(logger))) {}

TlsServer::~TlsServer() {
  stop();
}

void TlsServer::route(const std::string& path, http::Handler handler) {
  impl_->routes[path] = std::move(handler);
}

unsigned short TlsServer::port() const {
  return impl_->bound_port;
}

int TlsServer::generation() const {
  return impl_->generation.load();
}

bool TlsServer::set_certificate(const std::string& cert_pem, const std::string& key_pem) {
  auto ctx = make_context({true, cert_pem, key_pem});
  if (!ctx) {
    impl_->log.warn("cannot load serving certificate", {{"error", ctx.error()}});
    return false;
  }
  std::lock_guard lock(impl_->reload_mu);
  impl_->context.store(std::move(*ctx));
  const int gen = ++impl_->generation;
  impl_->log.info("serving certificate loaded", {{"generation", gen}, {"source", "memory"}});
  return true;
}

bool TlsServer::reload_if_changed() {
  return impl_->reload(false);
}

bool TlsServer::start() {
  auto& o = impl_->options;
  if (!impl_->reload(true)) {
    impl_->log.error("no usable serving certificate", {{"cert", o.cert_file}, {"key", o.key_file}});
    return false;
  }
  beast::error_code ec;
  const auto address = asio::ip::make_address(o.address, ec);
  if (ec) {
    impl_->log.error("invalid listen address", {{"address", o.address}});
    return false;
  }
  tcp::endpoint endpoint(address, o.port);
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    impl_->log.error("cannot listen",
                     {{"address", o.address}, {"port", o.port}, {"error", ec.message()}});
    return false;
  }
  impl_->bound_port = impl_->acceptor.local_endpoint().port();
  impl_->accept();
  if (!o.cert_file.empty()) impl_->schedule_reload();
  for (auto& io : impl_->ios) {
    impl_->keep_running.push_back(asio::make_work_guard(*io));
    impl_->threads.emplace_back([&io] { io->run(); });
  }
  impl_->log.info("webhook server listening",
                  {{"address", o.address}, {"port", impl_->bound_port}});
  return true;
}

void TlsServer::stop() {
  if (impl_->threads.empty()) return;
  impl_->stopping = true;
  asio::post(*impl_->ios[0], [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
    impl_->reload_timer.cancel();
    impl_->accept_timer.cancel();
  });
  {
    // Take strong references under the lock but drop them outside it: the last reference to a
    // session runs its destructor, which takes the lock.
    std::vector<std::shared_ptr<Session>> live;
    {
      std::lock_guard lock(impl_->sessions_mu);
      for (auto& [_, weak] : impl_->sessions)
        if (auto s = weak.lock()) live.push_back(std::move(s));
    }
    for (auto& s : live) asio::dispatch(s->executor(), [s] { s->on_stop(); });
    live.clear();
    std::unique_lock lock(impl_->sessions_mu);
    impl_->sessions_cv.wait_for(lock, impl_->options.shutdown_grace,
                                [this] { return impl_->sessions.empty(); });
  }
  for (auto& io : impl_->ios) io->stop();
  for (auto& t : impl_->threads)
    if (t.joinable()) t.join();
  impl_->threads.clear();
  impl_->log.info("webhook server stopped");
}

}  // namespace aura::webhooks
