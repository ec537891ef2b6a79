#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "operator/kube/client.h"
#include "operator/kube/store.h"
#include "operator/log/logger.h"

namespace aura::kube {

enum class EventKind { kAdded, kUpdated, kDeleted, kResync };

// Called on the informer's thread after the store has changed. `old` is null for kAdded, `now`
// is the removed object for kDeleted. Handlers must be quick: map to keys and enqueue.
using EventHandler =
    std::function<void(EventKind kind, const ObjectPtr& old, const ObjectPtr& now)>;

struct InformerOptions {
  std::string ns;  // empty: all namespaces
  std::string label_selector;
  std::chrono::seconds resync_period{0};  // 0: never re-deliver
  int page_size = 500;                    // for the list fallback
  int watch_timeout_seconds = 300;
  std::chrono::milliseconds backoff_initial{200};
  std::chrono::milliseconds backoff_max{30000};
};

// A watch-backed cache of one resource type: the reflector and the store together.
//
// The watcher is a state machine:
//   kListing  -> fill the store from a streaming watch-list (sendInitialEvents) and keep
//                watching on the same connection; if the server refuses watch-list, fall back
//                to a paginated list and then a watch from its resourceVersion.
//   kWatching -> apply events, remember the last resourceVersion (bookmarks included); when the
//                stream ends, resume from it; on 410 Gone go back to kListing.
// Transport failures back off exponentially (reset after a healthy stream). A relist marks and
// sweeps: objects not seen again are deleted and reported, so the store never holds two copies.
class Informer {
 public:
  Informer(ClientPtr client, ResourceType type, InformerOptions options, log::Logger logger,
           metrics::RegistryPtr metrics = nullptr);
  ~Informer();

  void add_handler(EventHandler handler);  // before start()
  Store& store() { return store_; }
  const ResourceType& type() const { return type_; }

  void start();
  void stop();
  bool has_synced() const { return synced_.load(); }
  bool wait_for_sync(std::chrono::milliseconds timeout);
  // How many times the informer (re)listed: 1 after the first sync; +1 per 410 or restart.
  uint64_t list_count() const { return lists_.load(); }

 private:
  enum class State { kListing, kWatching };
  void run();
  // Each returns false when the caller should back off before the next attempt.
  bool watch_list();
  bool list_then_watch();
  bool watch_from(const std::string& rv);
  bool handle_event(WatchEvent&& ev, std::set<ObjectKey>* seen);
  void finish_relist(const std::set<ObjectKey>& seen);
  void mark_synced();
  void deliver(EventKind kind, const ObjectPtr& old, const ObjectPtr& now);
  void resync();
  bool wait_backoff(std::chrono::milliseconds d);
  ObjectPtr trim(nlohmann::json&& object) const;

  ClientPtr client_;
  ResourceType type_;
  InformerOptions options_;
  log::Logger log_;
  Store store_;
  std::vector<EventHandler> handlers_;

  State state_ = State::kListing;
  bool watch_list_supported_ = true;
  std::string resource_version_;
  std::atomic<bool> synced_{false};
  std::atomic<uint64_t> lists_{0};
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread thread_;
  std::chrono::steady_clock::time_point next_resync_;
  std::shared_ptr<metrics::Counter> events_total_;
  std::shared_ptr<metrics::Counter> relists_total_;
};

using InformerPtr = std::shared_ptr<Informer>;

}  // namespace aura::kube
