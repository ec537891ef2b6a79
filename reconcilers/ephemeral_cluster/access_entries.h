#pragma once

#include <string>

#include "operator/api/ephemeral_cluster_types.h"
#include "operator/aws/eks.h"
#include "reconcilers/ephemeral_cluster/identity.h"
#include "reconcilers/ephemeral_cluster/network.h"

// spec.accessEntries made real once the control plane is ACTIVE (DESIGN.md, create step 3):
// each principal gets an EKS access entry with its Kubernetes groups and exactly the access
// policies the spec lists, with the scopes it gives. An entry dropped from the spec is deleted;
// entries Aura did not make (the creator's, the node role's, anyone's added by hand) are never
// touched. The cluster's deletion takes every entry with it, so there is no remove().
namespace aura::reconcilers::cluster {

class AccessEntrySteps {
 public:
  AccessEntrySteps(aws::EksClient& eks, const ClusterIdentity& identity,
                   NetworkSteps::RecordStatus record_status);

  // Fills status.accessEntries as entries are made or deleted. An error EKS gives for one
  // entry (a principal that does not exist, a policy it does not know) names the spec field.
  aws::Result<Progress> ensure(const std::vector<api::AccessEntry>& wanted,
                               api::EphemeralClusterStatus& status);

 private:
  aws::Result<void> ensure_entry(const api::AccessEntry& entry, std::string& entry_arn);
  aws::Result<void> ensure_policies(const api::AccessEntry& entry);

  aws::EksClient& eks_;
  const ClusterIdentity& id_;
  NetworkSteps::RecordStatus record_;
};

}  // namespace aura::reconcilers::cluster
