#pragma once

#include <string>
#include <vector>

#include "operator/api/ephemeral_cluster_types.h"
#include "operator/aws/eks.h"
#include "reconcilers/ephemeral_cluster/identity.h"
#include "reconcilers/ephemeral_cluster/network.h"

// spec.addons installed once the control plane is ACTIVE: each add-on created with the version,
// configuration and service-account role the spec gives (EKS's default version when none),
// updated in place when those change, and waited on, by returning, until EKS reports it
// installed. An add-on dropped from the spec is deleted; add-ons Aura did not install are never
// touched. The cluster's deletion removes its add-ons, so there is no remove().
namespace aura::reconcilers::cluster {

class AddonSteps {
 public:
  AddonSteps(aws::EksClient& eks, const ClusterIdentity& identity,
             NetworkSteps::RecordStatus record_status);

  // Fills status.addons with each installed add-on and its version.
  aws::Result<Progress> ensure(const std::vector<api::Addon>& wanted,
                               api::EphemeralClusterStatus& status);

 private:
  // One add-on: done, or what it waits for.
  aws::Result<Progress> ensure_one(const api::Addon& addon, api::EphemeralClusterStatus& status);
  // An add-on Aura installed that the spec no longer lists.
  aws::Result<Progress> remove_one(const std::string& name);

  aws::EksClient& eks_;
  const ClusterIdentity& id_;
  NetworkSteps::RecordStatus record_;
};

}  // namespace aura::reconcilers::cluster
