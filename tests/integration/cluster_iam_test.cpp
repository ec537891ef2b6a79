// The IAM an EphemeralCluster creates, against moto with authentication on (managed policies
// loaded): the two roles with their trust and managed policies, the instance profile holding the
// node role, nothing new on a second pass, and nothing left after removal.
#include <gtest/gtest.h>

#include <random>

#include "reconcilers/ephemeral_cluster/iam_roles.h"
#include "tests/integration/support/aws_env.h"

namespace aura::reconcilers::cluster {
namespace {

using testing::AwsTestEnv;
using testing::ok;

TEST(ClusterIam, RolesPoliciesAndInstanceProfileComeAndGo) {
  aws::IamClient iam(AwsTestEnv::get().client(aws::services::kIam));
  ClusterIdentity id("ml-team", "iam-test", std::to_string(std::random_device{}()) + "-iam");
  int records = 0;
  IamSteps steps(iam, id, [&] { ++records; });
  api::IAMStatus status;
  ASSERT_TRUE(ok(steps.ensure({}, status)).done);

  auto cluster_role = ok(iam.get_role(id.iam_role_name("cluster")));
  EXPECT_EQ(status.clusterRoleARN, cluster_role.arn);
  EXPECT_EQ(cluster_role.path, "/aura/");
  EXPECT_NE(cluster_role.assume_role_policy_document.find("eks.amazonaws.com"), std::string::npos);
  EXPECT_EQ(cluster_role.tags["aura.io/cluster-uid"], id.uid());
  auto attached = ok(iam.list_attached_role_policies(id.iam_role_name("node")));
  std::vector<std::string> arns;
  for (const auto& p : attached) arns.push_back(p.arn);
  std::sort(arns.begin(), arns.end());
  auto want = node_role_policies("aws");
  std::sort(want.begin(), want.end());
  EXPECT_EQ(arns, want);
  auto profile = ok(iam.get_instance_profile(id.instance_profile_name()));
  ASSERT_EQ(profile.roles.size(), 1u);
  EXPECT_EQ(profile.roles[0].name, id.iam_role_name("node"));
  EXPECT_EQ(status.nodeInstanceProfileARN, profile.arn);

  // A second pass, and one after a lost status: the same names, nothing new.
  const int before = records;
  ASSERT_TRUE(ok(steps.ensure({}, status)).done);
  EXPECT_EQ(records, before);
  api::IAMStatus lost;
  ASSERT_TRUE(ok(steps.ensure({}, lost)).done);
  EXPECT_EQ(lost.nodeRoleARN, status.nodeRoleARN);
  EXPECT_EQ(ok(steps.inventory()).size(), 3u);

  int passes = 0;
  while (!ok(steps.remove(status)).done) ASSERT_LT(++passes, 5);
  EXPECT_TRUE(ok(steps.inventory()).empty());
  EXPECT_FALSE(status.clusterRoleARN);
}

}  // namespace
}  // namespace aura::reconcilers::cluster
