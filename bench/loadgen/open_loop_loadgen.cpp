// aura-loadgen: an open-loop, constant-rate HTTPS/1.1 load generator for bench/webhooks, in the
// manner of wrk2, light enough to share two cores with the server it measures.
//
// Request i (from 1) is due at start + i/rate and goes on connection i mod C (keep-alive, TLS);
// a request whose connection is still busy waits for it. Latency counts from the due time, so
// a request held up by the server, by its connection or by this program itself is charged the
// wait (coordinated omission accounted for); "service" is the time from the write to the end of
// the answer. Everything runs on one thread: an epoll loop woken by one timerfd at the next due
// time (nanosecond resolution) and by the sockets. go-loadgen (bench/peers/go-loadgen) does the
// same in Go; at 14,000 requests/s it needs about 0.6 of a core and its goroutines were woken up
// to 69 ms late, which it then charges to the server.
//
// Every answer must be HTTP 200 with a body holding `"allowed":true` (or --expect); others count
// as errors. Prints one JSON object on stdout, with go-loadgen's keys for mode "rate".
//
//   aura-loadgen --url https://127.0.0.1:9443/validate-aura-io-v1alpha1 --body review.json
//                --rate 14000 [-c 16] [-d 20] [--warmup 3] [--expect STR]

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace {

using Nanos = std::int64_t;

Nanos now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return Nanos{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "aura-loadgen: %s\n", what.c_str());
  std::exit(1);
}

struct Options {
  std::string host = "127.0.0.1";
  int port = 443;
  std::string path = "/";
  std::string body;
  std::string expect = "\"allowed\":true";
  double rate = 1000;
  int connections = 16;
  double duration_s = 20;
  double warmup_s = 3;
};

// https://ADDR:PORT/PATH with a numeric IPv4 address (the bench runs on loopback).
void parse_url(const std::string& url, Options& o) {
  constexpr std::string_view kScheme = "https://";
  if (!url.starts_with(kScheme)) die("--url must start with https://");
  const std::string rest = url.substr(kScheme.size());
  const auto slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  o.path = slash == std::string::npos ? "/" : rest.substr(slash);
  const auto colon = authority.rfind(':');
  o.host = authority.substr(0, colon);
  if (colon != std::string::npos) o.port = std::atoi(authority.c_str() + colon + 1);
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--url")
      parse_url(v, o);
    else if (k == "--body") {
      std::ifstream f(v, std::ios::binary);
      if (!f) die("cannot read " + v);
      o.body.assign(std::istreambuf_iterator<char>(f), {});
    } else if (k == "--expect")
      o.expect = v;
    else if (k == "--rate")
      o.rate = std::stod(v);
    else if (k == "-c")
      o.connections = std::stoi(v);
    else if (k == "-d")
      o.duration_s = std::stod(v);
    else if (k == "--warmup")
      o.warmup_s = std::stod(v);
    else
      die("unknown flag " + k);
  }
  if ((argc - 1) % 2 != 0) die("every flag takes a value");
  if (o.rate <= 0 || o.connections < 1) die("--rate and -c must be positive");
  return o;
}

// One keep-alive TLS connection and the requests assigned to it that are not answered yet.
struct Connection {
  int fd = -1;
  SSL* ssl = nullptr;
  std::deque<Nanos> due;  // due times of assigned, unanswered requests; front is in flight
  bool writing = false;   // the front request is written (or being written)
  std::size_t written = 0;
  Nanos sent_at = 0;
  std::string in;  // bytes of the answer read so far
};

class LoadGen {
 public:
  explicit LoadGen(Options o) : o_(std::move(o)) {
    request_ = "POST " + o_.path + " HTTP/1.1\r\nHost: " + o_.host + ":" + std::to_string(o_.port) +
               "\r\nContent-Type: application/json\r\nAccept: application/json, */*\r\n"
               "Content-Length: " +
               std::to_string(o_.body.size()) + "\r\n\r\n" + o_.body;
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);  // a self-signed bench certificate
    SSL_CTX_set1_groups_list(ctx_, "X25519");
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    timer_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    epoll_event ev{.events = EPOLLIN, .data = {.u64 = kTimerTag}};
    epoll_ctl(ep_, EPOLL_CTL_ADD, timer_, &ev);
  }

  nlohmann::json run() {
    conns_.resize(static_cast<std::size_t>(o_.connections));
    for (std::size_t i = 0; i < conns_.size(); ++i) connect(i);
    const Nanos interval = static_cast<Nanos>(1e9 / o_.rate);
    const Nanos warmup = static_cast<Nanos>(o_.warmup_s * 1e9);
    const auto total = static_cast<std::int64_t>((o_.warmup_s + o_.duration_s) * o_.rate);
    lat_.reserve(static_cast<std::size_t>(o_.duration_s * o_.rate) + 16);
    svc_.reserve(lat_.capacity());
    start_ = now_ns();
    measured_from_ = start_ + warmup;
    std::int64_t next = 1;
    Nanos drain_deadline = 0;
    epoll_event events[64];
    while (true) {
      const Nanos now = now_ns();
      for (; next <= total && start_ + next * interval <= now; ++next) {
        const Nanos due = start_ + next * interval;
        late_max_ = std::max(late_max_, now - due);
        auto& c = conns_[static_cast<std::size_t>(next) % conns_.size()];
        c.due.push_back(due);
        if (!c.writing) send(c);
      }
      if (next > total) {
        if (drain_deadline == 0) drain_deadline = now + 5'000'000'000;  // answers in flight
        if (outstanding() == 0 || now > drain_deadline) break;
        arm(std::min(drain_deadline, now + 100'000'000));
      } else {
        arm(start_ + next * interval);
      }
      const int n = epoll_wait(ep_, events, std::size(events), -1);
      if (n < 0 && errno != EINTR) die(std::string("epoll_wait: ") + std::strerror(errno));
      for (int i = 0; i < n; ++i) {
        if (events[i].data.u64 == kTimerTag) {
          std::uint64_t expiries;
          [[maybe_unused]] auto r = ::read(timer_, &expiries, sizeof expiries);
          continue;
        }
        on_io(conns_[events[i].data.u64]);
      }
    }
    errors_ += static_cast<std::int64_t>(outstanding());  // never answered
    const double measured_s = static_cast<double>(last_done_ - measured_from_) / 1e9;
    nlohmann::json out = {
        {"mode", "rate"},
        {"pacing", "per-connection"},
        {"client", "aura-loadgen"},
        {"target_rate", o_.rate},
        {"connections", o_.connections},
        {"duration_s", o_.duration_s},
        {"warmup_s", o_.warmup_s},
        {"scheduled", total},
        {"completed_measured", lat_.size()},
        {"achieved_rate", measured_s > 0 ? static_cast<double>(lat_.size()) / measured_s : 0.0},
        {"errors", errors_},
        {"reconnects", reconnects_},
        {"latency", percentiles(lat_)},
        {"service", percentiles(svc_)},
        {"dispatch_late_max_ms", static_cast<double>(late_max_ / 1000) / 1000},
    };
    if (!first_error_.empty()) out["first_error"] = first_error_;
    return out;
  }

 private:
  static constexpr std::uint64_t kTimerTag = ~std::uint64_t{0};

  std::size_t outstanding() const {
    std::size_t n = 0;
    for (const auto& c : conns_) n += c.due.size();
    return n;
  }

  void arm(Nanos at) {
    itimerspec spec{};
    spec.it_value.tv_sec = at / 1'000'000'000;
    spec.it_value.tv_nsec = at % 1'000'000'000;
    timerfd_settime(timer_, TFD_TIMER_ABSTIME, &spec, nullptr);
  }

  // A blocking connect and handshake (setup, or after an error), then non-blocking I/O.
  void connect(std::size_t index) {
    Connection& c = conns_[index];
    c.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(o_.port));
    if (inet_pton(AF_INET, o_.host.c_str(), &addr.sin_addr) != 1) die("not an IPv4 address");
    if (::connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      die(std::string("connect: ") + std::strerror(errno));
    const int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c.ssl = SSL_new(ctx_);
    SSL_set_fd(c.ssl, c.fd);
    if (SSL_connect(c.ssl) != 1) die("TLS handshake failed");
    SSL_set_mode(c.ssl, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    ::fcntl(c.fd, F_SETFL, O_NONBLOCK);
    epoll_event ev{.events = EPOLLIN | EPOLLOUT | EPOLLET, .data = {.u64 = index}};
    epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev);
  }

  void fail(Connection& c, const std::string& why) {
    if (first_error_.empty()) first_error_ = why;
    errors_ += static_cast<std::int64_t>(c.due.size());
    c.due.clear();
    epoll_ctl(ep_, EPOLL_CTL_DEL, c.fd, nullptr);
    SSL_free(c.ssl);
    ::close(c.fd);
    c = Connection{};
    ++reconnects_;
    connect(static_cast<std::size_t>(&c - conns_.data()));
  }

  // Writes the front request (or the rest of it).
  void send(Connection& c) {
    if (c.due.empty()) return;
    if (!c.writing) {
      c.writing = true;
      c.written = 0;
      c.sent_at = now_ns();
    }
    while (c.written < request_.size()) {
      const int n = SSL_write(c.ssl, request_.data() + c.written,
                              static_cast<int>(request_.size() - c.written));
      if (n > 0) {
        c.written += static_cast<std::size_t>(n);
        continue;
      }
      const int err = SSL_get_error(c.ssl, n);
      if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ) return;  // epoll resumes
      return fail(c, "write failed");
    }
  }

  void on_io(Connection& c) {
    if (c.writing && c.written < request_.size()) send(c);
    char buf[16384];
    while (true) {
      const int n = SSL_read(c.ssl, buf, sizeof buf);
      if (n > 0) {
        c.in.append(buf, static_cast<std::size_t>(n));
        while (answered(c)) {
        }
        continue;
      }
      const int err = SSL_get_error(c.ssl, n);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return;
      return fail(c, "connection closed or read failed");
    }
  }

  // Consumes one complete answer from c.in, if there is one, and sends the next request.
  bool answered(Connection& c) {
    const auto head_end = c.in.find("\r\n\r\n");
    if (head_end == std::string::npos) return false;
    const std::string_view head(c.in.data(), head_end);
    std::size_t length = 0;
    for (std::size_t pos = head.find("\r\n"); pos != std::string_view::npos;
         pos = head.find("\r\n", pos + 2)) {
      constexpr std::string_view kName = "content-length:";
      const auto line = head.substr(pos + 2, kName.size());
      if (line.size() == kName.size() &&
          std::equal(line.begin(), line.end(), kName.begin(),
                     [](char a, char b) { return std::tolower(a) == b; })) {
        auto v = head.substr(pos + 2 + kName.size());
        v.remove_prefix(std::min(v.find_first_not_of(' '), v.size()));
        std::from_chars(v.data(), v.data() + v.size(), length);
      }
    }
    const std::size_t total = head_end + 4 + length;
    if (c.in.size() < total) return false;
    const Nanos done = now_ns();
    const bool ok = head.starts_with("HTTP/1.1 200") &&
                    std::string_view(c.in).substr(head_end + 4, length).find(o_.expect) !=
                        std::string_view::npos;
    const Nanos due = c.due.front();
    if (!ok) {
      ++errors_;
      if (first_error_.empty()) first_error_ = c.in.substr(0, std::min<std::size_t>(total, 300));
    } else if (due >= measured_from_) {
      lat_.push_back(done - due);
      svc_.push_back(done - c.sent_at);
    }
    last_done_ = done;
    c.in.erase(0, total);
    c.due.pop_front();
    c.writing = false;
    if (!c.due.empty()) send(c);
    return true;
  }

  static nlohmann::json percentiles(std::vector<Nanos> xs) {
    nlohmann::json out = nlohmann::json::object();
    if (xs.empty()) return out;
    std::sort(xs.begin(), xs.end());
    auto ms = [](Nanos d) { return static_cast<double>(d / 1000) / 1000; };
    for (const auto& [name, q] :
         {std::pair{"p50", 0.50}, {"p90", 0.90}, {"p99", 0.99}, {"p999", 0.999}}) {
      const auto i = static_cast<std::int64_t>(q * static_cast<double>(xs.size()) + 0.5) - 1;
      out[std::string(name) + "_ms"] = ms(xs[static_cast<std::size_t>(
          std::clamp<std::int64_t>(i, 0, static_cast<std::int64_t>(xs.size()) - 1))]);
    }
    out["max_ms"] = ms(xs.back());
    long double sum = 0;
    for (Nanos x : xs) sum += x;
    out["mean_ms"] = ms(static_cast<Nanos>(sum / xs.size()));
    return out;
  }

  Options o_;
  std::string request_;
  SSL_CTX* ctx_ = nullptr;
  int ep_ = -1;
  int timer_ = -1;
  std::vector<Connection> conns_;
  Nanos start_ = 0, measured_from_ = 0, last_done_ = 0, late_max_ = 0;
  std::vector<Nanos> lat_, svc_;
  std::int64_t errors_ = 0, reconnects_ = 0;
  std::string first_error_;
};

}  // namespace

int main(int argc, char** argv) {
  LoadGen gen(parse_args(argc, argv));
  std::printf("%s\n", gen.run().dump(2).c_str());
  return 0;
}
