#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "operator/config/operator_config.h"
#include "operator/http/server.h"
#include "operator/kube/controller.h"
#include "operator/kube/events.h"
#include "operator/kube/informer.h"
#include "operator/kube/leader_election.h"
#include "operator/metrics/registry.h"

namespace aura {

// Owns the runtime of one operator process: the client, one watch-backed cache per kind, the
// controllers, leader election and the probe/metrics server.
//
// Caches start on every replica at once, so a standby that wins the lease has warm caches and
// takes over within one retry period; controllers start only on the leader. Readiness is
// "caches synced"; health is "the process is serving".
class Manager {
 public:
  Manager(config::OperatorConfig config, log::Logger logger);
  ~Manager();

  // Connects, starts everything and blocks until stop() is called or leadership is lost.
  // Returns the process exit code.
  int run();
  void stop();

 private:
  bool wait_until_stopped();
  // Waits up to `d`; true when stop() was called.
  bool stopped_within(std::chrono::milliseconds d);

  config::OperatorConfig config_;
  log::Logger log_;
  metrics::RegistryPtr metrics_ = std::make_shared<metrics::Registry>();
  std::atomic<bool> stop_{false};
  std::atomic<bool> lost_leadership_{false};
  std::mutex mu_;
  std::condition_variable cv_;
};

}  // namespace aura
