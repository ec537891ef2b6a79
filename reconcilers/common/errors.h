#pragma once

#include "operator/kube/api_error.h"
#include "operator/kube/reconcile.h"

namespace aura::reconcilers {

// Maps a failed Kubernetes call to the reconcile error policy: 409 and a failed JSON-patch test
// (422 after our test op) mean our copy was stale, so retry at once with a fresh read.
inline kube::ReconcileError from_api(const kube::ApiError& e, std::string_view what) {
  std::string msg = std::string(what) + ": " + e.str();
  if (e.is_conflict() || (e.is_invalid() && e.message.find("test") != std::string::npos))
    return kube::ReconcileError::conflict(std::move(msg));
  if (e.is_invalid() || e.is_forbidden()) return kube::ReconcileError::terminal(std::move(msg));
  return kube::ReconcileError::transient(std::move(msg));
}

}  // namespace aura::reconcilers
