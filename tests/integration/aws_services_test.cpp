// ELB, SSM, S3 and the tagging API against moto with authentication on.
#include <gtest/gtest.h>

#include "operator/aws/ec2.h"
#include "operator/aws/elb.h"
#include "operator/aws/s3.h"
#include "operator/aws/ssm.h"
#include "operator/aws/tagging.h"
#include "tests/integration/support/aws_env.h"
#include "tests/integration/support/test_env.h"

namespace aura::aws {
namespace {

using testing::AwsTestEnv;

TEST(AwsS3, PutGetListDeleteWithPagination) {
  S3Client s3(AwsTestEnv::get().client(services::kS3));
  ASSERT_TRUE(s3.create_bucket("aura-results-test"));
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(s3.put_object("aura-results-test", "jobs/ns/job-" + std::to_string(i) + "/log.txt",
                              "line\n"));
  ASSERT_TRUE(s3.put_object("aura-results-test", "jobs/ns/with space+plus.txt", "x"));
  auto body = s3.get_object("aura-results-test", "jobs/ns/job-1/log.txt");
  ASSERT_TRUE(body) << body.error().str();
  EXPECT_EQ(*body, "line\n");
  auto odd = s3.get_object("aura-results-test", "jobs/ns/with space+plus.txt");
  ASSERT_TRUE(odd) << odd.error().str();
  auto list = s3.list_objects("aura-results-test", "jobs/ns/");
  ASSERT_TRUE(list) << list.error().str();
  EXPECT_EQ(list->size(), 4u);
  for (const auto& o : *list) ASSERT_TRUE(s3.delete_object("aura-results-test", o.key));
  auto missing = s3.get_object("aura-results-test", "jobs/ns/job-1/log.txt");
  ASSERT_FALSE(missing);
  EXPECT_TRUE(missing.error().is_not_found()) << missing.error().str();
}

TEST(AwsSsm, MissingParameterIsNotFound) {
  SsmClient ssm(AwsTestEnv::get().client(services::kSsm));
  auto p = ssm.get_parameter("/aura/does-not-exist");
  ASSERT_FALSE(p);
  EXPECT_TRUE(p.error().is_not_found()) << p.error().str();
}

TEST(AwsSsm, EksOptimizedAmiParameter) {
  SsmClient ssm(AwsTestEnv::get().client(services::kSsm));
  auto ami = ssm.get_parameter(eks_ami_parameter("1.31", "x86_64", false));
  if (!ami && ami.error().is_not_found())
    GTEST_SKIP() << "the emulator does not seed EKS AMI parameters yet";
  ASSERT_TRUE(ami) << ami.error().str();
  EXPECT_EQ(ami->rfind("ami-", 0), 0u);
}

TEST(AwsElb, EmptyRegionListsNothingAndDeleteOfUnknownIsAnError) {
  ElbV2Client v2(AwsTestEnv::get().client(services::kElbV2));
  auto lbs = v2.describe_load_balancers();
  ASSERT_TRUE(lbs) << lbs.error().str();
  ElbClassicClient classic(AwsTestEnv::get().client(services::kElb));
  auto clbs = classic.describe_load_balancers();
  ASSERT_TRUE(clbs) << clbs.error().str();
  auto gone = v2.delete_load_balancer(
      "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/x/1");
  // AWS answers DeleteLoadBalancer of an unknown ARN with success or LoadBalancerNotFound.
  if (!gone) {
    EXPECT_TRUE(gone.error().is_not_found()) << gone.error().str();
  }
}

// What a child cluster's AWS Load Balancer Controller leaves in the VPC: found with its tags,
// deleted, and gone.
TEST(AwsElb, LoadBalancersLeftByAChildClusterAreFoundByTagAndDeleted) {
  const auto& env = AwsTestEnv::get();
  Ec2Client ec2(env.client(services::kEc2));
  auto vpc = ec2.create_vpc({"10.88.0.0/16", {{"aura.io/cluster-uid", "uid-elb-test"}}});
  ASSERT_TRUE(vpc) << vpc.error().str();
  auto a = ec2.create_subnet({vpc->id, "10.88.1.0/24", env.region + "a", "", {}});
  auto b = ec2.create_subnet({vpc->id, "10.88.2.0/24", env.region + "b", "", {}});
  ASSERT_TRUE(a && b);
  auto elbv2 = env.client(services::kElbV2);
  auto created = elbv2->query("CreateLoadBalancer", "2015-12-01",
                              {{"Name", "k8s-default-web-abc123"},
                               {"Subnets.member.1", a->id},
                               {"Subnets.member.2", b->id},
                               {"Type", "network"},
                               {"Tags.member.1.Key", "elbv2.k8s.aws/cluster"},
                               {"Tags.member.1.Value", "aura-demo"},
                               {"Tags.member.2.Key", "kubernetes.io/cluster/aura-demo"},
                               {"Tags.member.2.Value", "owned"}});
  ASSERT_TRUE(created) << created.error().str();
  auto classic = env.client(services::kElb);
  auto clb = classic->query("CreateLoadBalancer", "2012-06-01",
                            {{"LoadBalancerName", "a1b2c3-classic"},
                             {"Subnets.member.1", a->id},
                             {"Listeners.member.1.Protocol", "TCP"},
                             {"Listeners.member.1.LoadBalancerPort", "80"},
                             {"Listeners.member.1.InstancePort", "30080"},
                             {"Tags.member.1.Key", "kubernetes.io/cluster/aura-demo"},
                             {"Tags.member.1.Value", "owned"}});
  ASSERT_TRUE(clb) << clb.error().str();

  ElbV2Client v2(elbv2);
  auto lbs = v2.describe_load_balancers();
  ASSERT_TRUE(lbs) << lbs.error().str();
  const LoadBalancer* ours = nullptr;
  for (const auto& lb : *lbs)
    if (lb.tags.contains("elbv2.k8s.aws/cluster") &&
        lb.tags.at("elbv2.k8s.aws/cluster") == "aura-demo")
      ours = &lb;
  ASSERT_NE(ours, nullptr);
  EXPECT_EQ(ours->vpc_id, vpc->id);
  ASSERT_TRUE(v2.delete_load_balancer(ours->arn));

  ElbClassicClient v1(classic);
  auto clbs = v1.describe_load_balancers();
  ASSERT_TRUE(clbs) << clbs.error().str();
  bool found = false;
  for (const auto& lb : *clbs)
    if (lb.name == "a1b2c3-classic") found = lb.tags.contains("kubernetes.io/cluster/aura-demo");
  EXPECT_TRUE(found);
  ASSERT_TRUE(v1.delete_load_balancer("a1b2c3-classic"));

  auto after = v2.describe_load_balancers();
  ASSERT_TRUE(after);
  for (const auto& lb : *after) EXPECT_NE(lb.name, "k8s-default-web-abc123");
  auto after_classic = v1.describe_load_balancers();
  ASSERT_TRUE(after_classic);
  for (const auto& lb : *after_classic) EXPECT_NE(lb.name, "a1b2c3-classic");
  // ELB releases a deleted load balancer's interfaces a little later (the emulator, as AWS, after
  // a couple of seconds); until then they hold the subnets (DependencyViolation).
  ASSERT_TRUE(aura::testing::eventually([&] { return ec2.delete_subnet(a->id).has_value(); },
                                        std::chrono::seconds(60), std::chrono::milliseconds(250)));
  ASSERT_TRUE(ec2.delete_subnet(b->id));
  ASSERT_TRUE(ec2.delete_vpc(vpc->id));
}

TEST(AwsTagging, FindsTaggedResources) {
  const auto& env = AwsTestEnv::get();
  auto ec2 = env.client(services::kEc2);
  auto vpc = ec2->query("CreateVpc", "2016-11-15",
                        {{"CidrBlock", "10.77.0.0/16"},
                         {"TagSpecification.1.ResourceType", "vpc"},
                         {"TagSpecification.1.Tag.1.Key", "aura.io/cluster-uid"},
                         {"TagSpecification.1.Tag.1.Value", "uid-tagging-test"}});
  ASSERT_TRUE(vpc) << vpc.error().str();
  TaggingClient tagging(env.client(services::kTagging));
  auto found = tagging.get_resources({{"aura.io/cluster-uid", {"uid-tagging-test"}}});
  ASSERT_TRUE(found) << found.error().str();
  ASSERT_EQ(found->size(), 1u);
  EXPECT_NE((*found)[0].arn.find(xml_text(**vpc, "vpcId")), std::string::npos);
  ASSERT_TRUE(ec2->query("DeleteVpc", "2016-11-15", {{"VpcId", xml_text(**vpc, "vpcId")}}));
}

}  // namespace
}  // namespace aura::aws
