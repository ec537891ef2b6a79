#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "operator/common/clock.h"
#include "operator/kube/client.h"
#include "operator/log/logger.h"

namespace aura::kube {

struct LeaderElectionOptions {
  std::string lease_namespace;
  std::string lease_name = "aura-operator";
  std::string identity;  // unique per process: pod name plus a random suffix
  std::chrono::seconds lease_duration{15};
  std::chrono::seconds renew_deadline{10};
  std::chrono::seconds retry_period{2};
};

// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it:
// acquire when the lease is free or its holder has not renewed within leaseDurationSeconds (as
// observed on our own clock, so clock skew between replicas does not matter), renew every
// retry period, and give up leadership when a renewal has not succeeded within the renew
// deadline. Writes use the lease's resourceVersion, so two candidates never both win.
// On release (SIGTERM) the holder is cleared so a standby takes over at its next retry instead
// of waiting out the lease.
class LeaderElector {
 public:
  LeaderElector(ClientPtr client, LeaderElectionOptions options, log::Logger logger,
                ClockPtr clock = std::make_shared<SystemClock>());
  ~LeaderElector();

  // Runs in a thread: on_started when leadership is acquired, on_stopped when it is lost or
  // released. Leadership is never re-acquired after it was lost: the process should exit, as
  // controller-runtime does, so no stale in-memory state survives.
  void start(std::function<void()> on_started, std::function<void()> on_stopped);
  // Stops campaigning; if leading, releases the lease.
  void stop();
  bool is_leader() const { return leader_.load(); }

 private:
  enum class Attempt { kAcquired, kHeldByOther, kError };
  void run();
  Attempt try_acquire_or_renew();
  bool release();
  bool wait(std::chrono::milliseconds d);

  ClientPtr client_;
  LeaderElectionOptions options_;
  log::Logger log_;
  ClockPtr clock_;
  std::function<void()> on_started_;
  std::function<void()> on_stopped_;
  std::atomic<bool> leader_{false};
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread thread_;
  // What we last saw of the lease, and when (our clock) it last changed.
  std::string observed_holder_;
  std::string observed_renew_time_;
  std::chrono::steady_clock::time_point observed_at_{};
  std::string observed_resource_version_;
};

}  // namespace aura::kube
