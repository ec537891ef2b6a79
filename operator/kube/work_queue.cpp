#include "operator/kube/work_queue.h"

#include <algorithm>
#include <cmath>

namespace aura::kube {

WorkQueue::WorkQueue(WorkQueueOptions options, metrics::RegistryPtr metrics)
    : options_(std::move(options)), bucket_(options_.qps, options_.burst) {
  if (metrics) {
    depth_ = metrics->gauge("aura_workqueue_depth", "Keys ready to be processed.", {"name"});
    adds_ = metrics->counter("aura_workqueue_adds_total", "Keys added to the queue.", {"name"});
    retries_ = metrics->counter("aura_workqueue_retries_total", "Rate-limited re-adds.", {"name"});
    latency_ =
        metrics->histogram("aura_workqueue_queue_duration_seconds",
                           "Time a key waits in the queue before a worker takes it.", {"name"});
  }
}

void WorkQueue::update_depth_locked() {
  if (depth_) depth_->set({options_.name}, static_cast<double>(queue_.size()));
}

void WorkQueue::add_locked(const ObjectKey& key) {
  if (shutting_down_) return;
  if (adds_) adds_->inc({options_.name});
  if (dirty_.contains(key)) return;
  dirty_.insert(key);
  added_at_.try_emplace(key, Clock::now());
  if (processing_.contains(key)) return;  // queued again by done()
  queue_.push_back(key);
  update_depth_locked();
  cv_.notify_one();
}

void WorkQueue::add(const ObjectKey& key) {
  std::lock_guard lock(mu_);
  waiting_.erase(key);  // an immediate add supersedes a pending delayed one
  add_locked(key);
}

void WorkQueue::add_after(const ObjectKey& key, Clock::duration delay) {
  if (delay <= Clock::duration::zero()) return add(key);
  std::lock_guard lock(mu_);
  if (shutting_down_) return;
  const auto due = Clock::now() + delay;
  auto it = waiting_.find(key);
  if (it != waiting_.end() && it->second <= due) return;  // already due sooner
  waiting_[key] = due;
  heap_.emplace(due, key);
  cv_.notify_all();  // a sleeping get() may need to wake earlier
}

void WorkQueue::add_rate_limited(const ObjectKey& key) {
  Clock::duration delay;
  {
    std::lock_guard lock(mu_);
    const int n = failures_[key]++;
    const double ms = std::min<double>(options_.backoff_base.count() * std::pow(2.0, n),
                                       static_cast<double>(options_.backoff_max.count()));
    delay =
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(ms));
    if (retries_) retries_->inc({options_.name});
  }
  delay = std::max(delay, bucket_.reserve());
  add_after(key, delay);
}

void WorkQueue::forget(const ObjectKey& key) {
  std::lock_guard lock(mu_);
  failures_.erase(key);
}

int WorkQueue::failures(const ObjectKey& key) const {
  std::lock_guard lock(mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

void WorkQueue::promote_due_locked(Clock::time_point now) {
  while (!heap_.empty() && heap_.top().first <= now) {
    auto [due, key] = heap_.top();
    heap_.pop();
    auto it = waiting_.find(key);
    if (it == waiting_.end() || it->second != due) continue;  // superseded entry
    waiting_.erase(it);
    add_locked(key);
  }
}

std::optional<ObjectKey> WorkQueue::get() {
  std::unique_lock lock(mu_);
  for (;;) {
    promote_due_locked(Clock::now());
    if (!queue_.empty()) break;
    if (shutting_down_) return std::nullopt;
    if (heap_.empty()) {
      cv_.wait(lock);
    } else {
      // A copy: wait_until reads its deadline again after waking, by which time another
      // thread's add_after may have grown the heap and freed the element (found by ASan).
      const Clock::time_point next_due = heap_.top().first;
      cv_.wait_until(lock, next_due);
    }
  }
  ObjectKey key = std::move(queue_.front());
  queue_.pop_front();
  dirty_.erase(key);
  processing_.insert(key);
  if (auto it = added_at_.find(key); it != added_at_.end()) {
    if (latency_)
      latency_->observe({options_.name},
                        std::chrono::duration<double>(Clock::now() - it->second).count());
    added_at_.erase(it);
  }
  update_depth_locked();
  return key;
}

void WorkQueue::done(const ObjectKey& key) {
  std::lock_guard lock(mu_);
  processing_.erase(key);
  if (dirty_.contains(key) && !shutting_down_) {
    queue_.push_back(key);
    update_depth_locked();
    cv_.notify_one();
  }
}

void WorkQueue::shut_down() {
  std::lock_guard lock(mu_);
  shutting_down_ = true;
  cv_.notify_all();
}

bool WorkQueue::shutting_down() const {
  std::lock_guard lock(mu_);
  return shutting_down_;
}

size_t WorkQueue::len() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

size_t WorkQueue::delayed() const {
  std::lock_guard lock(mu_);
  return waiting_.size();
}

}  // namespace aura::kube
