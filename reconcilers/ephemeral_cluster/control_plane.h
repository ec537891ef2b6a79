#pragma once

#include <optional>
#include <string>
#include <vector>

#include "operator/api/ephemeral_cluster_types.h"
#include "operator/aws/eks.h"
#include "operator/aws/iam.h"
#include "reconcilers/ephemeral_cluster/identity.h"
#include "reconcilers/ephemeral_cluster/network.h"

// The EKS control plane and its OIDC provider (DESIGN.md, create steps 2 and 3, delete step 3):
// created once with an idempotency token derived from the cluster's UID, waited on by
// returning (never sleeping) until ACTIVE, changed in place where EKS allows it (endpoint
// access, public CIDRs, logging), and deleted before the network and IAM it stands on.
namespace aura::reconcilers::cluster {

struct ControlPlanePlan {
  std::string version;
  std::string role_arn;
  std::vector<std::string> subnet_ids;
  std::string security_group_id;
  aws::eks::EndpointAccess endpoint;
  std::vector<std::string> logging;  // enabled log types
  std::string kms_key_arn;
};

// From the spec and what the network and IAM steps recorded.
ControlPlanePlan plan_control_plane(const api::EphemeralClusterSpec& spec,
                                    const api::EphemeralClusterStatus& status);

class ControlPlaneSteps {
 public:
  ControlPlaneSteps(aws::EksClient& eks, aws::IamClient& iam, const ClusterIdentity& identity,
                    NetworkSteps::RecordStatus record_status);

  // Fills status.eksClusterName, eksClusterARN, endpoint, oidcIssuerURL, oidcProviderARN and
  // network.clusterSecurityGroupID as they become known.
  aws::Result<Progress> ensure(const ControlPlanePlan& plan, api::EphemeralClusterStatus& status);
  // The OIDC provider, then the cluster; done once DescribeCluster says it is gone.
  aws::Result<Progress> remove(api::EphemeralClusterStatus& status);
  // "eks-cluster <name>" and "oidc-provider <arn>" lines for what exists of this cluster.
  aws::Result<std::vector<std::string>> inventory();
  // The cluster as the last ensure() found it ACTIVE (endpoint, CA): for the kubeconfig.
  const std::optional<aws::eks::Cluster>& active() const { return active_; }

 private:
  aws::Result<std::string> find_oidc_provider(const std::string& issuer);
  // Ours among the account's providers, by the UID tag: for when status lost the ARN.
  aws::Result<std::string> find_tagged_oidc_provider();

  aws::EksClient& eks_;
  aws::IamClient& iam_;
  const ClusterIdentity& id_;
  NetworkSteps::RecordStatus record_;
  std::optional<aws::eks::Cluster> active_;
};

}  // namespace aura::reconcilers::cluster
