#pragma once

#include <atomic>
#include <expected>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "operator/kube/api_error.h"
#include "operator/kube/http_transport.h"
#include "operator/kube/resource.h"
#include "operator/metrics/registry.h"

namespace aura::kube {

using Json = nlohmann::json;
template <typename T>
using Result = std::expected<T, ApiError>;

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  int64_t limit = 0;  // page size; 0: no paging
  std::string continue_token;
  std::string resource_version;
  std::string resource_version_match;  // NotOlderThan, Exact
};

struct WatchOptions {
  std::string label_selector;
  std::string field_selector;
  std::string resource_version;
  bool allow_bookmarks = true;
  // Streaming watch-list: the current state arrives as ADDED events ending with a bookmark
  // annotated k8s.io/initial-events-end, instead of a LIST response.
  bool send_initial_events = false;
  int timeout_seconds = 300;  // server-side watch timeout; the watcher reconnects afterwards
};

struct WatchEvent {
  std::string type;  // ADDED, MODIFIED, DELETED, BOOKMARK, ERROR
  Json object;
};

enum class PatchType { kMerge, kJson, kStrategicMerge };

struct DeleteOptions {
  std::optional<std::string> precondition_uid;
  std::optional<std::string> precondition_resource_version;
  std::string propagation_policy;  // Foreground, Background, Orphan
};

// A dynamic client for any resource: the verbs of the Kubernetes REST API on JSON objects.
// Every call is counted in aura_kube_requests_total{verb,code} and timed.
class Client {
 public:
  Client(std::shared_ptr<HttpTransport> transport, metrics::RegistryPtr metrics = nullptr);

  Result<Json> get(const ResourceType& rt, std::string_view ns, std::string_view name);
  // One page; `continue` in the result's metadata says whether more follow.
  Result<Json> list(const ResourceType& rt, std::string_view ns, const ListOptions& opts = {});
  // Every page, handing each item to `on_item`; returns the list's resourceVersion. Restarts
  // from the beginning when a continue token expires (410) mid-way.
  Result<std::string> list_each(const ResourceType& rt, std::string_view ns, ListOptions opts,
                                const std::function<void(Json&&)>& on_item);
  Result<Json> create(const ResourceType& rt, std::string_view ns, const Json& object);
  // PUT: optimistic concurrency through metadata.resourceVersion (409 Conflict when stale).
  Result<Json> update(const ResourceType& rt, const Json& object);
  Result<Json> update_status(const ResourceType& rt, const Json& object);
  Result<Json> patch(const ResourceType& rt, std::string_view ns, std::string_view name,
                     PatchType type, const Json& patch, std::string_view subresource = {});
  // Server-side apply with a field manager.
  Result<Json> apply(const ResourceType& rt, std::string_view ns, std::string_view name,
                     const Json& object, std::string_view field_manager, bool force = true,
                     std::string_view subresource = {});
  // Returns the object as the server answered (it may still exist with a deletionTimestamp).
  Result<Json> remove(const ResourceType& rt, std::string_view ns, std::string_view name,
                      const DeleteOptions& opts = {});
  // Streams watch events to `on_event` until the server closes the stream, `on_event` returns
  // false, or `cancel` is set. An ERROR event is delivered like any other.
  Result<void> watch(const ResourceType& rt, std::string_view ns, const WatchOptions& opts,
                     const std::function<bool(WatchEvent&&)>& on_event,
                     const std::atomic<bool>* cancel);

  HttpTransport& transport() { return *transport_; }

 private:
  Result<Json> call(std::string_view verb, const std::string& method, const std::string& path,
                    const std::string& body = {}, const std::string& content_type = {});
  void count(std::string_view verb, long code, double seconds);

  std::shared_ptr<HttpTransport> transport_;
  std::shared_ptr<metrics::Counter> requests_;
  std::shared_ptr<metrics::Histogram> latency_;
};

using ClientPtr = std::shared_ptr<Client>;

// Percent-encodes a query parameter value.
std::string url_encode(std::string_view value);

}  // namespace aura::kube
