#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "webhooks/admission.h"

// Deleting an EphemeralCluster tears down the EKS cluster under every AIJob still running on it.
// The validating webhook refuses that DELETE unless the cluster carries the force annotation; the
// operator's own AIJob bookkeeping (issue 3) then fails those jobs with ClusterDeleted.
namespace aura::webhooks {

inline constexpr const char* kForceDeleteAnnotation = "aura.io/force-delete";

// The names of the AIJobs still using a cluster (neither Succeeded nor Failed, not being
// deleted), or nullopt while that cannot be known (the operator's cache has not synced yet).
using ActiveJobsLookup = std::function<std::optional<std::vector<std::string>>(
    const std::string& namespace_, const std::string& cluster)>;

struct DeleteProtectionOptions {
  ActiveJobsLookup active_jobs;  // unset: protection off
  // Deletions by these users always pass: Kubernetes' garbage collector (the owner, such as an
  // AIJob with a clusterTemplate, is already gone), its namespace controller (the namespace and
  // its AIJobs are going); the operator adds its own user (learned with a SelfSubjectReview).
  std::vector<std::string> exempt_users = default_exempt_users();

  static std::vector<std::string> default_exempt_users();
};

// True when `phase` is one in which an AIJob still needs its cluster.
bool ai_job_is_active(const std::string& phase);

// The answer to a DELETE of an EphemeralCluster.
AdmissionResponse check_cluster_delete(const AdmissionRequest& request,
                                       const DeleteProtectionOptions& options);
// What the validating endpoint answers: a cluster's DELETE goes to check_cluster_delete, every
// other request to validation::validate.
AdmissionResponse validate_request(const AdmissionRequest& request,
                                   const DeleteProtectionOptions& options);

}  // namespace aura::webhooks
