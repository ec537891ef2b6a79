#include "reconcilers/ephemeral_cluster/expiry.h"

#include <algorithm>

#include "operator/common/clock.h"
#include "operator/common/duration.h"

namespace aura::reconcilers::cluster {

using std::chrono::seconds;

namespace {

seconds until(TimePoint deadline, TimePoint now) {
  // At least a second, rounded up: a recheck never fires just before its deadline.
  const auto left = std::chrono::ceil<seconds>(deadline - now);
  return std::max(left, seconds(1));
}

void keep_nearer(std::optional<seconds>& recheck, seconds s) {
  if (!recheck || s < *recheck) recheck = s;
}

}  // namespace

Expiry evaluate_expiry(const api::ClusterLifecycle* lifecycle, const ExpiryInput& in) {
  Expiry out;
  // The clock of idleness: readyTime, pushed forward by every job that finished since and by
  // now while one runs (recorded at most every kLastActiveResolution).
  out.last_active = in.last_active;
  const auto later = [&](std::optional<TimePoint> t) {
    if (t && (!out.last_active || *t > *out.last_active)) out.last_active = t;
  };
  later(in.ready);
  later(in.activity.last_finished);
  if (in.activity.busy && (!out.last_active || in.now - *out.last_active >= kLastActiveResolution))
    out.last_active = in.now;
  if (!in.ready) out.last_active = in.last_active;  // nothing to count before the cluster is up

  if (lifecycle == nullptr) return out;
  if (lifecycle->maxLifetime) {
    if (auto lifetime = parse_duration(*lifecycle->maxLifetime)) {
      out.expiry_time = in.created + *lifetime;
      if (in.now >= *out.expiry_time) {
        out.expired = true;
        out.reason = "MaxLifetimeReached";
        out.message = "spec.lifecycle.maxLifetime " + *lifecycle->maxLifetime +
                      " reached (created " + format_rfc3339(in.created) + ")";
        return out;
      }
      keep_nearer(out.recheck, until(*out.expiry_time, in.now));
    }
  }
  if (lifecycle->ttlSecondsAfterIdle && in.ready && !in.activity.busy && out.last_active) {
    const auto deadline = *out.last_active + seconds(*lifecycle->ttlSecondsAfterIdle);
    if (in.now >= deadline) {
      out.expired = true;
      out.reason = "IdleTimeout";
      out.message = "idle (no AIJob running) since " + format_rfc3339(*out.last_active) +
                    ", past spec.lifecycle.ttlSecondsAfterIdle " +
                    std::to_string(*lifecycle->ttlSecondsAfterIdle) + "s";
      return out;
    }
    keep_nearer(out.recheck, until(deadline, in.now));
  }
  return out;
}

}  // namespace aura::reconcilers::cluster
