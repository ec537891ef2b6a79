// What a child cluster leaves in its VPC, against moto with authentication on: the load
// balancers of Services of type LoadBalancer (AWS Load Balancer Controller and in-tree cloud
// provider tags), their security group, a target group and an interface the VPC CNI left
// available are found by their tags and removed before the network goes; resources of another
// cluster and untagged ones in the same VPC are left alone, and so are target groups in a VPC
// the user brought.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "operator/aws/elb.h"
#include "reconcilers/ephemeral_cluster/child_leftovers.h"
#include "tests/integration/support/aws_env.h"
#include "tests/integration/support/test_env.h"

namespace aura::reconcilers::cluster {
namespace {

using namespace std::chrono_literals;
using testing::AwsTestEnv;
using testing::eventually;
using testing::ok;

std::string random_suffix() {
  std::mt19937_64 rng{std::random_device{}()};
  return std::to_string(rng() % 1000000000);
}

bool contains_prefix(const std::vector<std::string>& lines, const std::string& prefix) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& l) { return l.rfind(prefix, 0) == 0; });
}

class ChildLeftoversTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto& env = AwsTestEnv::get();
    ec2_ = std::make_unique<aws::Ec2Client>(env.client(aws::services::kEc2));
    elbv2_client_ = env.client(aws::services::kElbV2);
    elb_client_ = env.client(aws::services::kElb);
    elbv2_ = std::make_unique<aws::ElbV2Client>(elbv2_client_);
    elb_ = std::make_unique<aws::ElbClassicClient>(elb_client_);
    suffix_ = random_suffix();
    eks_name_ = "aura-ml-left-" + suffix_;
    vpc_ = ok(ec2_->create_vpc({"10.91.0.0/16", {{"aura.io/cluster-uid", "uid-" + suffix_}}})).id;
    subnet_a_ = ok(ec2_->create_subnet({vpc_, "10.91.1.0/24", env.region + "a", "", {}})).id;
    subnet_b_ = ok(ec2_->create_subnet({vpc_, "10.91.2.0/24", env.region + "b", "", {}})).id;
  }
  void TearDown() override {
    for (const auto& eni : ec2_->describe_network_interfaces({{}, {aws::vpc_filter(vpc_)}, 0})
                               .value_or(std::vector<aws::NetworkInterface>{}))
      (void)ec2_->delete_network_interface(eni.id);
    for (const auto& tg : elbv2_->describe_target_groups(vpc_).value_or(std::vector<std::string>{}))
      (void)elbv2_->delete_target_group(tg);
    for (const auto& sg : ec2_->describe_security_groups({{}, {aws::vpc_filter(vpc_)}, 0})
                              .value_or(std::vector<aws::SecurityGroup>{}))
      if (sg.name != "default") (void)ec2_->delete_security_group(sg.id);
    (void)ec2_->delete_subnet(subnet_a_);
    (void)ec2_->delete_subnet(subnet_b_);
    (void)ec2_->delete_vpc(vpc_);
  }

  // What the child cluster would make for two Services and its CNI.
  void leave_child_resources() {
    ok(elbv2_client_->query("CreateLoadBalancer", "2015-12-01",
                            {{"Name", "k8s-web-" + suffix_},
                             {"Subnets.member.1", subnet_a_},
                             {"Subnets.member.2", subnet_b_},
                             {"Type", "network"},
                             {"Tags.member.1.Key", "elbv2.k8s.aws/cluster"},
                             {"Tags.member.1.Value", eks_name_}}));
    ok(elb_client_->query("CreateLoadBalancer", "2012-06-01",
                          {{"LoadBalancerName", "a" + suffix_},
                           {"Subnets.member.1", subnet_a_},
                           {"Listeners.member.1.Protocol", "TCP"},
                           {"Listeners.member.1.LoadBalancerPort", "80"},
                           {"Listeners.member.1.InstancePort", "30080"},
                           {"Tags.member.1.Key", "kubernetes.io/cluster/" + eks_name_},
                           {"Tags.member.1.Value", "owned"}}));
    ok(elbv2_client_->query(
        "CreateTargetGroup", "2015-12-01",
        {{"Name", "k8s-tg-" + suffix_}, {"Protocol", "TCP"}, {"Port", "30080"}, {"VpcId", vpc_}}));
    child_sg_ =
        ok(ec2_->create_security_group({"k8s-elb-" + suffix_,
                                        "Security group for ELB",
                                        vpc_,
                                        {{"kubernetes.io/cluster/" + eks_name_, "owned"}}}));
    // What the VPC CNI leaves when a node goes without detaching its secondary interfaces.
    cni_eni_ = testing::create_network_interface(*ec2_, subnet_a_,
                                                 {{"cluster.k8s.amazonaws.com/name", eks_name_}});
  }

  // Another cluster's and nobody's: they share the VPC and must stay.
  void leave_bystanders() {
    other_sg_ = ok(ec2_->create_security_group(
        {"other-" + suffix_, "another cluster", vpc_, {{"kubernetes.io/cluster/other", "owned"}}}));
    untagged_eni_ = testing::create_network_interface(*ec2_, subnet_a_);
  }

  // Passes of remove() until done, as reconciles that requeue would run them (ELB releases a
  // deleted load balancer's interfaces a couple of seconds later in the emulator): what the
  // passes waited for.
  std::vector<std::string> remove_until_done(ChildLeftovers& leftovers, bool own_vpc) {
    std::vector<std::string> waited;
    const bool done = eventually(
        [&] {
          auto p = ok(leftovers.remove(vpc_, own_vpc));
          if (!p.done) waited.push_back(p.waiting_for);
          return p.done;
        },
        60s, 250ms);
    if (!done) throw std::runtime_error("leftovers not removed in 60 s");
    return waited;
  }

  bool security_group_exists(const std::string& id) {
    for (const auto& sg : ok(ec2_->describe_security_groups({{}, {aws::vpc_filter(vpc_)}, 0})))
      if (sg.id == id) return true;
    return false;
  }
  bool interface_exists(const std::string& id) {
    for (const auto& eni : ok(ec2_->describe_network_interfaces({{}, {aws::vpc_filter(vpc_)}, 0})))
      if (eni.id == id) return true;
    return false;
  }

  std::unique_ptr<aws::Ec2Client> ec2_;
  aws::AwsClientPtr elbv2_client_, elb_client_;
  std::unique_ptr<aws::ElbV2Client> elbv2_;
  std::unique_ptr<aws::ElbClassicClient> elb_;
  std::string suffix_, eks_name_, vpc_, subnet_a_, subnet_b_;
  std::string child_sg_, cni_eni_, other_sg_, untagged_eni_;
};

TEST(ChildLeftoverTags, OwnershipTagsOfTheChildsControllers) {
  EXPECT_TRUE(left_by_child({{"kubernetes.io/cluster/c1", "owned"}}, "c1"));
  EXPECT_FALSE(left_by_child({{"kubernetes.io/cluster/c1", "shared"}}, "c1"));
  EXPECT_TRUE(left_by_child({{"elbv2.k8s.aws/cluster", "c1"}}, "c1"));
  EXPECT_TRUE(left_by_child({{"cluster.k8s.amazonaws.com/name", "c1"}}, "c1"));
  EXPECT_FALSE(left_by_child({{"elbv2.k8s.aws/cluster", "c2"}}, "c1"));
  EXPECT_FALSE(left_by_child({}, "c1"));
  // Aura's own resources carry the cluster's tag too; their own steps remove them.
  EXPECT_FALSE(
      left_by_child({{"kubernetes.io/cluster/c1", "owned"}, {"aura.io/cluster-uid", "u"}}, "c1"));
}

TEST_F(ChildLeftoversTest, WhatTheChildLeftGoesAndBystandersStay) {
  leave_child_resources();
  leave_bystanders();
  ChildLeftovers leftovers(*ec2_, *elbv2_, *elb_, eks_name_);
  const auto before = ok(leftovers.inventory(vpc_, /*own_vpc=*/true));
  EXPECT_EQ(before.size(), 5u) << ::testing::PrintToString(before);
  EXPECT_TRUE(contains_prefix(before, "load-balancer arn:"));
  EXPECT_TRUE(contains_prefix(before, "load-balancer a" + suffix_));
  EXPECT_TRUE(contains_prefix(before, "target-group arn:"));
  EXPECT_TRUE(contains_prefix(before, "security-group " + child_sg_));
  EXPECT_TRUE(contains_prefix(before, "network-interface " + cni_eni_));

  // The first pass deletes the load balancers and waits for them to go; the next the rest.
  auto first = ok(leftovers.remove(vpc_, true));
  EXPECT_FALSE(first.done);
  EXPECT_NE(first.waiting_for.find("load balancer"), std::string::npos) << first.waiting_for;
  EXPECT_GT(first.retry_after.count(), 0);
  const auto waited = remove_until_done(leftovers, true);
  ASSERT_FALSE(waited.empty());
  EXPECT_NE(waited.back().find("ELB to release the interfaces of deleted load balancers"),
            std::string::npos)
      << ::testing::PrintToString(waited);

  EXPECT_TRUE(ok(leftovers.inventory(vpc_, true)).empty());
  EXPECT_FALSE(security_group_exists(child_sg_));
  EXPECT_FALSE(interface_exists(cni_eni_));
  EXPECT_TRUE(security_group_exists(other_sg_));
  EXPECT_TRUE(interface_exists(untagged_eni_));
  // The network can go now: nothing of the child's blocks the subnets.
  ok(ec2_->delete_network_interface(untagged_eni_));
  EXPECT_TRUE(ec2_->delete_subnet(subnet_a_)) << "subnet still blocked";
}

TEST_F(ChildLeftoversTest, TargetGroupsInAVpcTheUserBroughtAreLeftAlone) {
  leave_child_resources();
  ChildLeftovers leftovers(*ec2_, *elbv2_, *elb_, eks_name_);
  const auto before = ok(leftovers.inventory(vpc_, /*own_vpc=*/false));
  EXPECT_FALSE(contains_prefix(before, "target-group "));
  remove_until_done(leftovers, false);
  EXPECT_TRUE(ok(leftovers.inventory(vpc_, false)).empty());
  EXPECT_EQ(ok(elbv2_->describe_target_groups(vpc_)).size(), 1u);
}

}  // namespace
}  // namespace aura::reconcilers::cluster
