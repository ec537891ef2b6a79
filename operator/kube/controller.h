#pragma once

#include <atomic>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "operator/kube/informer.h"
#include "operator/kube/reconcile.h"
#include "operator/kube/work_queue.h"

namespace aura::kube {

struct ControllerOptions {
  std::string name;
  int workers = 2;
  WorkQueueOptions queue;
};

// Runs a Reconciler over a work queue with a few workers. The queue guarantees one object is
// never reconciled twice at once. After each reconcile one switch decides what happens to the
// key, and each outcome is a metric label:
//   ok + await change   -> forget the key's backoff                    (result="success")
//   ok + requeue after  -> forget, add after the delay                 (result="requeue_after")
//   transient error     -> rate-limited re-add with per-key backoff    (result="error")
//   conflict            -> re-add at once                              (result="conflict")
//   terminal error      -> forget, no retry until the object changes   (result="terminal")
class Controller {
 public:
  Controller(ControllerOptions options, std::shared_ptr<Reconciler> reconciler, log::Logger logger,
             metrics::RegistryPtr metrics);
  ~Controller();

  void enqueue(const ObjectKey& key) { queue_.add(key); }
  // Wires an informer of the primary kind: every change enqueues the object's own key.
  void watch_primary(Informer& informer);
  // Wires a secondary informer through a mapping from the changed object to primary keys.
  void watch_related(Informer& informer,
                     std::function<std::vector<ObjectKey>(const nlohmann::json&)> map);

  void start();
  void stop();
  WorkQueue& queue() { return queue_; }
  const std::string& name() const { return options_.name; }

 private:
  void worker(int index);
  void process(const ObjectKey& key, std::mt19937_64& rng);

  ControllerOptions options_;
  std::shared_ptr<Reconciler> reconciler_;
  log::Logger log_;
  WorkQueue queue_;
  std::vector<std::thread> workers_;
  std::shared_ptr<metrics::Counter> reconciles_;
  std::shared_ptr<metrics::Histogram> duration_;
  std::shared_ptr<metrics::Gauge> active_workers_;
};

}  // namespace aura::kube
