#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "operator/aws/ec2.h"
#include "operator/aws/eks.h"
#include "operator/aws/iam.h"

// Every AWS resource Aura made, whoever it was made for: found by the ownership tags of
// DESIGN.md invariant 2 (aura.io/managed-by=aura-operator and an aura.io/cluster-uid), through
// each service's own list and describe calls. The Resource Groups Tagging API is not used: it
// covers neither IAM nor elastic IPs nor (in every partition) EKS, and a kind found only there
// could not be removed by the steps anyway.
namespace aura::reconcilers::cluster {

struct TaggedResource {
  std::string kind;    // vpc, subnet, internet-gateway, elastic-ip, nat-gateway, route-table,
                       // security-group, eks-cluster, iam-role, oidc-provider
  std::string id;      // the ID, the EKS or role name, the provider's ARN
  std::string region;  // empty for IAM (global)
  aws::Tags tags;
};

// The network resources of `region` (EC2) that carry Aura's ownership tags; only those of `uid`
// when given. NAT gateways already deleted are left out.
aws::Result<std::vector<TaggedResource>> find_network(aws::Ec2Client& ec2,
                                                      const std::string& region,
                                                      const std::optional<std::string>& uid = {});

// The EKS clusters of `region` named aura-* and carrying Aura's ownership tags (one describe
// each: ListClusters gives names only).
aws::Result<std::vector<TaggedResource>> find_eks_clusters(aws::EksClient& eks,
                                                           const std::string& region);

// IAM roles under /aura/ and OIDC providers carrying Aura's ownership tags (IAM is global).
// Instance profiles are not listed: one exists only beside the node role of the same name, and
// removal takes both.
aws::Result<std::vector<TaggedResource>> find_global(aws::IamClient& iam,
                                                     const std::optional<std::string>& uid = {});

// Everything found of one cluster UID.
struct Owner {
  std::string uid;
  std::string ns, name;           // from aura.io/cluster; empty when no resource carries it
  std::set<std::string> regions;  // where its regional resources are
  bool retained = false;          // one of them carries aura.io/retained=true
  std::vector<TaggedResource> resources;
};

// Groups resources by their aura.io/cluster-uid.
std::vector<Owner> group_by_owner(const std::vector<TaggedResource>& resources);

}  // namespace aura::reconcilers::cluster
