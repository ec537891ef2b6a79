#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "operator/api/ephemeral_cluster_types.h"

// spec.lifecycle's two cost guards (DESIGN.md: nothing that costs money outlives its use):
// maxLifetime, a hard deadline counted from creation, busy or not; and ttlSecondsAfterIdle, a
// deadline counted from the last moment an AIJob ran on the cluster (from readyTime before any
// job). NodePools alone do not make a cluster busy: they cost money and go with it. Pure: the
// reconciler gathers the inputs and acts on the answer.
namespace aura::reconcilers::cluster {

using TimePoint = std::chrono::system_clock::time_point;

// What the AIJobs on a cluster say about it.
struct ClusterActivity {
  bool busy = false;                       // one is neither Succeeded nor Failed
  std::optional<TimePoint> last_finished;  // the latest completionTime of those that finished
};

struct ExpiryInput {
  TimePoint created;
  std::optional<TimePoint> ready;
  std::optional<TimePoint> last_active;  // status.lastActiveTime as recorded
  ClusterActivity activity;
  TimePoint now;
};

struct Expiry {
  std::optional<TimePoint> expiry_time;  // status.expiryTime
  std::optional<TimePoint> last_active;  // status.lastActiveTime to record
  bool expired = false;
  std::string reason;   // "MaxLifetimeReached" or "IdleTimeout" when expired
  std::string message;  // for the Event
  // When to look again without any event: the nearer deadline still ahead.
  std::optional<std::chrono::seconds> recheck;
};

// While a job runs, lastActiveTime moves forward at most this often: a busy cluster is woken by
// every change of its AIJobs, and each would otherwise be a status write.
inline constexpr std::chrono::seconds kLastActiveResolution{60};

Expiry evaluate_expiry(const api::ClusterLifecycle* lifecycle, const ExpiryInput& in);

}  // namespace aura::reconcilers::cluster
