#pragma once

#include <memory>
#include <string>
#include <vector>

#include "operator/aws/session.h"
#include "operator/common/clock.h"
#include "operator/config/operator_config.h"
#include "operator/kube/client.h"
#include "operator/kube/events.h"
#include "operator/kube/informer.h"
#include "operator/kube/reconcile.h"

namespace aura::reconcilers {

// What every reconciler talks to the world through. Reads come from the caches; writes go
// through the client; nothing else is shared between reconcilers.
struct Runtime {
  kube::ClientPtr client;
  kube::Informer* clusters = nullptr;
  kube::Informer* node_pools = nullptr;
  kube::Informer* ai_jobs = nullptr;
  kube::EventRecorderPtr events;
  ClockPtr clock;
  // One per operator: AWS clients per service, region and identity, shared by every reconcile
  // (one rate limit and connection pool each). Null in tests that run no AWS side.
  std::shared_ptr<aws::AwsSession> aws;
  config::OperatorConfig config;
};

// Index of NodePools and AIJobs by the EphemeralCluster they use: "namespace/name".
inline constexpr const char* kIndexByCluster = "byCluster";
std::vector<std::string> cluster_index_values(const nlohmann::json& object);

// Finalizers: one per kind, so that each controller's cleanup is independent.
inline constexpr std::string_view kClusterFinalizer = "aura.io/ephemeral-cluster";
inline constexpr std::string_view kNodePoolFinalizer = "aura.io/node-pool";
inline constexpr std::string_view kAIJobFinalizer = "aura.io/ai-job";

std::shared_ptr<kube::Reconciler> make_ephemeral_cluster_reconciler(Runtime& rt);
std::shared_ptr<kube::Reconciler> make_node_pool_reconciler(Runtime& rt);
std::shared_ptr<kube::Reconciler> make_ai_job_reconciler(Runtime& rt);

}  // namespace aura::reconcilers
