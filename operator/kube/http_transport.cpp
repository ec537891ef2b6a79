#include "operator/kube/http_transport.h"

#include <thread>

namespace aura::kube {

HttpTransport::HttpTransport(RestConfig config)
    : config_(std::move(config)),
      limiter_(config_.qps, config_.burst),
      curl_(http::TlsOptions{config_.tls.ca_pem, config_.tls.client_cert_pem,
                             config_.tls.client_key_pem, config_.tls.insecure_skip_verify},
            config_.user_agent) {}

void HttpTransport::wait_for_rate_limit() {
  // The caller's thread waits, as client-go's rate limiter does: a reconcile that makes many
  // calls slows down instead of flooding the apiserver.
  if (auto wait = limiter_.reserve(); wait > TokenBucket::Clock::duration::zero())
    std::this_thread::sleep_for(wait);
}

std::expected<http::ClientRequest, TransportError> HttpTransport::build(
    const HttpRequest& req) const {
  http::ClientRequest out;
  out.method = req.method;
  out.url = config_.server + req.path;
  out.body = req.body;
  out.timeout = req.timeout.count() > 0 ? req.timeout : config_.timeout;
  out.headers.emplace_back("Accept", req.accept);
  if (!req.body.empty() || req.method == "POST" || req.method == "PUT" || req.method == "PATCH")
    out.headers.emplace_back("Content-Type", req.content_type);
  if (config_.token) {
    auto token = config_.token->token();
    if (!token) return std::unexpected(TransportError{"bearer token: " + token.error()});
    out.headers.emplace_back("Authorization", "Bearer " + *token);
  }
  return out;
}

std::expected<HttpResponse, TransportError> HttpTransport::send(const HttpRequest& request) {
  wait_for_rate_limit();
  for (int attempt = 0;; ++attempt) {
    auto req = build(request);
    if (!req) return std::unexpected(req.error());
    auto resp = curl_.send(*req);
    if (!resp) return std::unexpected(resp.error());
    if (resp->status == 401 && attempt == 0 && config_.token) {
      config_.token->invalidate();
      continue;
    }
    return HttpResponse{resp->status, std::move(resp->body)};
  }
}

std::expected<long, TransportError> HttpTransport::stream(const HttpRequest& request,
                                                          const ChunkHandler& on_chunk,
                                                          const std::atomic<bool>* cancel,
                                                          std::string* error_body) {
  wait_for_rate_limit();
  auto req = build(request);
  if (!req) return std::unexpected(req.error());
  auto status = curl_.stream(*req, on_chunk, cancel, error_body);
  if (status && *status == 401 && config_.token) config_.token->invalidate();
  return status;
}

}  // namespace aura::kube
