// The network an EphemeralCluster builds from nothing, against moto with authentication on:
// the inventory by tag matches the plan resource by resource; a second pass and a pass after a
// lost status create nothing (adoption by tag); a NAT gateway scripted to stay pending (then
// deleting) is waited on, never slept on; removal leaves nothing carrying the cluster's tag.
#include <gtest/gtest.h>

#include <random>

#include "reconcilers/ephemeral_cluster/network.h"
#include "tests/integration/support/aws_env.h"

namespace aura::reconcilers::cluster {
namespace {

using testing::AwsTestEnv;
using testing::ok;

std::string random_uid() {
  std::mt19937_64 rng{std::random_device{}()};
  return std::to_string(rng()) + "-net";
}

class ClusterNetworkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ec2_ = std::make_unique<aws::Ec2Client>(AwsTestEnv::get().client(aws::services::kEc2));
    id_ = std::make_unique<ClusterIdentity>("ml-team", "net-test", random_uid(),
                                            Tags{{"team", "ml"}});
    steps_ = std::make_unique<NetworkSteps>(*ec2_, *id_, [this] { ++records_; });
  }
  void TearDown() override {
    api::NetworkStatus s;
    for (int i = 0; i < 20; ++i) {
      auto p = steps_->remove(s);
      if (p && p->done) return;
    }
    ADD_FAILURE() << "could not remove the network";
  }

  NetworkPlan plan(api::NatGatewayMode nat) {
    api::ClusterNetwork n;
    n.vpcCIDR = "10.60.0.0/16";
    const auto& region = AwsTestEnv::get().region;
    n.zones = {region + "a", region + "b"};
    n.natGateways = nat;
    return ok_plan(plan_network(n));
  }
  static NetworkPlan ok_plan(std::expected<NetworkPlan, std::string> p) {
    if (!p) throw std::runtime_error(p.error());
    return *p;
  }
  // Passes until done; each pass that waits is one reconcile that would requeue.
  int ensure_until_done(const NetworkPlan& p, api::NetworkStatus& status) {
    for (int pass = 1; pass <= 10; ++pass)
      if (ok(steps_->ensure(p, status)).done) return pass;
    throw std::runtime_error("network not done after 10 passes");
  }
  std::unique_ptr<aws::Ec2Client> ec2_;
  std::unique_ptr<ClusterIdentity> id_;
  std::unique_ptr<NetworkSteps> steps_;
  int records_ = 0;
};

TEST_F(ClusterNetworkTest, BuildsThePlanAdoptsWhatExistsAndRemovesEverything) {
  const auto p = plan(api::NatGatewayMode::kSingle);
  api::NetworkStatus status;
  ensure_until_done(p, status);
  const auto region = AwsTestEnv::get().region;

  // Resource by resource, against the plan.
  const auto owned = aws::DescribeQuery{{}, aws::tag_filters(id_->ownership_tags()), 0};
  auto vpcs = ok(ec2_->describe_vpcs(owned));
  ASSERT_EQ(vpcs.size(), 1u);
  EXPECT_EQ(vpcs[0].cidr_block, "10.60.0.0/16");
  EXPECT_EQ(status.vpcID, vpcs[0].id);
  EXPECT_TRUE(ok(ec2_->describe_vpc_attribute(vpcs[0].id, aws::VpcAttribute::kEnableDnsSupport)));
  EXPECT_TRUE(ok(ec2_->describe_vpc_attribute(vpcs[0].id, aws::VpcAttribute::kEnableDnsHostnames)));
  for (const auto& [k, v] : id_->tags("vpc")) EXPECT_EQ(vpcs[0].tags[k], v) << k;
  EXPECT_EQ(vpcs[0].tags["team"], "ml");

  auto subnets = ok(ec2_->describe_subnets(owned));
  ASSERT_EQ(subnets.size(), 4u);
  std::map<std::string, aws::Subnet> by_cidr;
  for (const auto& s : subnets) by_cidr[s.cidr_block] = s;
  // Carved: the /16 in eight /19 blocks, public first, private last.
  ASSERT_TRUE(by_cidr.contains("10.60.0.0/19") && by_cidr.contains("10.60.32.0/19"));
  ASSERT_TRUE(by_cidr.contains("10.60.192.0/19") && by_cidr.contains("10.60.224.0/19"));
  EXPECT_EQ(by_cidr["10.60.0.0/19"].availability_zone, region + "a");
  EXPECT_TRUE(by_cidr["10.60.0.0/19"].map_public_ip_on_launch);
  EXPECT_EQ(by_cidr["10.60.0.0/19"].tags["kubernetes.io/role/elb"], "1");
  EXPECT_EQ(by_cidr["10.60.224.0/19"].availability_zone, region + "b");
  EXPECT_EQ(by_cidr["10.60.224.0/19"].tags["kubernetes.io/role/internal-elb"], "1");
  EXPECT_EQ(by_cidr["10.60.224.0/19"].tags["karpenter.sh/discovery"], id_->eks_name());
  EXPECT_EQ(by_cidr["10.60.224.0/19"].tags["kubernetes.io/cluster/" + id_->eks_name()], "owned");
  EXPECT_EQ(status.subnets.size(), 4u);

  auto igws = ok(ec2_->describe_internet_gateways(owned));
  ASSERT_EQ(igws.size(), 1u);
  ASSERT_EQ(igws[0].attachments.size(), 1u);
  EXPECT_EQ(igws[0].attachments[0].vpc_id, vpcs[0].id);
  auto nats = ok(ec2_->describe_nat_gateways(owned));
  ASSERT_EQ(nats.size(), 1u);  // Single
  EXPECT_EQ(nats[0].subnet_id, by_cidr["10.60.0.0/19"].id);
  EXPECT_EQ(ok(ec2_->describe_addresses(owned)).size(), 1u);
  auto tables = ok(ec2_->describe_route_tables(owned));
  ASSERT_EQ(tables.size(), 3u);  // public, and one private per zone
  for (const auto& t : tables) {
    const bool is_public = t.tags.at("aura.io/role") == "rtb-public";
    auto def = std::find_if(t.routes.begin(), t.routes.end(),
                            [](const auto& r) { return r.destination_cidr_block == "0.0.0.0/0"; });
    ASSERT_NE(def, t.routes.end()) << t.id;
    if (is_public) {
      EXPECT_EQ(def->gateway_id, igws[0].id);
      EXPECT_EQ(t.associations.size(), 2u);
    } else {
      EXPECT_EQ(def->nat_gateway_id, nats[0].id);
      EXPECT_EQ(t.associations.size(), 1u);
    }
  }
  auto groups = ok(ec2_->describe_security_groups(owned));
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(status.securityGroupID, groups[0].id);

  // Again, and after a lost status: nothing new, the same IDs found by tag.
  const auto before = ok(steps_->inventory());
  EXPECT_EQ(ensure_until_done(p, status), 1);
  api::NetworkStatus lost;
  EXPECT_EQ(ensure_until_done(p, lost), 1);
  EXPECT_EQ(ok(steps_->inventory()), before);
  EXPECT_EQ(lost.vpcID, status.vpcID);
  EXPECT_EQ(lost.subnets, status.subnets);

  // Remove: nothing left carrying the cluster's UID.
  int passes = 0;
  while (!ok(steps_->remove(status)).done) ASSERT_LT(++passes, 10);
  EXPECT_TRUE(ok(steps_->inventory()).empty());
  EXPECT_FALSE(status.vpcID);
}

TEST_F(ClusterNetworkTest, PendingAndDeletingNatGatewaysAreWaitedOn) {
  AwsTestEnv::get().post_state({{"kind", "nat-gateway"},
                                {"tags", {{"aura.io/cluster-uid", id_->uid()}}},
                                {"phase", "create"},
                                {"state", "pending"},
                                {"describes", 2},
                                {"then", "available"}});
  AwsTestEnv::get().post_state({{"kind", "nat-gateway"},
                                {"tags", {{"aura.io/cluster-uid", id_->uid()}}},
                                {"phase", "delete"},
                                {"state", "deleting"},
                                {"describes", 2},
                                {"then", "deleted"}});
  const auto p = plan(api::NatGatewayMode::kPerZone);
  api::NetworkStatus status;
  auto first = ok(steps_->ensure(p, status));
  EXPECT_FALSE(first.done);
  EXPECT_NE(first.waiting_for.find("pending"), std::string::npos) << first.waiting_for;
  EXPECT_GT(first.retry_after.count(), 0);
  EXPECT_GE(ensure_until_done(p, status), 2);
  EXPECT_EQ(ok(ec2_->describe_nat_gateways(
                   aws::DescribeQuery{{}, aws::tag_filters(id_->ownership_tags()), 0}))
                .size(),
            2u);  // PerZone

  auto removing = ok(steps_->remove(status));
  EXPECT_FALSE(removing.done);
  EXPECT_NE(removing.waiting_for.find("deleting"), std::string::npos) << removing.waiting_for;
  int passes = 0;
  while (!ok(steps_->remove(status)).done) ASSERT_LT(++passes, 10);
  EXPECT_TRUE(ok(steps_->inventory()).empty());
}

TEST_F(ClusterNetworkTest, ABroughtVpcIsCheckedAndRecordedNeverChanged) {
  // The user's VPC: made here without any Aura tag.
  const auto& region = AwsTestEnv::get().region;
  aws::Tags theirs{{"owner", "network-team"}};
  auto vpc = ok(ec2_->create_vpc({"10.80.0.0/16", theirs}));
  auto a = ok(ec2_->create_subnet({vpc.id, "10.80.1.0/24", region + "a", "", theirs}));
  auto b = ok(ec2_->create_subnet({vpc.id, "10.80.2.0/24", region + "b", "", theirs}));
  auto a2 = ok(ec2_->create_subnet({vpc.id, "10.80.3.0/24", region + "a", "", theirs}));
  api::ClusterNetwork n;
  n.vpcID = vpc.id;
  n.subnetIDs = {a.id, b.id};
  api::NetworkStatus status;
  auto good = ok(check_existing_network(*ec2_, n, status));
  EXPECT_TRUE(good) << good.error();
  EXPECT_EQ(status.vpcID, vpc.id);
  EXPECT_EQ(status.vpcCIDR, "10.80.0.0/16");
  ASSERT_EQ(status.subnets.size(), 2u);
  EXPECT_EQ(status.subnets[1].zone, region + "b");

  n.subnetIDs = {a.id, a2.id};
  auto one_zone = ok(check_existing_network(*ec2_, n, status));
  ASSERT_FALSE(one_zone);
  EXPECT_EQ(one_zone.error().rfind("spec.network.subnetIDs: Invalid value: the subnets cover 1", 0),
            0u)
      << one_zone.error();
  n.vpcID = "vpc-0123456789abcdef0";
  auto missing = ok(check_existing_network(*ec2_, n, status));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().rfind("spec.network.vpcID: Not found", 0), 0u) << missing.error();
  n.vpcID = vpc.id;
  n.subnetIDs = {a.id, "subnet-0123456789abcdef0"};
  auto bad_subnet = ok(check_existing_network(*ec2_, n, status));
  ASSERT_FALSE(bad_subnet);
  EXPECT_EQ(bad_subnet.error().rfind("spec.network.subnetIDs", 0), 0u) << bad_subnet.error();

  // Nothing of the user's carries Aura's tags, so removal and inventory never touch it.
  EXPECT_TRUE(ok(steps_->inventory()).empty());
  for (const auto& id : {a.id, b.id, a2.id}) ok(ec2_->delete_subnet(id));
  ok(ec2_->delete_vpc(vpc.id));
}

}  // namespace
}  // namespace aura::reconcilers::cluster
