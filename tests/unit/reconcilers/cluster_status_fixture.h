#pragma once

#include "operator/api/ephemeral_cluster_types.h"

namespace aura::reconcilers::cluster {

// The status of a cluster with everything Aura makes: 9 network resources (a VPC, two
// subnets, a gateway, an elastic IP, a NAT gateway, two route tables, a security group), the
// security group EKS made, two roles and an instance profile, the EKS cluster and its OIDC
// provider, an access entry and an add-on.
inline api::EphemeralClusterStatus full_status() {
  api::EphemeralClusterStatus s;
  api::NetworkStatus n;
  n.vpcID = "vpc-1";
  n.internetGatewayID = "igw-1";
  n.subnets = {{"subnet-a", "us-east-1a", "10.0.0.0/19", true},
               {"subnet-b", "us-east-1a", "10.0.224.0/19", false}};
  n.elasticIPs = {{"eipalloc-1", "203.0.113.1", "us-east-1a"}};
  n.natGateways = {{"nat-1", "us-east-1a", "subnet-a", "eipalloc-1"}};
  n.routeTables = {{"rtb-1", std::nullopt, true}, {"rtb-2", "us-east-1a", false}};
  n.securityGroupID = "sg-1";
  n.clusterSecurityGroupID = "sg-eks";
  s.network = n;
  api::IAMStatus iam;
  iam.clusterRoleARN = "arn:aws:iam::1:role/aura/c";
  iam.nodeRoleARN = "arn:aws:iam::1:role/aura/n";
  iam.nodeInstanceProfileName = "aura-ns-c-0000-node";
  iam.nodeInstanceProfileARN = "arn:aws:iam::1:instance-profile/aura/aura-ns-c-0000-node";
  s.iam = iam;
  s.eksClusterARN = "arn:aws:eks:us-east-1:1:cluster/c";
  s.oidcProviderARN = "arn:aws:iam::1:oidc-provider/x";
  s.accessEntries = {{"arn:aws:iam::1:role/analyst", "arn:aws:eks:us-east-1:1:access-entry/c/r"}};
  s.addons = {{"vpc-cni", "v1"}};
  return s;
}

}  // namespace aura::reconcilers::cluster
