// The network plan of a spec: subnet CIDRs carved from the VPC when not given.
#include <gtest/gtest.h>

#include "reconcilers/ephemeral_cluster/network.h"

namespace aura::reconcilers::cluster {
namespace {

api::ClusterNetwork network(std::string cidr, std::vector<std::string> zones) {
  api::ClusterNetwork n;
  n.vpcCIDR = std::move(cidr);
  n.zones = std::move(zones);
  return n;
}

TEST(NetworkPlan, CarvesEightBlocksPublicFirstPrivateLast) {
  auto p = plan_network(network("10.0.0.0/16", {"a", "b", "c"}));
  ASSERT_TRUE(p) << p.error();
  ASSERT_EQ(p->zones.size(), 3u);
  EXPECT_EQ(p->zones[0].public_cidr, "10.0.0.0/19");
  EXPECT_EQ(p->zones[2].public_cidr, "10.0.64.0/19");
  EXPECT_EQ(p->zones[0].private_cidr, "10.0.160.0/19");
  EXPECT_EQ(p->zones[2].private_cidr, "10.0.224.0/19");
  EXPECT_EQ(p->nat, api::NatGatewayMode::kSingle);
}

TEST(NetworkPlan, SixZonesUseSixteenBlocksAndGivenCidrsWin) {
  auto six = plan_network(network("10.1.0.0/16", {"a", "b", "c", "d", "e", "f"}));
  ASSERT_TRUE(six);
  EXPECT_EQ(six->zones[5].public_cidr, "10.1.80.0/20");
  EXPECT_EQ(six->zones[0].private_cidr, "10.1.160.0/20");
  auto n = network("10.2.0.0/16", {"a", "b"});
  n.publicSubnetCIDRs = {"10.2.1.0/24", "10.2.2.0/24"};
  auto given = plan_network(n);
  ASSERT_TRUE(given);
  EXPECT_EQ(given->zones[1].public_cidr, "10.2.2.0/24");
  EXPECT_EQ(given->zones[1].private_cidr, "10.2.224.0/19");
}

TEST(NetworkPlan, ErrorsNameTheField) {
  EXPECT_EQ(plan_network(network("10.0.0.0/16", {"a"})).error().rfind("spec.network.zones", 0), 0u);
  api::ClusterNetwork byo;
  byo.vpcID = "vpc-1";
  EXPECT_EQ(plan_network(byo).error().rfind("spec.network.vpcCIDR", 0), 0u);
  // A /27 split in eight would give /30s, below EC2's /28 minimum.
  EXPECT_EQ(plan_network(network("10.0.0.0/27", {"a", "b"}))
                .error()
                .rfind("spec.network.publicSubnetCIDRs", 0),
            0u);
}

TEST(NetworkPlan, GivenSubnetCidrsMustLieInsideTheVpcAndApart) {
  auto outside = network("10.0.0.0/16", {"a", "b"});
  outside.publicSubnetCIDRs = {"10.0.1.0/24", "192.168.1.0/24"};
  EXPECT_EQ(plan_network(outside).error(),
            "spec.network.publicSubnetCIDRs[1]: Invalid value: \"192.168.1.0/24\": not inside "
            "vpcCIDR 10.0.0.0/16");
  auto overlapping = network("10.0.0.0/16", {"a", "b"});
  overlapping.publicSubnetCIDRs = {"10.0.1.0/24", "10.0.2.0/24"};
  overlapping.privateSubnetCIDRs = {"10.0.2.0/23", "10.0.8.0/24"};
  EXPECT_EQ(plan_network(overlapping).error(),
            "spec.network.privateSubnetCIDRs[0]: Invalid value: \"10.0.2.0/23\": overlaps "
            "spec.network.publicSubnetCIDRs[1]");
  auto malformed = network("10.0.0.0/16", {"a", "b"});
  malformed.privateSubnetCIDRs = {"10.0.300.0/24", "10.0.8.0/24"};
  EXPECT_EQ(plan_network(malformed).error().rfind("spec.network.privateSubnetCIDRs[0]", 0), 0u);
}

}  // namespace
}  // namespace aura::reconcilers::cluster
