#include "webhooks/tls_server.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <filesystem>
#include <future>
#include <thread>

#include "webhooks/certs.h"

namespace aura::webhooks {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

CertPair must(std::expected<CertPair, std::string> r) {
  if (!r) throw std::runtime_error(r.error());
  return *r;
}

// A Beast TLS client that verifies the server against the CA, like the kube-apiserver does.
class Client {
 public:
  Client(unsigned short port, const std::string& ca_pem, int max_version = 0)
      : ctx_(ssl::context::tls_client), stream_(io_, ctx_) {
    ctx_.add_certificate_authority(asio::buffer(ca_pem));
    // The stream's SSL was made from ctx_ above: per-connection settings go on the stream.
    stream_.set_verify_mode(ssl::verify_peer);
    if (max_version) SSL_set_max_proto_version(stream_.native_handle(), max_version);
    stream_.set_verify_callback(ssl::host_name_verification("127.0.0.1"));
    beast::get_lowest_layer(stream_).connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    stream_.handshake(ssl::stream_base::client, ec_);
  }
  bool handshake_ok() const { return !ec_; }

  bhttp::response<bhttp::string_body> post(const std::string& target, std::string body,
                                           const std::string& ct = "application/json") {
    bhttp::request<bhttp::string_body> req{bhttp::verb::post, target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    req.set(bhttp::field::content_type, ct);
    req.body() = std::move(body);
    req.prepare_payload();
    bhttp::write(stream_, req);
    bhttp::response<bhttp::string_body> res;
    bhttp::read(stream_, buffer_, res);
    return res;
  }
  void write_raw(const std::string& bytes) { asio::write(stream_, asio::buffer(bytes)); }
  bhttp::response<bhttp::string_body> read() {
    bhttp::response<bhttp::string_body> res;
    bhttp::read(stream_, buffer_, res);
    return res;
  }
  std::string peer_cn() {
    X509* cert = SSL_get1_peer_certificate(stream_.native_handle());
    if (!cert) return {};
    char buf[256] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof buf);
    X509_free(cert);
    return buf;
  }

 private:
  asio::io_context io_;
  ssl::context ctx_;
  beast::ssl_stream<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
  beast::error_code ec_;
};

class TlsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("aura-tls-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    ca_ = must(generate_ca({.common_name = "aura-test-ca"}));
    write_serving("serving-1");
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  void write_serving(const std::string& cn) {
    auto pair =
        must(generate_serving_cert(ca_, {.common_name = cn, .ip_addresses = {"127.0.0.1"}}));
    ASSERT_TRUE(write_file_atomic(cert(), pair.cert_pem));
    ASSERT_TRUE(write_file_atomic(key(), pair.key_pem));
  }
  std::string cert() const { return dir_ / "tls.crt"; }
  std::string key() const { return dir_ / "tls.key"; }
  void start(std::size_t body_limit = 3 * 1024 * 1024,
             std::chrono::milliseconds handshake_timeout = std::chrono::seconds(5),
             std::chrono::milliseconds read_timeout = std::chrono::seconds(10)) {
    TlsServerOptions o;
    o.handshake_timeout = handshake_timeout;
    o.read_timeout = read_timeout;
    o.address = "127.0.0.1";
    o.port = 0;
    o.cert_file = cert();
    o.key_file = key();
    o.body_limit = body_limit;
    o.reload_check = std::chrono::milliseconds(0);
    server_ = std::make_unique<TlsServer>(o, log::Logger::discard());
    server_->route("/echo", [](const http::Request& r) {
      return http::Response{200, "application/json", r.body};
    });
    server_->route("/slow", [this](const http::Request&) {
      slow_entered_.set_value();
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      return http::Response{200, "text/plain", "done"};
    });
    ASSERT_TRUE(server_->start());
  }

  std::filesystem::path dir_;
  CertPair ca_;
  std::unique_ptr<TlsServer> server_;
  std::promise<void> slow_entered_;  // /slow is called once per test
};

TEST_F(TlsServerTest, ServesOverVerifiedTlsWithKeepAlive) {
  start();
  Client c(server_->port(), ca_.cert_pem);
  ASSERT_TRUE(c.handshake_ok());
  EXPECT_EQ(c.peer_cn(), "serving-1");
  for (int i = 0; i < 3; ++i) {  // one connection, several requests
    auto res = c.post("/echo", "{\"n\":" + std::to_string(i) + "}");
    EXPECT_EQ(res.result_int(), 200);
    EXPECT_EQ(res.body(), "{\"n\":" + std::to_string(i) + "}");
    EXPECT_TRUE(res.keep_alive());
  }
  EXPECT_EQ(c.post("/nowhere", "{}").result_int(), 404);
}

TEST_F(TlsServerTest, RefusesTls11) {
  start();
  Client old(server_->port(), ca_.cert_pem, TLS1_1_VERSION);
  EXPECT_FALSE(old.handshake_ok());
  Client tls12(server_->port(), ca_.cert_pem, TLS1_2_VERSION);
  EXPECT_TRUE(tls12.handshake_ok());
}

TEST_F(TlsServerTest, ClientRejectsACertificateFromAnotherCa) {
  start();
  auto other_ca = must(generate_ca({.common_name = "other"}));
  Client c(server_->port(), other_ca.cert_pem);
  EXPECT_FALSE(c.handshake_ok());
}

TEST_F(TlsServerTest, BodyOverLimitIs413) {
  start(1024);
  Client c(server_->port(), ca_.cert_pem);
  auto res = c.post("/echo", std::string(4096, 'x'));
  EXPECT_EQ(res.result_int(), 413);
  Client d(server_->port(), ca_.cert_pem);
  EXPECT_EQ(d.post("/echo", std::string(1000, 'x')).result_int(), 200);
}

TEST_F(TlsServerTest, MalformedHttpIs400) {
  start();
  Client c(server_->port(), ca_.cert_pem);
  c.write_raw("NOT AN HTTP REQUEST\r\n\r\n");
  EXPECT_EQ(c.read().result_int(), 400);
}

TEST_F(TlsServerTest, ReloadsRotatedCertificateForNewConnections) {
  start();
  Client before(server_->port(), ca_.cert_pem);
  ASSERT_EQ(before.peer_cn(), "serving-1");
  write_serving("serving-2");
  Client after(server_->port(), ca_.cert_pem);
  EXPECT_EQ(after.peer_cn(), "serving-2");
  EXPECT_EQ(server_->generation(), 2);
  // The connection made before the rotation keeps working.
  EXPECT_EQ(before.post("/echo", "{}").result_int(), 200);
}

TEST_F(TlsServerTest, ServesAPairGivenInMemoryAndRefusesAMismatchedOne) {
  TlsServerOptions o;
  o.address = "127.0.0.1";
  o.port = 0;  // no files: the self-managed mode hands the pair over
  server_ = std::make_unique<TlsServer>(o, log::Logger::discard());
  server_->route("/echo", [](const http::Request& r) {
    return http::Response{200, "application/json", r.body};
  });
  EXPECT_FALSE(server_->start()) << "must not listen without a certificate";
  server_ = std::make_unique<TlsServer>(o, log::Logger::discard());
  server_->route("/echo", [](const http::Request& r) {
    return http::Response{200, "application/json", r.body};
  });
  auto one =
      must(generate_serving_cert(ca_, {.common_name = "mem-1", .ip_addresses = {"127.0.0.1"}}));
  auto two =
      must(generate_serving_cert(ca_, {.common_name = "mem-2", .ip_addresses = {"127.0.0.1"}}));
  ASSERT_TRUE(server_->set_certificate(one.cert_pem, one.key_pem));
  ASSERT_TRUE(server_->start());
  Client a(server_->port(), ca_.cert_pem);
  EXPECT_EQ(a.peer_cn(), "mem-1");
  EXPECT_FALSE(server_->set_certificate(two.cert_pem, one.key_pem));  // mismatch: kept mem-1
  Client b(server_->port(), ca_.cert_pem);
  EXPECT_EQ(b.peer_cn(), "mem-1");
  ASSERT_TRUE(server_->set_certificate(two.cert_pem, two.key_pem));
  Client c(server_->port(), ca_.cert_pem);
  EXPECT_EQ(c.peer_cn(), "mem-2");
  EXPECT_EQ(a.post("/echo", "{}").result_int(), 200);  // the older connection keeps working
  EXPECT_EQ(server_->generation(), 2);
}

TEST_F(TlsServerTest, HalfWrittenRotationKeepsTheOldPair) {
  start();
  auto other =
      must(generate_serving_cert(ca_, {.common_name = "x", .ip_addresses = {"127.0.0.1"}}));
  ASSERT_TRUE(write_file_atomic(cert(), other.cert_pem));  // new cert, old key: mismatch
  EXPECT_FALSE(server_->reload_if_changed());
  Client c(server_->port(), ca_.cert_pem);
  ASSERT_TRUE(c.handshake_ok());
  EXPECT_EQ(c.peer_cn(), "serving-1");
  ASSERT_TRUE(write_file_atomic(key(), other.key_pem));  // now the pair matches
  Client d(server_->port(), ca_.cert_pem);
  EXPECT_EQ(d.peer_cn(), "x");
}

TEST_F(TlsServerTest, StopFinishesRequestsInFlight) {
  start();
  Client c(server_->port(), ca_.cert_pem);
  ASSERT_TRUE(c.handshake_ok());
  auto pending = std::async(std::launch::async, [&] { return c.post("/slow", "{}"); });
  ASSERT_EQ(slow_entered_.get_future().wait_for(std::chrono::seconds(10)),
            std::future_status::ready);
  const auto t0 = std::chrono::steady_clock::now();
  server_->stop();
  // The handler's 300 ms, then at most 1 s for the client's close_notify: well under the 10 s
  // shutdown grace and the 10 s write deadline the connection had before stop().
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
  auto res = pending.get();
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "done");
  EXPECT_FALSE(res.keep_alive());
}

TEST_F(TlsServerTest, SlowClientIsDisconnectedAfterTheHandshakeTimeout) {
  start(1024, std::chrono::milliseconds(200));
  asio::io_context io;
  tcp::socket raw(io);
  raw.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
  const auto t0 = std::chrono::steady_clock::now();
  char byte;
  beast::error_code ec;
  raw.read_some(asio::buffer(&byte, 1), ec);  // the server closes: EOF or reset
  EXPECT_TRUE(ec);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
}

TEST_F(TlsServerTest, IdleKeepAliveConnectionIsClosedAfterTheReadTimeout) {
  start(1024, std::chrono::seconds(5), std::chrono::milliseconds(300));
  Client c(server_->port(), ca_.cert_pem);
  ASSERT_TRUE(c.handshake_ok());
  EXPECT_EQ(c.post("/echo", "{}").result_int(), 200);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_THROW(c.read(), boost::system::system_error);  // closed by the server, not answered
  const auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(waited, std::chrono::milliseconds(250));
  EXPECT_LT(waited, std::chrono::seconds(4));  // the read deadline, not the 5 s handshake one
}

TEST_F(TlsServerTest, SurvivesAFloodOfIdleConnections) {
  start(1024, std::chrono::milliseconds(500));
  asio::io_context io;
  std::vector<tcp::socket> flood;
  for (int i = 0; i < 200; ++i) {
    flood.emplace_back(io);
    flood.back().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
  }
  Client c(server_->port(), ca_.cert_pem);
  ASSERT_TRUE(c.handshake_ok());
  EXPECT_EQ(c.post("/echo", "{}").result_int(), 200);
}

TEST(Certs, ServingCertNeedsASan) {
  auto ca = generate_ca({.common_name = "ca"});
  ASSERT_TRUE(ca);
  EXPECT_FALSE(generate_serving_cert(*ca, {.common_name = "x"}));
  EXPECT_FALSE(generate_serving_cert(*ca, {.common_name = "x", .ip_addresses = {"nope"}}));
  auto ok = generate_serving_cert(
      *ca,
      {.common_name = "x", .dns_names = {"aura-webhook.aura-system.svc"}, .ip_addresses = {"::1"}});
  ASSERT_TRUE(ok) << ok.error();
  EXPECT_TRUE(ok->cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
  EXPECT_TRUE(ok->key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
}

}  // namespace
}  // namespace aura::webhooks
