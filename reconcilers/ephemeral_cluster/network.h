#pragma once

#include <chrono>
#include <expected>
#include <functional>
#include <string>
#include <vector>

#include "operator/api/ephemeral_cluster_types.h"
#include "operator/aws/ec2.h"
#include "reconcilers/ephemeral_cluster/identity.h"

// The network Aura builds for a cluster from nothing (DESIGN.md, create step 1 and delete step
// 5): a VPC with DNS support and hostnames, an internet gateway, a public and a private subnet per
// zone with the tags Kubernetes and Karpenter look for, elastic IPs and NAT gateways (Single,
// PerZone or None), a public route table and one private route table per zone, and the cluster
// security group.
namespace aura::reconcilers::cluster {

struct ZoneSubnets {
  std::string zone;
  std::string public_cidr;
  std::string private_cidr;
};

struct NetworkPlan {
  std::string vpc_cidr;
  std::vector<ZoneSubnets> zones;
  api::NatGatewayMode nat = api::NatGatewayMode::kSingle;
};

// The network a spec asks for. Subnet CIDRs not given are carved from the VPC as the CRD says:
// the VPC split into eight equal blocks (sixteen beyond four zones), public subnets in the first
// ones, private subnets in the last ones. The error names the field.
std::expected<NetworkPlan, std::string> plan_network(const api::ClusterNetwork& network);

// Where a pass left things.
struct Progress {
  bool done = false;
  std::string waiting_for;  // what it waits on, for status and logs
  std::chrono::seconds retry_after{0};

  static Progress complete() { return {true, {}, {}}; }
  static Progress wait(std::string what, std::chrono::seconds after) {
    return {false, std::move(what), after};
  }
};

// spec.network.zones when the spec gives only zoneCount (or neither: 3), as when the defaulting
// webhook is not installed: the first usable zones of the region by name (plain availability
// zones, available, no opt-in needed), the same on every pass. Too few usable zones is an error
// naming spec.network.zoneCount; an AWS failure is the outer error. A spec with zones, or with
// a VPC of the user's, comes back as it is.
aws::Result<std::expected<api::ClusterNetwork, std::string>> with_zones(
    aws::Ec2Client& ec2, const api::ClusterNetwork& network, const std::string& region);

// Bring your own VPC: checks that spec.network.vpcID exists in the region and that
// spec.network.subnetIDs are in it and cover at least two zones, and records them in `status`.
// Aura never changes or deletes them. A check that fails is an error naming the field (the
// cluster then reports it and waits); an AWS failure is the outer error.
aws::Result<std::expected<void, std::string>> check_existing_network(
    aws::Ec2Client& ec2, const api::ClusterNetwork& network, api::NetworkStatus& status);

// Level-triggered and crash-safe: every resource is tagged in its create call, its ID goes to
// `status` (and `record_status` is called) right after, and before each create the resource is
// looked up by its tags, so a pass after a crash or a lost status write adopts what exists
// instead of making it twice. Nothing here sleeps: a pass returns what it waits on.
class NetworkSteps {
 public:
  using RecordStatus = std::function<void()>;

  NetworkSteps(aws::Ec2Client& ec2, const ClusterIdentity& identity, RecordStatus record_status);

  aws::Result<Progress> ensure(const NetworkPlan& plan, api::NetworkStatus& status);
  // Deletes in DESIGN.md's order; done when nothing tagged with this cluster's UID is left.
  aws::Result<Progress> remove(api::NetworkStatus& status);
  // Every network resource carrying this cluster's UID tag, as "kind id" lines (vpc, subnet,
  // internet-gateway, elastic-ip, nat-gateway (not deleted), route-table, security-group).
  aws::Result<std::vector<std::string>> inventory();

 private:
  aws::DescribeQuery owned(const std::string& role = {}) const;

  aws::Ec2Client& ec2_;
  const ClusterIdentity& id_;
  RecordStatus record_;
};

}  // namespace aura::reconcilers::cluster
