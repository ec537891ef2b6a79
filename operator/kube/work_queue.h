#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "operator/common/token_bucket.h"
#include "operator/kube/resource.h"
#include "operator/metrics/registry.h"

namespace aura::kube {

struct WorkQueueOptions {
  std::string name = "queue";
  // Per-key exponential backoff: base * 2^failures, capped.
  std::chrono::milliseconds backoff_base{5};
  std::chrono::milliseconds backoff_max{300000};
  // Overall limit across keys, as client-go's default controller rate limiter.
  double qps = 10;
  double burst = 100;
};

// A rate-limited, delaying work queue of object keys with client-go semantics:
// - a key is queued at most once (dirty set), however often it is added;
// - a key being processed is never handed to a second worker; adds during processing are
//   remembered and the key is queued again when done() is called;
// - add_after() delays, add_rate_limited() delays by the key's backoff and the overall bucket,
//   forget() resets the key's backoff.
class WorkQueue {
 public:
  using Clock = std::chrono::steady_clock;

  explicit WorkQueue(WorkQueueOptions options, metrics::RegistryPtr metrics = nullptr);

  void add(const ObjectKey& key);
  void add_after(const ObjectKey& key, Clock::duration delay);
  void add_rate_limited(const ObjectKey& key);
  void forget(const ObjectKey& key);
  int failures(const ObjectKey& key) const;

  // Blocks until a key is ready or the queue shuts down (nullopt).
  std::optional<ObjectKey> get();
  void done(const ObjectKey& key);

  void shut_down();
  bool shutting_down() const;
  size_t len() const;      // ready keys
  size_t delayed() const;  // keys waiting for their time

 private:
  void add_locked(const ObjectKey& key);
  void promote_due_locked(Clock::time_point now);
  void update_depth_locked();

  WorkQueueOptions options_;
  TokenBucket bucket_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<ObjectKey> queue_;
  std::set<ObjectKey> dirty_;
  std::set<ObjectKey> processing_;
  std::map<ObjectKey, Clock::time_point> added_at_;  // for queue latency
  // Delayed keys: earliest due first; a key keeps only its earliest due time.
  std::map<ObjectKey, Clock::time_point> waiting_;
  std::priority_queue<std::pair<Clock::time_point, ObjectKey>,
                      std::vector<std::pair<Clock::time_point, ObjectKey>>, std::greater<>>
      heap_;
  std::map<ObjectKey, int> failures_;
  bool shutting_down_ = false;

  std::shared_ptr<metrics::Gauge> depth_;
  std::shared_ptr<metrics::Counter> adds_;
  std::shared_ptr<metrics::Counter> retries_;
  std::shared_ptr<metrics::Histogram> latency_;
};

}  // namespace aura::kube
