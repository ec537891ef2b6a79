#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "operator/kube/reconcile.h"
#include "reconcilers/common/runtime.h"

// The deletion step that runs before the NodePools go: reach the child cluster (child_cluster.h)
// and have its controllers remove their load balancers (child_load_balancers.h). Its outcome is
// recorded as the condition ChildLoadBalancersDeleted, so that once it is settled no later pass
// talks to the child again:
//   Deleted       the Services and Ingresses are gone;
//   NoChildAPI    there is no control plane to ask (never became ACTIVE, already gone, or
//                 deletionPolicy Retain, which leaves the child running as it is);
//   Unreachable   the child's API did not answer or refused Aura (Warning Event);
//   TimedOut      the controllers did not finish within --child-cleanup-timeout (Warning Event).
// In the last two cases what the controllers left is removed through AWS (child_leftovers.h).
namespace aura::reconcilers::cluster {

inline constexpr const char* kChildLoadBalancersDeleted = "ChildLoadBalancersDeleted";

// nullopt when the step is settled and deletion may go on; otherwise what this reconcile
// returns (a requeue while the controllers work, an error to retry).
std::optional<kube::ReconcileResult> clean_child_cluster(Runtime& rt, const nlohmann::json& cluster,
                                                         const kube::ReconcileContext& ctx);

}  // namespace aura::reconcilers::cluster
