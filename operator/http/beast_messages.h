#pragma once

// The conversions and the routing shared by the plain-HTTP server (probes, metrics) and the
// TLS server of the admission webhooks, so both answer the same way.
#include <boost/beast/http.hpp>
#include <map>
#include <memory>
#include <string>

#include "operator/http/server.h"

namespace aura::http {

inline Request from_beast(boost::beast::http::request<boost::beast::http::string_body>&& req) {
  Request r{std::string(req.method_string()),
            std::string(req.target()),
            std::string(req[boost::beast::http::field::content_type]),
            std::move(req.body()),
            {}};
  for (const auto& field : req) r.headers.emplace_back(field.name_string(), field.value());
  return r;
}

inline std::shared_ptr<boost::beast::http::response<boost::beast::http::string_body>> to_beast(
    Response&& resp, bool keep_alive, unsigned version) {
  namespace bhttp = boost::beast::http;
  auto res = std::make_shared<bhttp::response<bhttp::string_body>>(
      static_cast<bhttp::status>(resp.status), version);
  res->set(bhttp::field::server, "aura");
  res->set(bhttp::field::content_type, resp.content_type);
  for (const auto& [k, v] : resp.headers) res->set(k, v);
  res->keep_alive(keep_alive);
  res->body() = std::move(resp.body);
  res->prepare_payload();
  return res;
}

// Exact path match (query ignored), then the "*" route if any; 404 otherwise. A handler that
// throws answers 500 and is reported through on_error, never taking the server down.
template <typename OnError>
Response dispatch(const std::map<std::string, Handler>& routes, const Request& r,
                  OnError on_error) {
  const std::string path = r.target.substr(0, r.target.find('?'));
  auto it = routes.find(path);
  if (it == routes.end()) it = routes.find("*");
  if (it == routes.end()) return {404, "text/plain; charset=utf-8", "not found\n"};
  try {
    return it->second(r);
  } catch (const std::exception& e) {
    on_error(path, e.what());
    return {500, "text/plain; charset=utf-8", "internal error\n"};
  }
}

}  // namespace aura::http
