#pragma once

#include <string>
#include <vector>

#include "operator/aws/ec2.h"
#include "operator/aws/elb.h"
#include "reconcilers/ephemeral_cluster/network.h"

// What a child cluster leaves in its VPC that Aura did not create (DESIGN.md, delete, before the
// network): load balancers made for Services of type LoadBalancer, by the in-tree cloud provider
// or by the AWS Load Balancer Controller, with their security groups and target groups, and
// network interfaces left `available` by the VPC CNI. They cost money and block the subnets and
// the VPC (DependencyViolation), so they go before the network does.
namespace aura::reconcilers::cluster {

// Whether tags say a resource belongs to the child cluster `eks_name`: the in-tree cloud provider
// tags `kubernetes.io/cluster/<name>: owned`, the AWS Load Balancer Controller
// `elbv2.k8s.aws/cluster: <name>`, the VPC CNI `cluster.k8s.amazonaws.com/name: <name>`.
// Resources Aura made (aura.io/cluster-uid) are not leftovers: their own steps remove them.
bool left_by_child(const aws::Tags& tags, const std::string& eks_name);

class ChildLeftovers {
 public:
  ChildLeftovers(aws::Ec2Client& ec2, aws::ElbV2Client& elbv2, aws::ElbClassicClient& elb,
                 std::string eks_name);

  // One pass, never waiting: load balancers first; their security groups and interfaces only
  // once the load balancers are gone (ELB releases its interfaces a while after the delete);
  // target groups of the VPC when `own_vpc` (they carry no owner tag, so in a VPC the user
  // brought they are left alone). Done when inventory() finds nothing.
  aws::Result<Progress> remove(const std::string& vpc_id, bool own_vpc);
  // "kind id" lines: load-balancer, security-group, network-interface (and target-group when
  // own_vpc) that remove() would delete.
  aws::Result<std::vector<std::string>> inventory(const std::string& vpc_id, bool own_vpc);

 private:
  struct Found {
    std::vector<aws::LoadBalancer> v2, classic;
    std::vector<std::string> target_groups;
    std::vector<aws::SecurityGroup> security_groups;
    std::vector<aws::NetworkInterface> interfaces;
    // Interfaces of load balancers already deleted, which ELB has yet to release.
    std::vector<std::string> releasing;
  };
  aws::Result<Found> find(const std::string& vpc_id, bool own_vpc);

  aws::Ec2Client& ec2_;
  aws::ElbV2Client& elbv2_;
  aws::ElbClassicClient& elb_;
  std::string eks_name_;
};

}  // namespace aura::reconcilers::cluster
