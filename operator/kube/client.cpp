#include "operator/kube/client.h"

#include <chrono>

#include "operator/common/percent_encoding.h"

namespace aura::kube {

namespace {

void add_param(std::string& query, std::string_view key, std::string_view value) {
  if (value.empty()) return;
  query += query.empty() ? '?' : '&';
  query += key;
  query += '=';
  query += url_encode(value);
}

std::string patch_content_type(PatchType type) {
  switch (type) {
    case PatchType::kMerge:
      return "application/merge-patch+json";
    case PatchType::kJson:
      return "application/json-patch+json";
    case PatchType::kStrategicMerge:
      return "application/strategic-merge-patch+json";
  }
  return "application/merge-patch+json";
}

std::string object_namespace(const Json& object) {
  if (object.contains("metadata") && object["metadata"].contains("namespace"))
    return object["metadata"]["namespace"].get<std::string>();
  return {};
}

std::string object_name(const Json& object) {
  if (object.contains("metadata") && object["metadata"].contains("name"))
    return object["metadata"]["name"].get<std::string>();
  return {};
}

}  // namespace

std::string url_encode(std::string_view value) {
  return percent_encode(value);
}

Client::Client(std::shared_ptr<HttpTransport> transport, metrics::RegistryPtr metrics)
    : transport_(std::move(transport)) {
  if (metrics) {
    requests_ = metrics->counter("aura_kube_requests_total",
                                 "Requests to the kube-apiserver by verb and HTTP status code.",
                                 {"verb", "code"});
    latency_ = metrics->histogram("aura_kube_request_duration_seconds",
                                  "Latency of requests to the kube-apiserver by verb.", {"verb"});
  }
}

void Client::count(std::string_view verb, long code, double seconds) {
  if (requests_) requests_->inc({std::string(verb), code ? std::to_string(code) : "error"});
  if (latency_) latency_->observe({std::string(verb)}, seconds);
}

Result<Json> Client::call(std::string_view verb, const std::string& method, const std::string& path,
                          const std::string& body, const std::string& content_type) {
  HttpRequest req;
  req.method = method;
  req.path = path;
  req.body = body;
  req.content_type = content_type.empty() ? "application/json" : content_type;
  const auto start = std::chrono::steady_clock::now();
  auto resp = transport_->send(req);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!resp) {
    count(verb, 0, seconds);
    return std::unexpected(ApiError{0, "", resp.error().message, {}});
  }
  count(verb, resp->status, seconds);
  if (resp->status < 200 || resp->status >= 300)
    return std::unexpected(ApiError::from_response(resp->status, resp->body));
  if (resp->body.empty()) return Json::object();
  auto j = Json::parse(resp->body, nullptr, false);
  if (j.is_discarded())
    return std::unexpected(ApiError{resp->status, "BadResponse", "response is not JSON", {}});
  return j;
}

Result<Json> Client::get(const ResourceType& rt, std::string_view ns, std::string_view name) {
  return call("get", "GET", rt.object_path(ns, name));
}

Result<Json> Client::list(const ResourceType& rt, std::string_view ns, const ListOptions& opts) {
  std::string q;
  add_param(q, "labelSelector", opts.label_selector);
  add_param(q, "fieldSelector", opts.field_selector);
  if (opts.limit > 0) add_param(q, "limit", std::to_string(opts.limit));
  add_param(q, "continue", opts.continue_token);
  add_param(q, "resourceVersion", opts.resource_version);
  add_param(q, "resourceVersionMatch", opts.resource_version_match);
  return call("list", "GET", rt.collection_path(ns) + q);
}

Result<std::string> Client::list_each(const ResourceType& rt, std::string_view ns, ListOptions opts,
                                      const std::function<void(Json&&)>& on_item) {
  const ListOptions first = opts;
  for (;;) {
    auto page = list(rt, ns, opts);
    if (!page) {
      if (page.error().is_gone() && !opts.continue_token.empty()) {
        opts = first;  // the continue token expired: start over
        continue;
      }
      return std::unexpected(page.error());
    }
    if (page->contains("items"))
      for (auto& item : (*page)["items"]) on_item(std::move(item));
    const auto& meta = (*page)["metadata"];
    const std::string cont = meta.value("continue", "");
    if (cont.empty()) return meta.value("resourceVersion", "");
    opts.continue_token = cont;
    opts.resource_version.clear();  // continue carries the snapshot
    opts.resource_version_match.clear();
  }
}

Result<Json> Client::create(const ResourceType& rt, std::string_view ns, const Json& object) {
  return call("create", "POST", rt.collection_path(ns), object.dump());
}

Result<Json> Client::update(const ResourceType& rt, const Json& object) {
  return call("update", "PUT", rt.object_path(object_namespace(object), object_name(object)),
              object.dump());
}

Result<Json> Client::update_status(const ResourceType& rt, const Json& object) {
  return call("update_status", "PUT",
              rt.object_path(object_namespace(object), object_name(object)) + "/status",
              object.dump());
}

Result<Json> Client::patch(const ResourceType& rt, std::string_view ns, std::string_view name,
                           PatchType type, const Json& patch, std::string_view subresource) {
  std::string path = rt.object_path(ns, name);
  if (!subresource.empty()) path += "/" + std::string(subresource);
  return call(subresource == "status" ? "patch_status" : "patch", "PATCH", path, patch.dump(),
              patch_content_type(type));
}

Result<Json> Client::apply(const ResourceType& rt, std::string_view ns, std::string_view name,
                           const Json& object, std::string_view field_manager, bool force,
                           std::string_view subresource) {
  std::string path = rt.object_path(ns, name);
  if (!subresource.empty()) path += "/" + std::string(subresource);
  std::string q;
  add_param(q, "fieldManager", field_manager);
  if (force) add_param(q, "force", "true");
  return call("apply", "PATCH", path + q, object.dump(), "application/apply-patch+yaml");
}

Result<Json> Client::remove(const ResourceType& rt, std::string_view ns, std::string_view name,
                            const DeleteOptions& opts) {
  Json body = {{"apiVersion", "v1"}, {"kind", "DeleteOptions"}};
  if (opts.precondition_uid || opts.precondition_resource_version) {
    body["preconditions"] = Json::object();
    if (opts.precondition_uid) body["preconditions"]["uid"] = *opts.precondition_uid;
    if (opts.precondition_resource_version)
      body["preconditions"]["resourceVersion"] = *opts.precondition_resource_version;
  }
  if (!opts.propagation_policy.empty()) body["propagationPolicy"] = opts.propagation_policy;
  return call("delete", "DELETE", rt.object_path(ns, name), body.dump());
}

Result<void> Client::watch(const ResourceType& rt, std::string_view ns, const WatchOptions& opts,
                           const std::function<bool(WatchEvent&&)>& on_event,
                           const std::atomic<bool>* cancel) {
  std::string q = "?watch=true";
  add_param(q, "labelSelector", opts.label_selector);
  add_param(q, "fieldSelector", opts.field_selector);
  add_param(q, "resourceVersion", opts.resource_version);
  if (opts.allow_bookmarks) q += "&allowWatchBookmarks=true";
  if (opts.send_initial_events) q += "&sendInitialEvents=true&resourceVersionMatch=NotOlderThan";
  q += "&timeoutSeconds=" + std::to_string(opts.timeout_seconds);

  HttpRequest req;
  req.path = rt.collection_path(ns) + q;
  // The client-side timeout is a backstop past the server's own.
  req.timeout = std::chrono::seconds(opts.timeout_seconds + 30);

  // Events are newline-delimited JSON objects; a chunk may end mid-line.
  std::string pending;
  bool stopped_by_handler = false;
  auto on_chunk = [&](std::string_view chunk) {
    pending.append(chunk);
    size_t start = 0;
    for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
      if (nl == start) continue;
      auto j = Json::parse(std::string_view(pending).substr(start, nl - start), nullptr, false);
      if (j.is_discarded() || !j.is_object()) continue;
      WatchEvent ev{j.value("type", ""), std::move(j["object"])};
      if (!on_event(std::move(ev))) {
        stopped_by_handler = true;
        return false;
      }
    }
    pending.erase(0, start);
    return true;
  };
  const auto start = std::chrono::steady_clock::now();
  std::string error_body;
  auto status = transport_->stream(req, on_chunk, cancel, &error_body);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!status) {
    count("watch", 0, seconds);
    if (cancel && cancel->load()) return {};
    return std::unexpected(ApiError{0, "", status.error().message, {}});
  }
  count("watch", *status, seconds);
  if (stopped_by_handler) return {};
  if (*status < 200 || *status >= 300)
    return std::unexpected(ApiError::from_response(*status, error_body));
  return {};
}

}  // namespace aura::kube
