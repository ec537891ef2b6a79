#pragma once

#include <string>
#include <vector>

#include "operator/api/ephemeral_cluster_types.h"
#include "operator/aws/iam.h"
#include "reconcilers/ephemeral_cluster/identity.h"
#include "reconcilers/ephemeral_cluster/network.h"

// The IAM a cluster needs (DESIGN.md, create step 1 and delete step 6): the cluster role EKS
// assumes, the node role with the worker, CNI, ECR read and SSM policies, and an instance
// profile for Karpenter's nodes. Names are deterministic (ClusterIdentity), so a lost status
// write or a crash finds them again by name; each carries the cluster's tags from its create
// call.
namespace aura::reconcilers::cluster {

struct IamPlan {
  std::string partition = "aws";  // of the cluster's region: arn:<partition>:iam::aws:policy/...
};

// The AWS managed policies of each role.
std::vector<std::string> cluster_role_policies(const std::string& partition);
std::vector<std::string> node_role_policies(const std::string& partition);

class IamSteps {
 public:
  IamSteps(aws::IamClient& iam, const ClusterIdentity& identity,
           NetworkSteps::RecordStatus record_status);

  aws::Result<Progress> ensure(const IamPlan& plan, api::IAMStatus& status);
  // Instance profile first, then the roles with their policies; done when none is left.
  aws::Result<Progress> remove(api::IAMStatus& status);
  // "role <name>" and "instance-profile <name>" lines for what exists.
  aws::Result<std::vector<std::string>> inventory();

 private:
  aws::Result<aws::iam::Role> ensure_role(const std::string& name, const std::string& service,
                                          const std::vector<std::string>& policies);
  aws::Result<bool> remove_role(const std::string& name);

  aws::IamClient& iam_;
  const ClusterIdentity& id_;
  NetworkSteps::RecordStatus record_;
};

}  // namespace aura::reconcilers::cluster
