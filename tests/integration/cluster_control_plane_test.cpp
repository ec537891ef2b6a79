// An EphemeralCluster's AWS side from nothing to ACTIVE and back, against moto with
// authentication on: network and IAM, then the EKS control plane (scripted to stay CREATING and
// DELETING for a few describes, waited on by returning, never sleeping) and its OIDC provider;
// then removal in DESIGN.md's order until nothing of the cluster is left.
#include <gtest/gtest.h>

#include <random>

#include "reconcilers/ephemeral_cluster/control_plane.h"
#include "reconcilers/ephemeral_cluster/iam_roles.h"
#include "tests/integration/support/aws_env.h"

namespace aura::reconcilers::cluster {
namespace {

using testing::AwsTestEnv;
using testing::ok;

TEST(ClusterControlPlane, FromNothingToActiveAndBackLeavesNothing) {
  const auto& env = AwsTestEnv::get();
  aws::Ec2Client ec2(env.client(aws::services::kEc2));
  aws::IamClient iam(env.client(aws::services::kIam));
  aws::EksClient eks(env.client(aws::services::kEks));
  ClusterIdentity id("ml-team", "cp-test", std::to_string(std::random_device{}()) + "-cp");
  env.post_state({{"kind", "eks-cluster"},
                  {"id", id.eks_name()},
                  {"phase", "create"},
                  {"state", "CREATING"},
                  {"describes", 2},
                  {"then", "ACTIVE"}});
  env.post_state({{"kind", "eks-cluster"},
                  {"id", id.eks_name()},
                  {"phase", "delete"},
                  {"state", "DELETING"},
                  {"describes", 2}});

  api::EphemeralClusterSpec spec;
  spec.region = env.region;
  spec.kubernetesVersion = "1.33";
  spec.network.vpcCIDR = "10.70.0.0/16";
  spec.network.zones = {env.region + "a", env.region + "b"};
  spec.endpointAccess = api::EndpointAccess{true, true, {"203.0.113.0/24"}};
  spec.controlPlaneLogging = {api::ControlPlaneLogType::kApi, api::ControlPlaneLogType::kAudit};
  api::EphemeralClusterStatus status;
  status.network = api::NetworkStatus{};
  status.iam = api::IAMStatus{};
  int records = 0;
  auto record = [&] { ++records; };
  NetworkSteps network(ec2, id, record);
  IamSteps iam_steps(iam, id, record);
  ControlPlaneSteps control_plane(eks, iam, id, record);

  auto plan = plan_network(spec.network);
  ASSERT_TRUE(plan) << plan.error();
  ASSERT_TRUE(ok(network.ensure(*plan, *status.network)).done);
  ASSERT_TRUE(ok(iam_steps.ensure({}, *status.iam)).done);
  const auto cp = plan_control_plane(spec, status);
  EXPECT_EQ(cp.subnet_ids.size(), 4u);
  int waits = 0;
  Progress p;
  while (!(p = ok(control_plane.ensure(cp, status))).done) {
    ++waits;
    EXPECT_NE(p.waiting_for.find("CREATING"), std::string::npos) << p.waiting_for;
    EXPECT_EQ(p.retry_after, std::chrono::seconds(30));
    ASSERT_LT(waits, 10);
  }
  EXPECT_GE(waits, 1);

  auto cluster = ok(eks.describe_cluster(id.eks_name()));
  EXPECT_EQ(cluster.status, "ACTIVE");
  EXPECT_EQ(cluster.version, "1.33");
  EXPECT_EQ(cluster.role_arn, status.iam->clusterRoleARN);
  EXPECT_EQ(cluster.tags["aura.io/cluster-uid"], id.uid());
  EXPECT_EQ(status.eksClusterName, id.eks_name());
  EXPECT_EQ(status.eksClusterARN, cluster.arn);
  EXPECT_EQ(status.endpoint, cluster.endpoint);
  ASSERT_TRUE(status.oidcIssuerURL);
  ASSERT_TRUE(status.oidcProviderARN);
  auto provider = ok(iam.get_open_id_connect_provider(*status.oidcProviderARN));
  EXPECT_TRUE(provider.thumbprints.empty() || !provider.thumbprints[0].empty());
  EXPECT_EQ(provider.tags["aura.io/cluster-uid"], id.uid());
  // Settled: another pass changes nothing.
  const int before = records;
  EXPECT_TRUE(ok(control_plane.ensure(cp, status)).done);
  EXPECT_EQ(records, before);

  // Down, in order: control plane (waits through DELETING), network, IAM.
  waits = 0;
  while (!ok(control_plane.remove(status)).done) ASSERT_LT(++waits, 10);
  EXPECT_GE(waits, 2);
  auto gone = eks.describe_cluster(id.eks_name());
  EXPECT_TRUE(!gone && gone.error().is_not_found());
  auto provider_gone = iam.get_open_id_connect_provider(provider.arn);
  EXPECT_TRUE(!provider_gone && provider_gone.error().is_not_found());
  waits = 0;
  while (!ok(network.remove(*status.network)).done) ASSERT_LT(++waits, 10);
  while (!ok(iam_steps.remove(*status.iam)).done) ASSERT_LT(++waits, 20);
  EXPECT_TRUE(ok(network.inventory()).empty());
  EXPECT_TRUE(ok(iam_steps.inventory()).empty());
}

}  // namespace
}  // namespace aura::reconcilers::cluster
